#include "swinpp/model/activation_checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <mutex>
#include <utility>

namespace swinpp {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

torch::Tensor generator_state(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

/// The state of the default generators a forward pass draws from: the CPU one
/// and, for a pass on a CUDA device, that device's.
struct RngState {
  static RngState capture(const c10::Device& device) {
    RngState s;
    s.cpu = generator_state(at::detail::getDefaultCPUGenerator());
    if (device.is_cuda()) {
      s.cuda_device = device;
      s.cuda = generator_state(at::globalContext().defaultGenerator(device));
    }
    return s;
  }

  void restore() const {
    set_generator_state(at::detail::getDefaultCPUGenerator(), cpu);
    if (cuda.defined())
      set_generator_state(at::globalContext().defaultGenerator(cuda_device), cuda);
  }

  torch::Tensor cpu, cuda;
  c10::Device cuda_device{c10::kCPU};
};

/// Autocast on the CPU and on CUDA: enabled, target dtype, cast cache.
struct AutocastState {
  static AutocastState capture() {
    AutocastState s;
    s.cpu_enabled = at::autocast::is_autocast_enabled(c10::DeviceType::CPU);
    s.cpu_dtype = at::autocast::get_autocast_dtype(c10::DeviceType::CPU);
    s.cuda_enabled = at::autocast::is_autocast_enabled(c10::DeviceType::CUDA);
    s.cuda_dtype = at::autocast::get_autocast_dtype(c10::DeviceType::CUDA);
    s.cache_enabled = at::autocast::is_autocast_cache_enabled();
    return s;
  }

  void apply() const {
    at::autocast::set_autocast_enabled(c10::DeviceType::CPU, cpu_enabled);
    at::autocast::set_autocast_dtype(c10::DeviceType::CPU, cpu_dtype);
    at::autocast::set_autocast_enabled(c10::DeviceType::CUDA, cuda_enabled);
    at::autocast::set_autocast_dtype(c10::DeviceType::CUDA, cuda_dtype);
    at::autocast::set_autocast_cache_enabled(cache_enabled);
  }

  bool any_enabled() const { return cpu_enabled || cuda_enabled; }

  bool cpu_enabled = false, cuda_enabled = false, cache_enabled = true;
  c10::ScalarType cpu_dtype = c10::kBFloat16, cuda_dtype = c10::kHalf;
};

/// Sets the generators and autocast to their state at the first run for the
/// lifetime of the scope, then puts back the state found on entry.
class ReplayScope {
 public:
  ReplayScope(const RngState& first_rng, const AutocastState& first_autocast)
      : rng_on_entry_(RngState::capture(first_rng.cuda_device)),
        autocast_on_entry_(AutocastState::capture()),
        autocast_in_scope_(first_autocast) {
    first_rng.restore();
    first_autocast.apply();
  }
  ~ReplayScope() {
    rng_on_entry_.restore();
    autocast_on_entry_.apply();
    // Casts cached during the replay would outlive the next optimizer step.
    if (autocast_in_scope_.any_enabled() && !autocast_on_entry_.any_enabled())
      at::autocast::clear_cache();
  }
  ReplayScope(const ReplayScope&) = delete;
  ReplayScope& operator=(const ReplayScope&) = delete;

 private:
  RngState rng_on_entry_;
  AutocastState autocast_on_entry_, autocast_in_scope_;
};

/// What the recomputation needs besides the saved input.
struct Replay : torch::CustomClassHolder {
  CheckpointedForward forward;
  RngState rng;
  AutocastState autocast;
  bool input_needs_grad = false;
};

/// The autograd node of one checkpointed pass. The parameters inside the pass are
/// not inputs of the node: a nested backward runs their AccumulateGrad nodes, once.
/// Returning their gradients from torch::autograd::grad instead would, from
/// LibTorch 2.0 on, also run their tensor hooks inside that call: twice per backward.
struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
  /// Runs the pass with gradients off (autograd::Function::apply turns them off).
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               c10::intrusive_ptr<Replay> replay) {
    replay->rng = RngState::capture(x.device());
    replay->autocast = AutocastState::capture();
    auto out = replay->forward(x);
    ctx->save_for_backward({x});
    ctx->saved_data["replay"] = c10::IValue::make_capsule(std::move(replay));
    return out;
  }

  /// Recomputes the pass with gradients on and back-propagates through it:
  /// parameters accumulate into `.grad`, the input's gradient is returned.
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto holder = ctx->saved_data.at("replay").toCapsule();
    const auto& replay = static_cast<const Replay&>(*holder);
    auto x = ctx->get_saved_variables().at(0).detach().requires_grad_(replay.input_needs_grad);
    torch::Tensor out;
    {
      ReplayScope scope(replay.rng, replay.autocast);
      torch::AutoGradMode grad_on(true);
      out = replay.forward(x);
    }
    if (out.requires_grad()) torch::autograd::backward({out}, {grad_outputs.at(0)});
    // One gradient per forward argument: the input, then none for the replay state.
    return {replay.input_needs_grad ? x.grad() : torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor activation_checkpoint(const CheckpointedForward& forward, const torch::Tensor& x) {
  if (!torch::GradMode::is_enabled()) return forward(x);
  auto replay = c10::make_intrusive<Replay>();
  replay->forward = forward;
  replay->input_needs_grad = x.requires_grad();
  // Autograd records the node only when an input requires grad; a detached
  // stand-in keeps the parameters inside `forward` reachable when `x` does not.
  const auto input = x.requires_grad() ? x : x.detach().requires_grad_(true);
  return CheckpointFunction::apply(input, std::move(replay));
}

}  // namespace swinpp
