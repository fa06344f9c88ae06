#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>

namespace torch::nn {
class Module;
}

namespace swinpp {

/// Finds the module where values stop being finite. While a trace is active
/// (NonFiniteTraceScope), every module of the model reports its output through
/// trace_non_finite: the trace keeps a device-side "all finite" flag of each
/// output and, when the output takes part in backward, hooks the gradients
/// reaching that output and leaving through the module's input. Nothing is
/// read from the device until describe(), so a traced step makes no host
/// synchronisation; it costs one reduction per module output and gradient.
/// Modules are named by their path under the root module (reference names).
class NonFiniteTrace {
 public:
  /// Names modules by their path under `root`, which must outlive the trace.
  explicit NonFiniteTrace(const torch::nn::Module& root);
  ~NonFiniteTrace();
  NonFiniteTrace(const NonFiniteTrace&) = delete;
  NonFiniteTrace& operator=(const NonFiniteTrace&) = delete;

  /// Records one call of `module` (a module under the root): `output` in
  /// forward and, when they require gradients, the gradients of `output` and
  /// `input` in backward. Calls of modules outside the root are ignored.
  void record(const torch::nn::Module& module, const at::Tensor& input, const at::Tensor& output);

  /// Forgets every recorded call (after each optimizer step); hooks left on
  /// older graphs become no-ops.
  void clear();

  /// One line naming the first module whose forward output was not finite and
  /// the first module whose backward made a gradient that was not finite (or
  /// saying that the gradient reaching a module's output already was not, that
  /// is, it came from the loss), or that every recorded value was finite.
  /// Reads the flags from the device.
  std::string describe() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

/// Makes `trace` the process's active trace for the lifetime of the scope (the
/// autograd engine's threads report to it too, as recomputed checkpointed
/// blocks run there). One scope at a time.
class NonFiniteTraceScope {
 public:
  explicit NonFiniteTraceScope(NonFiniteTrace& trace);
  ~NonFiniteTraceScope();
  NonFiniteTraceScope(const NonFiniteTraceScope&) = delete;
  NonFiniteTraceScope& operator=(const NonFiniteTraceScope&) = delete;
};

/// Reports one call of `module` to the active trace, if there is one (a
/// pointer test otherwise), and returns `output`.
at::Tensor trace_non_finite(const torch::nn::Module& module, const at::Tensor& input,
                            const at::Tensor& output);

}  // namespace swinpp
