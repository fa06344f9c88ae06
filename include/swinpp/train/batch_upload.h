#pragma once

#include <c10/core/Device.h>
#include <c10/core/Stream.h>
#include <torch/types.h>

#include <optional>
#include <vector>

namespace swinpp::train {

/// Moves batches to the training device. On CUDA the copies run on a stream
/// of their own: the copy of the next batch overlaps the step the GPU is still
/// computing instead of waiting behind it on the compute stream. The stream
/// current at the call waits for the copies (an event, not a host
/// synchronisation) before its next kernel, and the copies' device memory is
/// marked as used by it, so that the allocator does not hand it out again
/// while that stream may still read it. Copies from pinned memory are
/// asynchronous; from pageable memory CUDA waits for them on the host. On the
/// CPU it moves nothing.
class BatchUpload {
 public:
  explicit BatchUpload(c10::Device device);

  /// `host` on the device, in order; undefined tensors stay undefined.
  std::vector<torch::Tensor> operator()(const std::vector<torch::Tensor>& host);

 private:
  c10::Device device_;
  std::optional<c10::Stream> stream_;  // CUDA: the copies' stream
};

}  // namespace swinpp::train
