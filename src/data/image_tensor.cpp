#include "swinpp/data/image_tensor.h"

#include <torch/torch.h>

#include <cstring>

#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

std::string shape_text(const torch::Tensor& tensor) {
  std::string text = "[";
  for (int64_t d = 0; d < tensor.dim(); ++d) {
    text += (d > 0 ? ", " : "") + std::to_string(tensor.size(d));
  }
  return text + "]";
}

}  // namespace

void normalize_to_chw(const Image& image, const Normalization& normalization, float* out) {
  std::array<std::array<float, 256>, 3> table{};
  for (int c = 0; c < 3; ++c) {
    const float scale = normalization.scale(c);
    const float shift = normalization.shift(c);
    for (int v = 0; v < 256; ++v) table[c][v] = static_cast<float>(v) * scale + shift;
  }
  const size_t plane = static_cast<size_t>(image.width) * image.height;
  float* red = out;
  float* green = out + plane;
  float* blue = out + 2 * plane;
  const uint8_t* pixel = image.pixels.data();
  for (size_t i = 0; i < plane; ++i, pixel += 3) {
    red[i] = table[0][pixel[0]];
    green[i] = table[1][pixel[1]];
    blue[i] = table[2][pixel[2]];
  }
}

torch::Tensor to_normalized_tensor(const Image& image, const Normalization& normalization) {
  torch::Tensor out = torch::empty({3, image.height, image.width}, torch::kFloat32);
  normalize_to_chw(image, normalization, out.data_ptr<float>());
  return out;  // [3, H, W]
}

torch::Tensor image_to_tensor(const Image& image) {
  torch::Tensor out = torch::empty({image.height, image.width, 3}, torch::kUInt8);
  std::memcpy(out.data_ptr<uint8_t>(), image.pixels.data(), image.pixels.size());
  return out;  // [H, W, 3]
}

Image tensor_to_image(const torch::Tensor& tensor) {
  if (tensor.scalar_type() != torch::kUInt8 || tensor.dim() != 3 ||
      (tensor.size(2) != 3 && tensor.size(0) != 3)) {
    throw Error("tensor_to_image: expected uint8 [H, W, 3] or [3, H, W], found " +
                std::string(c10::toString(tensor.scalar_type())) + " " + shape_text(tensor));
  }
  const torch::Tensor hwc =
      (tensor.size(2) == 3 ? tensor : tensor.permute({1, 2, 0})).to(torch::kCPU).contiguous();
  Image image(static_cast<int>(hwc.size(1)), static_cast<int>(hwc.size(0)));
  std::memcpy(image.pixels.data(), hwc.data_ptr<uint8_t>(), image.pixels.size());
  return image;
}

Image denormalize_to_image(const torch::Tensor& chw, const Normalization& normalization) {
  if (chw.dim() != 3 || chw.size(0) != 3) {
    throw Error("denormalize_to_image: expected [3, H, W], found " + shape_text(chw));
  }
  const torch::Tensor mean =
      torch::tensor(std::vector<float>(normalization.mean.begin(), normalization.mean.end()))
          .view({3, 1, 1});
  const torch::Tensor std =
      torch::tensor(std::vector<float>(normalization.std.begin(), normalization.std.end()))
          .view({3, 1, 1});
  const torch::Tensor pixels = (chw.detach().to(torch::kCPU, torch::kFloat32) * std + mean)
                                   .mul(255.0f)
                                   .round()
                                   .clamp(0, 255)
                                   .to(torch::kUInt8);  // [3, H, W]
  return tensor_to_image(pixels);
}

}  // namespace swinpp::data
