#include "swinpp/data/transforms.h"

#include <torch/torch.h>

namespace swinpp::data {

torch::Tensor ImageTransform::operator()(const std::vector<uint8_t>& bytes, Generator& gen,
                                         const std::string& name) const {
  const int size = output_size();
  torch::Tensor out = torch::empty({3, size, size}, torch::kFloat32);  // [3, S, S]
  apply(bytes.data(), bytes.size(), name, gen, out.data_ptr<float>());
  return out;
}

torch::Tensor ImageTransform::operator()(const Image& image, Generator& gen) const {
  const int size = output_size();
  torch::Tensor out = torch::empty({3, size, size}, torch::kFloat32);  // [3, S, S]
  apply_image(image, gen, out.data_ptr<float>());
  return out;
}

}  // namespace swinpp::data
