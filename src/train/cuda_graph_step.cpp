#include "swinpp/train/cuda_graph_step.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <ATen/autocast_mode.h>

#ifdef SWINPP_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include "swinpp/optim/optimizer.h"
#include "swinpp/util/error.h"

namespace swinpp::train {

#ifdef SWINPP_WITH_CUDA

namespace {

/// "{dtype[sizes] on device, ...}" of `tensors`, for messages.
std::string describe(const std::vector<torch::Tensor>& tensors) {
  std::string text;
  for (const torch::Tensor& t : tensors) {
    if (!text.empty()) text += ", ";
    text += t.defined() ? c10::str(t.scalar_type(), t.sizes(), " on ", t.device()) : "undefined";
  }
  return "{" + text + "}";
}

/// Whether `a` and `b` pair off in shape, dtype and device.
bool same_layout(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].sizes() != b[i].sizes() || a[i].scalar_type() != b[i].scalar_type() ||
        a[i].device() != b[i].device())
      return false;
  return true;
}

}  // namespace

bool cuda_graphs_supported() { return true; }

struct CudaGraphStep::Impl {
  Impl(TrainingStep& step, LossFunction loss, const torch::Device& device, int warmup_steps)
      : step(step),
        loss(std::move(loss)),
        // "cuda" is the current device: its index, as the inputs' devices have one.
        device(device.has_index() ? device
                                  : torch::Device(torch::kCUDA, c10::cuda::current_device())),
        warmup_steps(warmup_steps),
        stream(c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index())) {}

  /// Zeroes the gradients that exist, in place: they keep their memory, which
  /// the graph reads and writes.
  void zero_gradients() {
    std::vector<torch::Tensor> grads;
    for (const torch::Tensor& param : step.updater().parameters())
      if (param.grad().defined()) grads.push_back(param.grad());
    if (!grads.empty()) at::_foreach_zero_(grads);
  }

  /// The step itself, run eagerly or captured.
  StepOutcome train(const std::vector<torch::Tensor>& inputs, int64_t images) {
    zero_gradients();
    const torch::Tensor value = loss(inputs);  // []
    step.backward(value, images, /*last_micro_step=*/true);
    return step.update();
  }

  /// Captures the step on `inputs`; when CUDA refuses (something in the step
  /// waits for the device or copies from pageable memory), says why and
  /// leaves the steps to run eagerly.
  void try_capture(const std::vector<torch::Tensor>& inputs, int64_t images) {
    try {
      capture(inputs, images);
      spdlog::info("training step captured as a CUDA graph (inputs {})", describe(inputs));
    } catch (const std::exception& e) {
      capture_failed = true;
      (void)cudaGetLastError();  // the refused call's error is not the next kernel's
      spdlog::warn(
          "TRAIN.CUDA_GRAPH: the training step could not be captured as a CUDA graph (something "
          "in it waits for the device or copies from pageable host memory), so every step runs "
          "eagerly: {}",
          e.what());
    }
  }

  void capture(const std::vector<torch::Tensor>& inputs, int64_t images) {
    torch::NoGradGuard no_grad;
    static_inputs.clear();
    for (const torch::Tensor& input : inputs) static_inputs.push_back(input.clone());
    captured_images = images;
    // As torch.cuda.graph: the warm-up's cached blocks go back to the device
    // so that the graph's private pool can take them.
    c10::cuda::device_synchronize();
    c10::cuda::CUDACachingAllocator::emptyCache();
    // Every cast of autocast stays inside the graph (no cache across replays).
    const bool autocast_cache = at::autocast::is_autocast_cache_enabled();
    at::autocast::set_autocast_cache_enabled(false);
    graph = std::make_unique<at::cuda::CUDAGraph>();
    bool began = false;
    try {
      // Thread-local: the loader's threads may allocate pinned memory (and
      // query its events) while this thread captures.
      graph->capture_begin(/*pool=*/{0, 0}, cudaStreamCaptureModeThreadLocal);
      began = true;
      {
        torch::AutoGradMode grad_mode(true);
        outcome = train(static_inputs, images);
      }
      graph->capture_end();
    } catch (...) {
      at::autocast::set_autocast_cache_enabled(autocast_cache);
      if (began) {
        try {
          graph->capture_end();  // ends the stream's capture; the graph is invalid anyway
        } catch (const std::exception&) {
        }
        // The memory the refused capture took goes back to the allocator.
        c10::cuda::CUDACachingAllocator::releasePool(device.index(), graph->pool());
      }
      graph.reset();
      static_inputs.clear();
      outcome = {};
      throw;
    }
    at::autocast::set_autocast_cache_enabled(autocast_cache);
  }

  StepOutcome replay(const std::vector<torch::Tensor>& inputs) {
    {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < inputs.size(); ++i)
        static_inputs[i].copy_(inputs[i], /*non_blocking=*/true);
    }
    graph->replay();
    ++replayed;
    return outcome;
  }

  TrainingStep& step;
  LossFunction loss;
  torch::Device device;
  int warmup_steps;
  c10::cuda::CUDAStream stream;
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  std::vector<torch::Tensor> static_inputs;  ///< the graph's inputs
  int64_t captured_images = 0;
  StepOutcome outcome;  ///< the graph's outcome tensors
  int64_t calls = 0, replayed = 0, eager = 0;
  bool warned_mismatch = false;
  bool capture_failed = false;
};

