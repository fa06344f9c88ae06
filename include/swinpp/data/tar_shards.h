#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "swinpp/data/dataset.h"

namespace swinpp::data {

/// True when `path` names WebDataset tar shards rather than an image folder:
/// a path ending in ".tar" (possibly with a brace pattern, e.g.
/// "/data/in22k-{000000..001023}.tar"), or a folder holding *.tar files.
bool names_tar_shards(const std::string& path);

/// The shard files `spec` names, in order: a folder's *.tar files sorted by
/// name, or the expansion of brace patterns ("{000..127}" ranges keep the
/// zero padding of their first bound; "{a,b}" lists). Throws swinpp::Error
/// naming the spec for a malformed pattern or a folder without shards, and
/// naming the file for a shard that does not exist.
std::vector<std::string> expand_shard_spec(const std::string& spec);

/// The samples of WebDataset tar shards, read with libarchive: members are
/// grouped by key (the member name up to the first dot of its file name);
/// each sample's first .jpg, .jpeg or .png member is its image, read later
/// in place (DatasetEntry::offset), and its .cls member (a decimal integer)
/// its label. With `labelled`, a sample without a valid .cls throws
/// swinpp::Error naming the shard and key. A sample without an image is
/// skipped; a shard that turns out truncated or corrupt keeps the samples
/// read before the damage, with a warning, and counts in damaged_shards().
Dataset tar_shard_dataset(const std::string& spec, bool labelled);

/// Options of write_tar_shards.
struct ShardWriterOptions {
  int64_t per_shard = 1000;              ///< samples per shard (the last may hold fewer)
  std::string prefix = "shard";          ///< file names PREFIX-000000.tar, ...
  std::optional<uint64_t> shuffle_seed;  ///< shuffle the samples first (else dataset order)
};

/// Writes `dataset` as WebDataset shards into `out_dir`: sample i becomes
/// members "KEY.EXT" (the image file's bytes, EXT its extension in lower case)
/// and, when labelled, "KEY.cls", KEY being i zero-padded to nine digits.
/// Each shard is written atomically. Returns the shard paths. Throws
/// swinpp::Error naming the file on a read or write failure.
std::vector<std::string> write_tar_shards(const Dataset& dataset, const std::string& out_dir,
                                          const ShardWriterOptions& options);

}  // namespace swinpp::data
