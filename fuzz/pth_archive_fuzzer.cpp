/// Feeds each input as a whole .pth file (a torch.save zip archive) to
/// load_pth_state_dict: LibTorch's zip reader, the byteorder and storage records,
/// the restricted unpickler and the selection of the state dict. swinpp::Error is
/// the documented outcome for anything that is not such an archive.

#include <torch/torch.h>

#include "fuzz_support.h"
#include "swinpp/io/pth_reader.h"
#include "swinpp/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path = swinpp::fuzz::scratch_dir() / "input.pth";
  swinpp::fuzz::write_file(path, data, size);
  try {
    const swinpp::io::TensorMap tensors = swinpp::io::load_pth_state_dict(path.string());
    for (const auto& [name, tensor] : tensors) {
      // Every returned tensor must lie inside its storage: reading it all is safe.
      if (tensor.numel() > 0) (void)tensor.sum().item<double>();
    }
  } catch (const swinpp::Error&) {
  }
  return 0;
}
