/// Feeds each input as a whole safetensors file to parse_safetensors (in memory)
/// and to load_safetensors (through a file), then checks that both read the same
/// tensors and metadata and that serialize_safetensors writes bytes that read back
/// to them. swinpp::Error is the documented outcome for a malformed file.

#include <torch/torch.h>

#include <cstdlib>
#include <cstring>

#include "fuzz_support.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/util/error.h"

namespace {

using swinpp::io::StringMap;
using swinpp::io::TensorMap;

/// True when both maps hold the same names, dtypes, shapes and bytes.
bool same_tensors(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
    if (x->first != y->first) return false;
    const torch::Tensor& s = x->second;
    const torch::Tensor& t = y->second;
    if (s.scalar_type() != t.scalar_type() || s.sizes() != t.sizes()) return false;
    const torch::Tensor sc = s.contiguous();
    const torch::Tensor tc = t.contiguous();
    if (sc.nbytes() > 0 && std::memcmp(sc.data_ptr(), tc.data_ptr(), sc.nbytes()) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path = swinpp::fuzz::scratch_dir() / "input.safetensors";
  StringMap metadata;
  TensorMap tensors;
  try {
    tensors = swinpp::io::parse_safetensors(data, size, "input", &metadata);
  } catch (const swinpp::Error&) {
    return 0;
  }
  swinpp::fuzz::write_file(path, data, size);
  StringMap file_metadata;
  const TensorMap from_file = swinpp::io::load_safetensors(path.string(), &file_metadata);
  if (!same_tensors(tensors, from_file) || metadata != file_metadata) std::abort();

  const std::string bytes = swinpp::io::serialize_safetensors(tensors, metadata);
  StringMap again_metadata;
  const TensorMap again =
      swinpp::io::parse_safetensors(bytes.data(), bytes.size(), "rewritten", &again_metadata);
  if (!same_tensors(tensors, again) || metadata != again_metadata) std::abort();
  return 0;
}
