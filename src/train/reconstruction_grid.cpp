#include "swinpp/train/reconstruction_grid.h"

#include <torch/torch.h>

#include <vector>

#include "swinpp/data/image_encoder.h"
#include "swinpp/data/image_tensor.h"

namespace swinpp::train {

data::Image reconstruction_grid(SimMIMImpl& model, const torch::Tensor& images,
                                const torch::Tensor& mask) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const auto device = model.parameters().front().device();
  auto rec = model.forward(images.to(device), mask.to(device))
                 .reconstruction.to(torch::kCPU, torch::kFloat32);  // [B, 3, H, W]
  model.train(was_training);
  std::vector<torch::Tensor> columns = {images};
  const int64_t p = model.encoder()->options.patch_size;
  auto pixel_mask = mask.repeat_interleave(p, 1).repeat_interleave(p, 2).unsqueeze(1);
  columns.push_back(images * (1 - pixel_mask.to(images.dtype())));  // masked -> mean colour
  if (model.options.norm_target) {
    auto [mean, std] = simmim_local_stats(images, model.options.norm_target_patch);
    columns.push_back(rec * std + mean);
    // The raw prediction in units of the local std: mid-grey at 0, black and
    // white at -2 and +2, expressed in the normalised space the encoder reads.
    const data::Normalization n;
    const auto channel = [](const std::array<float, 3>& v) {
      return torch::tensor({v[0], v[1], v[2]}).view({1, 3, 1, 1});
    };
    columns.push_back((0.5 + rec / 4 - channel(n.mean)) / channel(n.std));
  } else {
    columns.push_back(rec);
  }
  const int64_t B = images.size(0), H = images.size(2), W = images.size(3);
  const auto n_columns = static_cast<int64_t>(columns.size());
  data::Image grid(static_cast<int>(n_columns * W), static_cast<int>(B * H), 255);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < n_columns; ++c) {
      const auto tile = data::denormalize_to_image(columns[c][b].contiguous());
      for (int y = 0; y < tile.height; ++y)
        std::copy(tile.row(y), tile.row(y) + tile.stride(),
                  grid.at(static_cast<int>(c * W), static_cast<int>(b * H + y)));
    }
  return grid;
}

void write_reconstruction_grid(SimMIMImpl& model, const torch::Tensor& images,
                               const torch::Tensor& mask, const std::string& path) {
  data::write_image(path, reconstruction_grid(model, images, mask));
}

}  // namespace swinpp::train
