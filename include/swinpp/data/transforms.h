#pragma once

#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "swinpp/data/image.h"
#include "swinpp/data/random.h"

namespace swinpp::data {

/// Turns one encoded image into one normalised sample: float [3, S, S], CHW.
/// Implementations are immutable after construction, so one instance serves
/// every loader thread; all randomness comes from the generator passed in.
class ImageTransform {
 public:
  virtual ~ImageTransform() = default;

  /// The side S of the square output.
  virtual int output_size() const = 0;

  /// Decodes `data` (JPEG or PNG, at a reduced DCT scale when the output
  /// allows) and writes the transformed sample to `out` (3 * S * S floats).
  /// Throws swinpp::Error naming `name` when the image cannot be decoded.
  virtual void apply(const uint8_t* data, size_t size, const std::string& name, Generator& gen,
                     float* out) const = 0;

  /// The same transform on an already decoded image (no reduced decoding).
  virtual void apply_image(const Image& image, Generator& gen, float* out) const = 0;

  /// apply() into a new tensor [3, S, S].
  torch::Tensor operator()(const std::vector<uint8_t>& bytes, Generator& gen,
                           const std::string& name = "<memory>") const;

  /// apply_image() into a new tensor [3, S, S].
  torch::Tensor operator()(const Image& image, Generator& gen) const;
};

}  // namespace swinpp::data
