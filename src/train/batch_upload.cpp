#include "swinpp/train/batch_upload.h"

#include <torch/torch.h>

#ifdef SWINPP_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include "swinpp/util/error.h"

namespace swinpp::train {

BatchUpload::BatchUpload(c10::Device device) : device_(device) {
  if (!device.is_cuda()) return;
#ifdef SWINPP_WITH_CUDA
  stream_ = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index());
#else
  throw Error("BatchUpload: this swinpp was built without CUDA, so it cannot copy to " +
              device.str());
#endif
}

std::vector<torch::Tensor> BatchUpload::operator()(const std::vector<torch::Tensor>& host) {
  std::vector<torch::Tensor> out;
  out.reserve(host.size());
  if (!stream_) {
    for (const auto& t : host) out.push_back(t.defined() ? t.to(device_) : t);
    return out;
  }
#ifdef SWINPP_WITH_CUDA
  const c10::cuda::CUDAStream compute = c10::cuda::getCurrentCUDAStream(device_.index());
  const c10::cuda::CUDAStream copies(c10::cuda::CUDAStream::UNCHECKED, *stream_);
  {
    const c10::cuda::CUDAStreamGuard on_copies(copies);
    for (const auto& t : host)
      out.push_back(t.defined() ? t.to(device_, /*non_blocking=*/true) : t);
  }
  at::cuda::CUDAEvent copied;
  copied.record(copies);
  copied.block(compute);
  for (const auto& t : out) {
    if (t.defined() && t.is_cuda()) t.record_stream(compute.unwrap());
  }
#endif
  return out;
}

}  // namespace swinpp::train
