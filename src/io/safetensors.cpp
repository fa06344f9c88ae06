#include "swinpp/io/safetensors.h"

#include <cstring>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "read_only_file.h"
#include "safetensors_header.h"
#include "swinpp/io/atomic_file_writer.h"
#include "swinpp/util/error.h"

namespace swinpp::io {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors stores little-endian bytes; a big-endian host would need byte swaps");

/// Reads the header and then every tensor from a source of `size` bytes that
/// offers read_at(offset, destination, count).
template <class ReadAt>
TensorMap read_safetensors(std::uint64_t size, const ReadAt& read_at, const std::string& source,
                           StringMap* metadata) {
  if (size < detail::kSafetensorsLengthBytes) detail::check_header_length(0, size, source);
  unsigned char length_bytes[detail::kSafetensorsLengthBytes];
  read_at(0, length_bytes, sizeof(length_bytes));
  const std::uint64_t header_length = detail::decode_header_length(length_bytes);
  detail::check_header_length(header_length, size, source);
  std::string json_text(header_length, '\0');
  read_at(detail::kSafetensorsLengthBytes, json_text.data(), json_text.size());
  detail::SafetensorsHeader header = detail::parse_safetensors_header(json_text, size, source);

  TensorMap tensors;
  for (const auto& entry : header.entries) {
    torch::Tensor tensor = torch::empty(entry.shape, torch::dtype(entry.dtype));
    const std::uint64_t byte_length = entry.end - entry.begin;
    if (byte_length > 0) read_at(header.data_start + entry.begin, tensor.data_ptr(), byte_length);
    tensors.emplace(entry.name, std::move(tensor));
  }
  if (metadata != nullptr) *metadata = std::move(header.metadata);
  spdlog::debug("read {} tensors from safetensors file '{}'", tensors.size(), source);
  return tensors;
}

/// Emits the header and then each tensor's bytes, in name order, through
/// sink(data, count).
template <class Sink>
void write_safetensors(const TensorMap& tensors, const StringMap& metadata, const Sink& sink) {
  const std::string header = detail::encode_safetensors_header(tensors, metadata);
  sink(header.data(), header.size());
  for (const auto& entry : tensors) {
    const torch::Tensor bytes = entry.second.detach().to(torch::kCPU).contiguous();
    const std::size_t byte_length = bytes.numel() * bytes.element_size();
    if (byte_length > 0) sink(bytes.data_ptr(), byte_length);
  }
}

}  // namespace

TensorMap load_safetensors(const std::string& path, StringMap* metadata) {
  const detail::ReadOnlyFile file(path);
  const auto read_at = [&file](std::uint64_t offset, void* destination, std::size_t count) {
    file.read_at(offset, destination, count);
  };
  return read_safetensors(file.size(), read_at, path, metadata);
}

TensorMap parse_safetensors(const void* data, std::size_t size, const std::string& source_name,
                            StringMap* metadata) {
  const auto* bytes = static_cast<const char*>(data);
  const auto read_at = [bytes, size, &source_name](std::uint64_t offset, void* destination,
                                                   std::size_t count) {
    if (offset > size || count > size - offset) {
      throw Error("safetensors buffer '" + source_name + "': read of " + std::to_string(count) +
                  " bytes at offset " + std::to_string(offset) + " runs past its end");
    }
    std::memcpy(destination, bytes + offset, count);
  };
  return read_safetensors(size, read_at, source_name, metadata);
}

void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const StringMap& metadata) {
  AtomicFileWriter writer(path);
  write_safetensors(tensors, metadata,
                    [&writer](const void* data, std::size_t count) { writer.write(data, count); });
  writer.commit();
  spdlog::debug("wrote {} tensors to safetensors file '{}'", tensors.size(), path);
}

std::string serialize_safetensors(const TensorMap& tensors, const StringMap& metadata) {
  std::string bytes;
  write_safetensors(tensors, metadata, [&bytes](const void* data, std::size_t count) {
    bytes.append(static_cast<const char*>(data), count);
  });
  return bytes;
}

}  // namespace swinpp::io
