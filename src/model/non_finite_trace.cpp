#include "swinpp/model/non_finite_trace.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <atomic>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp {

namespace {

/// Where a hooked gradient was taken.
enum class GradientAt { output, input };

/// A gradient seen by a hook: its place in backward (hooks on one tensor share
/// it) and whether it was all finite.
struct GradientEvent {
  int64_t order = -1;
  at::Tensor finite;  // 0-dim bool on the gradient's device
};

}  // namespace

struct NonFiniteTrace::State {
  /// One recorded module call.
  struct Call {
    std::string module;
    at::Tensor output_finite;  // 0-dim bool
    GradientEvent output_gradient, input_gradient;
  };

  std::unordered_map<const torch::nn::Module*, std::string> names;
  std::mutex mutex;
  uint64_t generation = 0;
  std::vector<Call> calls;
  int64_t next_order = 0;
  at::Tensor last_gradient;  // kept alive so that its address identifies it

  void on_gradient(uint64_t call_generation, size_t call, GradientAt at, const at::Tensor& grad) {
    at::Tensor finite = torch::isfinite(grad).all();
    std::lock_guard<std::mutex> lock(mutex);
    if (call_generation != generation || call >= calls.size()) return;
    const bool same_gradient = last_gradient.defined() &&
                               last_gradient.unsafeGetTensorImpl() == grad.unsafeGetTensorImpl();
    if (!same_gradient) ++next_order;
    last_gradient = grad;
    auto& event =
        at == GradientAt::output ? calls[call].output_gradient : calls[call].input_gradient;
    event.order = next_order;
    event.finite = std::move(finite);
  }

  /// Where forward first made a value that is not finite.
  static std::string describe_forward(const std::vector<Call>& calls);
  /// Where backward first made a gradient that is not finite.
  static std::string describe_backward(const std::vector<Call>& calls);
};

namespace {

std::atomic<NonFiniteTrace*> active_trace{nullptr};

/// Reads 0-dim bool flags from the device at once; true where a flag is
/// undefined.
std::vector<bool> read_flags(const std::vector<at::Tensor>& flags) {
  std::vector<at::Tensor> defined;
  for (const auto& f : flags)
    if (f.defined()) defined.push_back(f.to(torch::kCPU));
  std::vector<bool> out;
  const auto values = defined.empty() ? at::Tensor() : torch::stack(defined);  // [n]
  int64_t next = 0;
  for (const auto& f : flags) out.push_back(f.defined() ? values[next++].item<bool>() : true);
  return out;
}

}  // namespace

std::string NonFiniteTrace::State::describe_forward(const std::vector<Call>& calls) {
  std::vector<at::Tensor> flags;
  for (const auto& c : calls) flags.push_back(c.output_finite);
  const auto finite = read_flags(flags);
  for (size_t i = 0; i < calls.size(); ++i)
    if (!finite[i])
      return fmt::format("the first output that is not finite is that of '{}'", calls[i].module);
  return "every module's output was finite";
}

std::string NonFiniteTrace::State::describe_backward(const std::vector<Call>& calls) {
  std::vector<at::Tensor> flags;
  for (const auto& c : calls) {
    flags.push_back(c.output_gradient.finite);
    flags.push_back(c.input_gradient.finite);
  }
  const auto finite = read_flags(flags);
  // The earliest gradient that is not finite; where one tensor's gradient
  // reached several hooks, a module's input (its backward made it) wins over
  // another module's output.
  int64_t first_order = std::numeric_limits<int64_t>::max();
  std::optional<std::pair<size_t, GradientAt>> first;
  for (size_t i = 0; i < calls.size(); ++i)
    for (const auto at : {GradientAt::input, GradientAt::output}) {
      const auto& event =
          at == GradientAt::output ? calls[i].output_gradient : calls[i].input_gradient;
      const bool ok = finite[2 * i + (at == GradientAt::input ? 1 : 0)];
      if (ok || event.order < 0) continue;
      const bool better =
          event.order < first_order || (event.order == first_order && at == GradientAt::input &&
                                        first->second == GradientAt::output);
      if (better) {
        first_order = event.order;
        first.emplace(i, at);
      }
    }
  if (!first) return "every gradient between modules was finite";
  const auto& module = calls[first->first].module;
  if (first->second == GradientAt::input)
    return fmt::format("the first gradient that is not finite was made by the backward of '{}'",
                       module);
  return fmt::format(
      "the first gradient that is not finite reached the output of '{}' from what uses it (the "
      "loss, or operations between modules)",
      module);
}

NonFiniteTrace::NonFiniteTrace(const torch::nn::Module& root) : state_(std::make_shared<State>()) {
  for (const auto& item : root.named_modules("", /*include_self=*/false))
    state_->names.emplace(item.value().get(), item.key());
}

NonFiniteTrace::~NonFiniteTrace() {
  NonFiniteTrace* self = this;
  active_trace.compare_exchange_strong(self, nullptr);
}

void NonFiniteTrace::record(const torch::nn::Module& module, const at::Tensor& input,
                            const at::Tensor& output) {
  const auto name = state_->names.find(&module);
  if (name == state_->names.end() || !output.defined()) return;
  at::Tensor finite = torch::isfinite(output).all();
  size_t call = 0;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    call = state_->calls.size();
    generation = state_->generation;
    state_->calls.push_back({name->second, std::move(finite), {}, {}});
  }
  std::weak_ptr<State> weak = state_;
  auto hook = [weak, generation, call](GradientAt at) {
    return [weak, generation, call, at](const at::Tensor& grad) {
      if (auto state = weak.lock(); state && grad.defined())
        state->on_gradient(generation, call, at, grad);
    };
  };
  if (output.requires_grad()) output.register_hook(hook(GradientAt::output));
  if (input.defined() && input.requires_grad()) input.register_hook(hook(GradientAt::input));
}

void NonFiniteTrace::clear() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  ++state_->generation;
  state_->calls.clear();
  state_->next_order = 0;
  state_->last_gradient = at::Tensor();
}

std::string NonFiniteTrace::describe() const {
  std::vector<State::Call> calls;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    calls = state_->calls;
  }
  if (calls.empty()) return "no module reported its output";
  return fmt::format("{}; {}", State::describe_forward(calls), State::describe_backward(calls));
}

NonFiniteTraceScope::NonFiniteTraceScope(NonFiniteTrace& trace) {
  NonFiniteTrace* none = nullptr;
  if (!active_trace.compare_exchange_strong(none, &trace))
    throw Error("a non-finite trace is already active in this process");
}

NonFiniteTraceScope::~NonFiniteTraceScope() { active_trace.store(nullptr); }

at::Tensor trace_non_finite(const torch::nn::Module& module, const at::Tensor& input,
                            const at::Tensor& output) {
  if (NonFiniteTrace* trace = active_trace.load(std::memory_order_acquire))
    trace->record(module, input, output);
  return output;
}

}  // namespace swinpp
