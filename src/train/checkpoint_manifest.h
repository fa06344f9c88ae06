// The manifest of a checkpoint folder: the size and CRC-32 of every file in it,
// recorded when it is written and checked before it is trusted.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

namespace swinpp::train {

/// The file holding a checkpoint's position, configuration and manifest.
inline constexpr const char* kStateFile = "state.json";
/// The empty file whose presence marks a checkpoint folder complete.
inline constexpr const char* kCompleteFile = "COMPLETE";

/// {"<path relative to folder>": {"bytes": N, "crc32": "xxxxxxxx"}} for every
/// regular file under `folder` (sub-folders included) but the state file and
/// the completion marker.
nlohmann::json describe_checkpoint_files(const std::filesystem::path& folder);

/// Checks every file `manifest` lists against its size and CRC-32. Throws
/// swinpp::Error naming the first missing, truncated or corrupted file.
void verify_checkpoint_files(const std::filesystem::path& folder, const nlohmann::json& manifest);

}  // namespace swinpp::train
