#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace swinpp::data {

/// One sample of a dataset: an image file, or an image member of a tar shard,
/// and its class index (-1: unlabelled).
struct DatasetEntry {
  std::string path;  ///< the image file, or the tar shard holding it
  int64_t label = -1;
  int64_t offset = -1;  ///< in a shard: where the member's bytes start (-1: a whole file)
  int64_t size = 0;     ///< in a shard: the member's size in bytes
};

/// How messages name a sample: its path, or "SHARD@OFFSET" for a shard member.
std::string describe(const DatasetEntry& entry);

/// The encoded image bytes of a sample (the file, or the shard member's
/// range). Throws swinpp::Error naming the file when it cannot be read.
std::vector<uint8_t> read_sample_bytes(const DatasetEntry& entry);

/// True for the extensions the datasets pick up: .jpg, .jpeg, .png, any case.
bool is_image_file(const std::string& path);

/// An immutable list of image files with labels, built from a folder tree or
/// a list file; the loader reads and decodes the files.
class Dataset {
 public:
  /// torchvision's ImageFolder: each sub-folder of `root` is a class, indexed
  /// in name order; its images (searched recursively, symlinks followed) are
  /// listed in path order. Throws swinpp::Error naming the folder when it is
  /// missing, has no class folder, or a class folder has no image.
  static Dataset image_folder(const std::string& root);

  /// Every image under `root` (recursively, in path order), label -1.
  /// Throws swinpp::Error naming the folder when it is missing or has no image.
  static Dataset flat_folder(const std::string& root);

  /// A text file with one image per line, "path" or "path label" (label a
  /// non-negative integer after the last space); blank lines and lines
  /// starting with '#' are skipped. Relative paths are taken from `root`,
  /// by default the list file's folder. Throws swinpp::Error naming the file
  /// and line for a bad label, or when the list has no entry.
  static Dataset file_list(const std::string& list_path, const std::string& root = "");

  /// What a DATA_PATH-like `path` names: WebDataset tar shards (see
  /// names_tar_shards and tar_shard_dataset), else an image folder, as
  /// image_folder() with `labelled`, as flat_folder() without.
  static Dataset open(const std::string& path, bool labelled);

  /// A dataset of the given entries; `source` names it in messages. Throws
  /// swinpp::Error when `entries` is empty.
  Dataset(std::vector<DatasetEntry> entries, std::vector<std::string> classes, std::string source,
          int64_t damaged_shards = 0);

  /// Number of samples.
  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  /// Sample i, 0 <= i < size().
  const DatasetEntry& operator[](int64_t i) const { return entries_[static_cast<size_t>(i)]; }
  /// Every sample.
  const std::vector<DatasetEntry>& entries() const { return entries_; }
  /// Class names by index (folder names for image_folder; empty otherwise).
  const std::vector<std::string>& classes() const { return classes_; }
  /// Number of classes: the class names, or the largest label + 1.
  int64_t num_classes() const;
  /// The folder, list file or shards the dataset was read from.
  const std::string& source() const { return source_; }
  /// Tar shards found truncated or corrupt while listing (their samples after
  /// the damage are left out).
  int64_t damaged_shards() const { return damaged_shards_; }

 private:
  std::vector<DatasetEntry> entries_;
  std::vector<std::string> classes_;
  std::string source_;
  int64_t damaged_shards_ = 0;
};

}  // namespace swinpp::data
