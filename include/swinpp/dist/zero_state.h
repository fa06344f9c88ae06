#pragma once

#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swinpp::dist {

/// The whole AdamW state of a ZeroAdamW, independent of the world size.
struct ZeroState {
  /// Steps taken (the bias corrections' t).
  int64_t step = 0;
  /// One float32 CPU tensor per parameter, shaped like it, in ZeroAdamW's
  /// parameter order (group after group).
  std::vector<torch::Tensor> exp_avg;
  std::vector<torch::Tensor> exp_avg_sq;
};

/// The name of rank `rank`'s shard file in a directory written by
/// ZeroAdamW::save_shard: "zero_shard_<rank>_of_<world_size>.pt", a LibTorch
/// archive holding the header (world_size, rank, step, shard_offset,
/// shard_numel, total_numel, the parameter shapes) and the tensors exp_avg and
/// exp_avg_sq of the shard.
std::string zero_shard_file_name(int rank, int world_size);

/// The completion marker rank 0 writes once every shard is on disk:
/// "zero_shards_complete", holding "world_size <n>" and "step <t>" lines. A
/// directory without it holds an interrupted save.
constexpr const char* kZeroCompletionMarker = "zero_shards_complete";

/// Reads the shard files named by the completion marker in `dir` and joins
/// them into the full state. Throws swinpp::Error naming the file when the
/// marker or a shard is missing, or the shards disagree (world size, step,
/// parameter table).
ZeroState consolidate_zero_shards(const std::string& dir);

/// Writes a whole state to one file (a LibTorch archive with "format" =
/// "swinpp_adamw_state", "step", "count" and the tensors exp_avg/<i>,
/// exp_avg_sq/<i>), atomically: the form of an optimizer state that does not
/// depend on the world size.
void save_zero_state(const ZeroState& state, const std::string& path);

/// Reads a file written by save_zero_state; std::nullopt when `path` is a
/// LibTorch archive of another kind (e.g. an SGD optimizer's). Throws
/// swinpp::Error naming the file when it is missing, and LibTorch's error
/// when it is not an archive.
std::optional<ZeroState> load_zero_state(const std::string& path);

}  // namespace swinpp::dist
