#include "swinpp/io/checkpoint_tensors.h"

#include "read_only_file.h"
#include "safetensors_header.h"
#include "swinpp/io/pth_reader.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/util/error.h"

namespace swinpp::io {

namespace {

/// An 8-byte header length that fits the file, followed by the JSON object's '{'.
bool looks_like_safetensors(const std::string& path) {
  const detail::ReadOnlyFile file(path);
  if (file.size() <= detail::kSafetensorsLengthBytes) return false;
  unsigned char length_bytes[detail::kSafetensorsLengthBytes];
  file.read_at(0, length_bytes, sizeof(length_bytes));
  const std::uint64_t header_length = detail::decode_header_length(length_bytes);
  if (header_length == 0 || header_length > file.size() - detail::kSafetensorsLengthBytes) {
    return false;
  }
  char first = '\0';
  file.read_at(detail::kSafetensorsLengthBytes, &first, 1);
  return first == '{';
}

}  // namespace

TensorMap load_checkpoint_tensors(const std::string& path) {
  if (is_zip_file(path)) return load_pth_state_dict(path);
  if (looks_like_safetensors(path)) return load_safetensors(path);
  throw Error("'" + path +
              "' is neither a torch.save zip archive (.pth) nor a safetensors file: it starts "
              "with neither \"PK\" nor an 8-byte header length followed by '{'");
}

}  // namespace swinpp::io
