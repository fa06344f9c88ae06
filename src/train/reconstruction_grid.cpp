#include "swinpp/train/reconstruction_grid.h"

#include <torch/torch.h>

#include "swinpp/data/image_encoder.h"
#include "swinpp/data/image_tensor.h"

namespace swinpp::train {

data::Image reconstruction_grid(SimMIMImpl& model, const torch::Tensor& images,
                                const torch::Tensor& mask) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  auto rec = model.forward(images, mask).reconstruction;  // [B, 3, H, W]
  model.train(was_training);
  if (model.options.norm_target) {
    auto [mean, std] = simmim_local_stats(images, model.options.norm_target_patch);
    rec = rec * std + mean;
  }
  const int64_t p = model.encoder()->options.patch_size;
  auto pixel_mask = mask.repeat_interleave(p, 1).repeat_interleave(p, 2).unsqueeze(1);
  auto masked = images * (1 - pixel_mask.to(images.dtype()));  // masked -> mean colour
  const int64_t B = images.size(0), H = images.size(2), W = images.size(3);
  data::Image grid(static_cast<int>(3 * W), static_cast<int>(B * H), 255);
  const torch::Tensor columns[3] = {images, masked, rec};
  for (int64_t b = 0; b < B; ++b)
    for (int c = 0; c < 3; ++c) {
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
