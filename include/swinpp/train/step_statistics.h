#pragma once

#include <torch/types.h>

#include <cstdint>

namespace swinpp::dist {
class Communicator;
}  // namespace swinpp::dist

namespace swinpp::train {

/// What the training log reports, accumulated on the device step after step
/// and read only when it is logged, so that the steps in between never wait
/// for the device: the losses of a logging window, the skipped steps, the
/// length of the current run of skipped steps, and the last step whose loss
/// and gradients were finite.
class StepStatistics {
 public:
  /// What was accumulated, read from the device.
  struct Report {
    /// Mean loss of the window's micro-batches, over every rank (take()
    /// only; NaN when one of them was not finite).
    double mean_loss = 0.0;
    /// Micro-batches and images in the window, over every rank (take() only).
    int64_t micro_batches = 0;
    int64_t images = 0;
    /// The gradient norm (before clipping) of the last step.
    double grad_norm = 0.0;
    /// Steps of the window whose update was skipped.
    int64_t skipped = 0;
    /// The first step at which `max_skipped_steps` steps in a row had been
    /// skipped, or 0.
    int64_t streak_limit_step = 0;
    /// The last step whose update was applied and its mean loss, or 0.
    int64_t last_finite_step = 0;
    double last_finite_loss = 0.0;
  };

  /// `max_skipped_steps` (>= 1) skipped steps in a row set streak_limit_step.
  /// The statistics live on `device`.
  StepStatistics(int64_t max_skipped_steps, const torch::Device& device);

  /// One micro-batch: its loss ([], any floating dtype, detached here) and
  /// how many images it held.
  void add_micro_batch(const torch::Tensor& loss, int64_t images);
  /// Whether every micro-batch loss of the current step was finite: a bool
  /// tensor [] on the device.
  torch::Tensor step_loss_finite() const;
  /// Ends the next optimizer step: `found_inf` (float32 [1], 1 when the
  /// update was skipped) and the gradient norm ([] or [1]). The step's number
  /// is counted on the device (one more than the last; see start_at), so that
  /// a captured CUDA graph replays it unchanged.
  void end_step(const torch::Tensor& found_inf, const torch::Tensor& grad_norm);
  /// The next end_step() ends step `steps_done` + 1 (a resumed run; a new one
  /// starts at 0).
  void start_at(int64_t steps_done);

  /// Reads everything and starts a new window; the window's losses, micro-
  /// batches and images are summed over the ranks of `comm` first (a
  /// collective: every rank calls it at the same step).
  Report take(dist::Communicator& comm);
  /// Reads the norm, the skipped steps, the skip run and the last finite
  /// step without ending the window; its losses, micro-batches and images are
  /// left at 0.
  Report peek() const;

 private:
  /// One copy to the host: `window` ([3]: loss sum, micro-batches, images)
  /// and the statistics of the run.
  Report read(const torch::Tensor& window) const;

  int64_t max_skipped_steps_;
  // Every statistic is a float64 scalar [] on the device.
  torch::Tensor window_loss_, window_micro_batches_, window_images_;
  torch::Tensor step_loss_, step_micro_batches_, steps_done_;
  torch::Tensor grad_norm_, skipped_, streak_, streak_limit_step_;
  torch::Tensor last_finite_step_, last_finite_loss_;
};

}  // namespace swinpp::train
