#pragma once

#include "swinpp/data/image.h"

namespace swinpp::data {

// Point and enhancement operations on 8-bit RGB images, each the equivalent
// of the PIL call named in its comment (the ops of RandAugment and ColorJitter).

/// ImageOps.autocontrast: stretch each channel's [min, max] to [0, 255].
void auto_contrast(Image& image);

/// ImageOps.equalize: equalise each channel's histogram.
void equalize(Image& image);

/// ImageOps.invert: 255 - v.
void invert(Image& image);

/// ImageOps.posterize: keep the `bits` high bits (bits >= 8 leaves the image as is).
void posterize(Image& image, int bits);

/// ImageOps.solarize: v < threshold ? v : 255 - v.
void solarize(Image& image, int threshold);

/// timm's solarize_add: v < threshold ? min(255, v + addition) : v.
void solarize_add(Image& image, int addition, int threshold = 128);

/// ImageEnhance.Brightness(image).enhance(factor): blend with black.
void adjust_brightness(Image& image, double factor);

/// ImageEnhance.Contrast: blend with the mean grey level (rounded) of the image.
void adjust_contrast(Image& image, double factor);

/// ImageEnhance.Color: blend with the image's greyscale (ITU-R 601 luma).
void adjust_saturation(Image& image, double factor);

/// ImageEnhance.Sharpness: blend with ImageFilter.SMOOTH (borders unfiltered).
void adjust_sharpness(Image& image, double factor);

/// PIL's 8-bit luma: (19595 R + 38470 G + 7471 B + 32768) >> 16.
inline uint8_t luma(const uint8_t* rgb) {
  return static_cast<uint8_t>((rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16);
}

}  // namespace swinpp::data
