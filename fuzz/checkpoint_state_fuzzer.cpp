/// Feeds each input as the state.json of a complete checkpoint folder
/// (ckpt_step_00000001 with its COMPLETE marker) to load_checkpoint, which reads
/// the task before any tensor file (none is present, so a readable state ends in
/// swinpp::Error about model.safetensors), to latest_intact_checkpoint, which
/// checks the files its manifest lists, and to prune_checkpoints, which reads
/// epoch_end. swinpp::Error is the documented outcome for a malformed state.

#include <torch/torch.h>

#include "fuzz_support.h"
#include "swinpp/train/checkpoint.h"
#include "swinpp/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path dir = swinpp::fuzz::scratch_dir() / "checkpoints";
  static torch::nn::Module model;
  const std::filesystem::path folder = dir / "ckpt_step_00000001";
  std::filesystem::create_directories(folder);
  swinpp::fuzz::write_file(folder / "COMPLETE", "", 0);
  swinpp::fuzz::write_file(folder / "state.json", data, size);

  swinpp::train::CheckpointParts parts;
  parts.model = &model;
  parts.task = "finetune";
  try {
    swinpp::train::load_checkpoint(folder.string(), parts);
    std::abort();  // there is no model.safetensors to load
  } catch (const swinpp::Error&) {
  }
  (void)swinpp::train::latest_intact_checkpoint(dir.string());
  try {
    swinpp::train::prune_checkpoints(dir.string(), 0);
  } catch (const swinpp::Error&) {
  }
  return 0;
}
