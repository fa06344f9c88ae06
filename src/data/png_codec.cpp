#include "png_codec.h"

#include <png.h>

#include <cstring>

#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// Everything a libpng run touches. The setjmp frames below hold no object
/// with a destructor, so a longjmp out of libpng skips nothing.
struct PngRun {
  const uint8_t* input = nullptr;
  size_t input_size = 0;
  size_t offset = 0;
  Image* image = nullptr;
  const Image* source = nullptr;
  std::vector<uint8_t>* output = nullptr;
  char message[256] = {0};
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* run = static_cast<PngRun*>(png_get_error_ptr(png));
  std::strncpy(run->message, message, sizeof(run->message) - 1);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void read_from_memory(png_structp png, png_bytep out, png_size_t count) {
  auto* run = static_cast<PngRun*>(png_get_io_ptr(png));
  if (run->input_size - run->offset < count) png_error(png, "unexpected end of data (truncated)");
  std::memcpy(out, run->input + run->offset, count);
  run->offset += count;
}

void append_to_memory(png_structp png, png_bytep data, png_size_t count) {
  auto* run = static_cast<PngRun*>(png_get_io_ptr(png));
  run->output->insert(run->output->end(), data, data + count);
}

void flush_nothing(png_structp) {}

/// Sets the transforms that turn any 8- or 16-bit PNG into 8-bit RGB.
void request_rgb8(png_structp png, png_infop info) {
  const int color_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  if (bit_depth == 16) png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if ((color_type & PNG_COLOR_MASK_ALPHA) != 0) png_set_strip_alpha(png);
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_gray_to_rgb(png);
  }
}

bool run_png_decode(PngRun* run) {
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, run, on_png_error, on_png_warning);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, run, read_from_memory);
  png_read_info(png, info);
  request_rgb8(png, info);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  if (png_get_rowbytes(png, info) != static_cast<size_t>(width) * 3 ||
      static_cast<int>(width) != run->image->width ||
      static_cast<int>(height) != run->image->height) {
    png_error(png, "unexpected row layout after conversion to RGB");
  }
  for (int pass = 0; pass < passes; ++pass) {
    for (png_uint_32 y = 0; y < height; ++y) png_read_row(png, run->image->row(y), nullptr);
  }
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

bool run_png_encode(PngRun* run) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, run, on_png_error, on_png_warning);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, run, append_to_memory, flush_nothing);
  png_set_IHDR(png, info, run->source->width, run->source->height, 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < run->source->height; ++y) png_write_row(png, run->source->row(y));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

uint32_t read_big_endian(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

PngSize read_png_size(const uint8_t* data, size_t size, const std::string& name) {
  // Signature (8 bytes), then the IHDR chunk: length, "IHDR", width, height.
  if (size < 24 || png_sig_cmp(data, 0, 8) != 0 || std::memcmp(data + 12, "IHDR", 4) != 0) {
    throw Error("cannot read the PNG header of " + name + ": expected a signature and IHDR chunk");
  }
  const uint32_t width = read_big_endian(data + 16);
  const uint32_t height = read_big_endian(data + 20);
  if (width > 0x7FFFFFFF || height > 0x7FFFFFFF) {
    throw Error("PNG " + name + ": size out of range in IHDR");
  }
  return PngSize{static_cast<int>(width), static_cast<int>(height)};
}

Image decode_png_pixels(const uint8_t* data, size_t size, const std::string& name) {
  const PngSize png_size = read_png_size(data, size, name);
  Image image(png_size.width, png_size.height);
  PngRun run;
  run.input = data;
  run.input_size = size;
  run.image = &image;
  if (!run_png_decode(&run)) {
    throw Error("cannot decode PNG " + name + " (corrupt or truncated): " + run.message);
  }
  return image;
}

std::vector<uint8_t> encode_png_pixels(const Image& image) {
  std::vector<uint8_t> output;
  PngRun run;
  run.source = &image;
  run.output = &output;
  if (!run_png_encode(&run)) throw Error(std::string("cannot encode PNG: ") + run.message);
  return output;
}

}  // namespace swinpp::data