CudaGraphStep::CudaGraphStep(TrainingStep& step, LossFunction loss, const torch::Device& device,
                             int warmup_steps) {
  if (!device.is_cuda())
    throw Error("TRAIN.CUDA_GRAPH: CUDA graphs need a CUDA device; the device is " + device.str());
  if (step.accumulation_steps() != 1)
    throw Error(
        "TRAIN.CUDA_GRAPH: a captured step is one micro-batch; TRAIN.ACCUMULATION_STEPS "
        "is " +
        std::to_string(step.accumulation_steps()));
  if (warmup_steps < 1)
    throw Error("CUDA graph step: expected at least 1 warm-up step, found " +
                std::to_string(warmup_steps));
  impl_ = std::make_unique<Impl>(step, std::move(loss), device, warmup_steps);
}

StepOutcome CudaGraphStep::run(const std::vector<torch::Tensor>& inputs, int64_t images) {
  Impl& s = *impl_;
  for (const torch::Tensor& input : inputs)
    if (!input.defined() || input.device() != s.device)
      throw Error("CUDA graph step: expected every input on " + s.device.str() + ", found " +
                  describe(inputs));
  c10::cuda::CUDAGuard on_device(s.device);
  const c10::cuda::CUDAStream caller = c10::cuda::getCurrentCUDAStream(s.device.index());
  // The step's stream starts after the caller's work (the inputs, the
  // learning rate), and the caller's later work after the step.
  at::cuda::CUDAEvent inputs_ready;
  inputs_ready.record(caller);
  inputs_ready.block(s.stream);
  StepOutcome outcome;
  {
    c10::cuda::CUDAStreamGuard on_stream(s.stream);
    // The caller may free the inputs at once: their memory is not reused
    // before the step's stream has read them.
    for (const torch::Tensor& input : inputs) input.record_stream(s.stream);
    if (!s.graph && !s.capture_failed && s.calls >= s.warmup_steps) s.try_capture(inputs, images);
    if (s.graph && same_layout(inputs, s.static_inputs) && images == s.captured_images) {
      outcome = s.replay(inputs);
    } else {
      if (s.graph && !s.warned_mismatch) {
        spdlog::info("inputs {} do not fit the captured CUDA graph ({}): such steps run eagerly",
                     describe(inputs), describe(s.static_inputs));
        s.warned_mismatch = true;
      }
      outcome = s.train(inputs, images);
      ++s.eager;
      for (torch::Tensor* t : {&outcome.found_inf, &outcome.loss_finite, &outcome.grad_norm})
        if (t->defined()) t->record_stream(caller);
    }
  }
  at::cuda::CUDAEvent step_done;
  step_done.record(s.stream);
  step_done.block(caller);
  ++s.calls;
  return outcome;
}

bool CudaGraphStep::captured() const { return impl_->graph != nullptr; }
int64_t CudaGraphStep::replayed_steps() const { return impl_->replayed; }
int64_t CudaGraphStep::eager_steps() const { return impl_->eager; }

#else  // no CUDA in this build

bool cuda_graphs_supported() { return false; }

struct CudaGraphStep::Impl {};

CudaGraphStep::CudaGraphStep(TrainingStep&, LossFunction, const torch::Device& device, int) {
  throw Error("TRAIN.CUDA_GRAPH: this build of swinpp has no CUDA (device " + device.str() + ")");
}
StepOutcome CudaGraphStep::run(const std::vector<torch::Tensor>&, int64_t) { return {}; }
bool CudaGraphStep::captured() const { return false; }
int64_t CudaGraphStep::replayed_steps() const { return 0; }
int64_t CudaGraphStep::eager_steps() const { return 0; }

#endif

CudaGraphStep::~CudaGraphStep() = default;

/// Throws swinpp::Error naming the setting that keeps TRAIN.CUDA_GRAPH from
/// capturing the step.
void check_cuda_graph_config(const config::Config& c, const c10::Device& device, int world) {
  const auto refuse = [](const std::string& why) {
    throw Error("TRAIN.CUDA_GRAPH: " + why + "; set TRAIN.CUDA_GRAPH false to train eagerly");
  };
  if (!device.is_cuda()) refuse("CUDA graphs need a CUDA device, the device is " + device.str());
  if (!cuda_graphs_supported()) refuse("this build of swinpp has no CUDA");
  if (world > 1)
    refuse(fmt::format("the step of one process is captured, this run has {} ranks", world));
  if (c.dist.zero_stage != 0)
    refuse(fmt::format("the replicated updater is captured, DIST.ZERO_STAGE is {}",
                       c.dist.zero_stage));
  if (optim::parse_optimizer_kind(c.train.optimizer.name) != optim::OptimizerKind::kAdamW)
    refuse("AdamW decides its skips on the device, TRAIN.OPTIMIZER.NAME " + c.train.optimizer.name +
           " reads them on the host");
  if (c.train.accumulation_steps != 1)
    refuse(fmt::format("a captured step is one micro-batch, TRAIN.ACCUMULATION_STEPS is {}",
                       c.train.accumulation_steps));
  if (c.train.stop_at_non_finite) refuse("TRAIN.STOP_AT_NON_FINITE reads every step");
  for (const bool stage : c.train.checkpoint_stages)
    if (stage || c.train.use_checkpoint)
      refuse(
          "activation checkpointing (TRAIN.USE_CHECKPOINT, TRAIN.CHECKPOINT_STAGES) restores "
          "generator states inside the step");
}

}  // namespace swinpp::train
