#include "swinpp/data/dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "swinpp/data/file_bytes.h"
#include "swinpp/data/tar_shards.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace fs = std::filesystem;

namespace {

void require_folder(const fs::path& root, const char* what) {
  std::error_code error;
  if (!fs::is_directory(root, error)) {
    throw Error(std::string(what) + ": expected a folder at '" + root.string() +
                "', found none (missing or not a directory)");
  }
}

/// Image files under `folder`, recursively, symlinks followed, sorted by path.
std::vector<std::string> list_images(const fs::path& folder) {
  std::vector<std::string> files;
  std::error_code error;
  fs::recursive_directory_iterator it(folder, fs::directory_options::follow_directory_symlink,
                                      error);
  if (error) throw Error("cannot list '" + folder.string() + "': " + error.message());
  for (const fs::recursive_directory_iterator end; it != end; it.increment(error)) {
    if (error) throw Error("cannot list '" + folder.string() + "': " + error.message());
    if (it->is_regular_file(error) && is_image_file(it->path().string())) {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string trim(const std::string& text) {
  const auto not_space = [](unsigned char c) { return std::isspace(c) == 0; };
  const auto begin = std::find_if(text.begin(), text.end(), not_space);
  const auto end = std::find_if(text.rbegin(), text.rend(), not_space).base();
  return begin < end ? std::string(begin, end) : std::string();
}

bool is_label(const std::string& token) {
  return !token.empty() && token.size() < 18 &&
         std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::string describe(const DatasetEntry& entry) {
  return entry.offset < 0 ? entry.path : entry.path + "@" + std::to_string(entry.offset);
}

std::vector<uint8_t> read_sample_bytes(const DatasetEntry& entry) {
  return entry.offset < 0 ? read_file_bytes(entry.path)
                          : read_file_range(entry.path, entry.offset, entry.size);
}

bool is_image_file(const std::string& path) {
  std::string extension = fs::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".jpg" || extension == ".jpeg" || extension == ".png";
}

Dataset Dataset::image_folder(const std::string& root) {
  require_folder(root, "image folder dataset");
  std::vector<std::string> classes;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(root, fs::directory_options::follow_directory_symlink)) {
    if (entry.is_directory()) classes.push_back(entry.path().filename().string());
  }
  std::sort(classes.begin(), classes.end());
  if (classes.empty()) {
    throw Error("image folder dataset: expected class sub-folders in '" + root + "', found none");
  }
  std::vector<DatasetEntry> entries;
  for (size_t label = 0; label < classes.size(); ++label) {
    const fs::path class_folder = fs::path(root) / classes[label];
    const std::vector<std::string> files = list_images(class_folder);
    if (files.empty()) {
      throw Error("image folder dataset: expected .jpg/.jpeg/.png files in class folder '" +
                  class_folder.string() + "', found none");
    }
    for (const std::string& file : files) {
      entries.push_back(DatasetEntry{file, static_cast<int64_t>(label)});
    }
  }
  return Dataset(std::move(entries), std::move(classes), root);
}

Dataset Dataset::flat_folder(const std::string& root) {
  require_folder(root, "flat folder dataset");
  std::vector<DatasetEntry> entries;
  for (const std::string& file : list_images(root)) entries.push_back(DatasetEntry{file, -1});
  return Dataset(std::move(entries), {}, root);
}

Dataset Dataset::file_list(const std::string& list_path, const std::string& root) {
  std::ifstream input(list_path);
  if (!input) throw Error("file list dataset: cannot open list file '" + list_path + "'");
  const fs::path base = root.empty() ? fs::path(list_path).parent_path() : fs::path(root);
  std::vector<DatasetEntry> entries;
  std::string line;
  for (int line_number = 1; std::getline(input, line); ++line_number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    DatasetEntry entry;
    const size_t space = line.find_last_of(" \t");
    std::string path = line;
    if (space != std::string::npos) {
      const std::string token = line.substr(space + 1);
      if (is_label(token)) {
        entry.label = std::stoll(token);
        path = trim(line.substr(0, space));
      } else if (token.size() > 1 && token[0] == '-' && is_label(token.substr(1))) {
        throw Error("file list '" + list_path + "' line " + std::to_string(line_number) +
                    ": expected a non-negative integer label, found '" + token + "'");
      }
    }
    entry.path = fs::path(path).is_absolute() ? path : (base / path).string();
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) {
    throw Error("file list dataset: expected at least one entry in '" + list_path +
                "', found none");
  }
  return Dataset(std::move(entries), {}, list_path);
}

Dataset Dataset::open(const std::string& path, bool labelled) {
  if (names_tar_shards(path)) return tar_shard_dataset(path, labelled);
  return labelled ? image_folder(path) : flat_folder(path);
}

Dataset::Dataset(std::vector<DatasetEntry> entries, std::vector<std::string> classes,
                 std::string source, int64_t damaged_shards)
    : entries_(std::move(entries)),
      classes_(std::move(classes)),
      source_(std::move(source)),
      damaged_shards_(damaged_shards) {
  if (entries_.empty()) {
    throw Error("dataset '" + source_ +
                "': expected at least one .jpg/.jpeg/.png image, found none");
  }
}

int64_t Dataset::num_classes() const {
  if (!classes_.empty()) return static_cast<int64_t>(classes_.size());
  int64_t largest = -1;
  for (const DatasetEntry& entry : entries_) largest = std::max(largest, entry.label);
  return largest + 1;
}

}  // namespace swinpp::data
