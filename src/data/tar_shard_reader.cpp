// Listing the samples of WebDataset tar shards (see tar_shards.h).
#include <archive.h>
#include <archive_entry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

#include "swinpp/data/tar_shards.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> shards_in_folder(const std::string& folder) {
  std::vector<std::string> shards;
  std::error_code error;
  for (const auto& e : fs::directory_iterator(folder, error))
    if (e.is_regular_file(error) && ends_with(e.path().string(), ".tar"))
      shards.push_back(e.path().string());
  std::sort(shards.begin(), shards.end());
  return shards;
}

/// Expands the first brace group of `pattern` and recurses on each result.
void expand_braces(const std::string& pattern, const std::string& spec,
                   std::vector<std::string>& out) {
  const size_t open = pattern.find('{');
  if (open == std::string::npos) {
    out.push_back(pattern);
    return;
  }
  const size_t close = pattern.find('}', open);
  if (close == std::string::npos)
    throw Error("shard pattern '" + spec + "': '{' without a closing '}'");
  const std::string body = pattern.substr(open + 1, close - open - 1);
  const std::string head = pattern.substr(0, open), tail = pattern.substr(close + 1);
  std::vector<std::string> items;
  const size_t dots = body.find("..");
  if (dots != std::string::npos) {
    const std::string first = body.substr(0, dots), last = body.substr(dots + 2);
    const auto digits = [](const std::string& s) {
      return !s.empty() && s.size() < 18 &&
             std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
    };
    if (!digits(first) || !digits(last) || std::stoll(first) > std::stoll(last))
      throw Error("shard pattern '" + spec +
                  "': expected {FIRST..LAST} with FIRST <= LAST, found {" + body + "}");
    for (long long i = std::stoll(first); i <= std::stoll(last); ++i) {
      std::string number = std::to_string(i);
      if (number.size() < first.size()) number.insert(0, first.size() - number.size(), '0');
      items.push_back(number);
    }
  } else {
    size_t start = 0;
    for (size_t comma; (comma = body.find(',', start)) != std::string::npos; start = comma + 1)
      items.push_back(body.substr(start, comma - start));
    items.push_back(body.substr(start));
  }
  for (const auto& item : items) expand_braces(head + item + tail, spec, out);
}

/// "dir/abc.seg.jpg" -> key "dir/abc", extension "seg.jpg" (lower case), as WebDataset splits.
std::pair<std::string, std::string> split_key(const std::string& name) {
  const size_t slash = name.rfind('/');
  const size_t dot = name.find('.', slash == std::string::npos ? 0 : slash + 1);
  if (dot == std::string::npos) return {name, ""};
  std::string extension = name.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return {name.substr(0, dot), extension};
}

/// A sample being gathered from consecutive members with one key.
struct PendingSample {
  std::string key;
  DatasetEntry entry;
  bool has_image = false;
  std::string cls;
  bool has_cls = false;
};

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

/// Appends the samples of one shard to `entries`; returns how many were lost to damage.
int64_t index_shard(const std::string& shard, bool labelled, std::vector<DatasetEntry>& entries) {
  std::unique_ptr<archive, ArchiveDeleter> reader(archive_read_new());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_filename(reader.get(), shard.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error("cannot open tar shard '" + shard + "': " + archive_error_string(reader.get()));
  PendingSample pending;
  int64_t images = 0;
  const auto finish = [&] {
    if (pending.key.empty()) return;
    if (!pending.has_image) {
      spdlog::warn("{}: sample '{}' has no .jpg, .jpeg or .png member; skipped", shard,
                   pending.key);
    } else {
      if (pending.has_cls) {
        const std::string text = pending.cls.substr(0, pending.cls.find_last_not_of(" \n\r\t") + 1);
        const bool number =
            !text.empty() && text.size() < 18 &&
            std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
        if (number) pending.entry.label = std::stoll(text);
        if (!number && labelled)
          throw Error("tar shard '" + shard + "': sample '" + pending.key +
                      "' has a .cls member that is not a class index: '" + text + "'");
      } else if (labelled) {
        throw Error("tar shard '" + shard + "': sample '" + pending.key +
                    "' has no .cls member (the class index a labelled dataset needs)");
      }
      entries.push_back(pending.entry);
      ++images;
    }
    pending = PendingSample{};
  };
  archive_entry* member = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(reader.get(), &member)) == ARCHIVE_OK) {
    if (archive_entry_filetype(member) != AE_IFREG) continue;
    const auto [key, extension] = split_key(archive_entry_pathname(member));
    if (key != pending.key) {
      finish();
      pending.key = key;
    }
    const bool image = extension == "jpg" || extension == "jpeg" || extension == "png";
    if (image && !pending.has_image) {
      pending.has_image = true;
      pending.entry.path = shard;
      pending.entry.offset = archive_filter_bytes(reader.get(), 0);  // the member's data
      pending.entry.size = archive_entry_size(member);
    } else if (extension == "cls") {
      char buffer[32] = {};
      const la_ssize_t n = archive_read_data(reader.get(), buffer, sizeof(buffer) - 1);
      if (n < 0) break;  // damaged: reported below
      pending.cls.assign(buffer, static_cast<size_t>(n));
      pending.has_cls = true;
    }
  }
  if (status != ARCHIVE_EOF) {
    // A truncated or corrupt shard: keep what was read before the damage.
    spdlog::warn("tar shard '{}' is damaged after {} samples ({}); the rest of it is skipped",
                 shard, images, archive_error_string(reader.get()));
    return 1;
  }
  finish();
  return 0;
}

}  // namespace

bool names_tar_shards(const std::string& path) {
  if (ends_with(path, ".tar")) return true;
  std::error_code error;
  return fs::is_directory(path, error) && !shards_in_folder(path).empty();
}

std::vector<std::string> expand_shard_spec(const std::string& spec) {
  std::error_code error;
  if (fs::is_directory(spec, error)) {
    auto shards = shards_in_folder(spec);
    if (shards.empty()) throw Error("folder '" + spec + "' holds no .tar shard");
    return shards;
  }
  std::vector<std::string> shards;
  expand_braces(spec, spec, shards);
  for (const auto& shard : shards)
    if (!fs::is_regular_file(shard, error))
      throw Error("tar shard '" + shard + "' (from '" + spec + "') does not exist");
  return shards;
}

Dataset tar_shard_dataset(const std::string& spec, bool labelled) {
  std::vector<DatasetEntry> entries;
  int64_t damaged = 0;
  const auto shards = expand_shard_spec(spec);
  for (const auto& shard : shards) damaged += index_shard(shard, labelled, entries);
  spdlog::debug("{}: {} samples in {} shards", spec, entries.size(), shards.size());
  return Dataset(std::move(entries), {}, spec, damaged);
}

}  // namespace swinpp::data
