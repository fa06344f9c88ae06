// Batches copied to the GPU on a stream of their own while the compute stream
// is busy: the compute stream reads the copied values, without the host
// waiting for the GPU. Skips when no CUDA device is present.
#include "swinpp/train/batch_upload.h"

#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#ifdef SWINPP_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace swinpp {
namespace {

TEST(BatchUpload, TheComputeStreamReadsWhatWasCopiedWhileItWasBusy) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
#ifndef SWINPP_WITH_CUDA
  GTEST_SKIP() << "built without CUDA";
#else
  const torch::Device cuda(torch::kCUDA);
  train::BatchUpload upload(cuda);
  auto busy = torch::randn({4096, 4096}, cuda);
  torch::cuda::synchronize();
  auto& mode = c10::cuda::warning_state();
  for (int batch = 0; batch < 3; ++batch) {
    const auto images = torch::randn({16, 3, 64, 64}).pin_memory();  // [B, 3, S, S]
    const auto labels = torch::randint(1000, {16}, torch::kLong).pin_memory();
    mode.set_sync_debug_mode(c10::cuda::SyncDebugMode::L_ERROR);
    std::vector<torch::Tensor> on_device;
    torch::Tensor sums;
    try {
      for (int i = 0; i < 20; ++i) busy = torch::tanh(torch::matmul(busy, busy) * 1e-3);
      on_device = upload({images, labels, torch::Tensor()});
      // Read on the compute stream, after the matmuls that were queued first.
      sums = torch::stack(
          {on_device[0].sum().to(torch::kDouble), on_device[1].sum().to(torch::kDouble)});
    } catch (const c10::Error& e) {
      mode.set_sync_debug_mode(c10::cuda::SyncDebugMode::L_DISABLED);
      FAIL() << "the upload waited for the GPU: " << e.what_without_backtrace();
    }
    mode.set_sync_debug_mode(c10::cuda::SyncDebugMode::L_DISABLED);
    ASSERT_EQ(on_device.size(), 3u);
    EXPECT_FALSE(on_device[2].defined());
    EXPECT_TRUE(on_device[0].is_cuda());
    EXPECT_TRUE(torch::equal(on_device[0].cpu(), images));
    EXPECT_TRUE(torch::equal(on_device[1].cpu(), labels));
    EXPECT_NEAR(sums[0].item<double>(), images.sum().item<double>(), 1e-3);
    EXPECT_EQ(sums[1].item<double>(), labels.sum().item<double>());
  }
#endif
}

TEST(BatchUpload, LeavesCpuTensorsWhereTheyAre) {
  train::BatchUpload upload(torch::kCPU);
  const auto images = torch::randn({2, 3, 8, 8});
  const auto out = upload({images, torch::Tensor()});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].is_same(images));
  EXPECT_FALSE(out[1].defined());
}

}  // namespace
}  // namespace swinpp
