// Writing an image dataset as WebDataset tar shards (see tar_shards.h).
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <numeric>

#include "swinpp/data/file_bytes.h"
#include "swinpp/data/random.h"
#include "swinpp/data/tar_shards.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

struct WriterDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

la_ssize_t append_to_buffer(archive*, void* buffer, const void* data, size_t size) {
  auto* out = static_cast<std::vector<uint8_t>*>(buffer);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
  return static_cast<la_ssize_t>(size);
}

/// One tar member "name" holding `bytes`.
void add_member(archive* writer, const std::string& name, const void* bytes, size_t size,
                const std::string& shard) {
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> member(archive_entry_new(),
                                                                       &archive_entry_free);
  archive_entry_set_pathname(member.get(), name.c_str());
  archive_entry_set_size(member.get(), static_cast<la_int64_t>(size));
  archive_entry_set_filetype(member.get(), AE_IFREG);
  archive_entry_set_perm(member.get(), 0644);
  if (archive_write_header(writer, member.get()) != ARCHIVE_OK ||
      archive_write_data(writer, bytes, size) != static_cast<la_ssize_t>(size))
    throw Error("cannot write member '" + name + "' of tar shard '" + shard +
                "': " + archive_error_string(writer));
}

bool is_png(const std::vector<uint8_t>& bytes) {
  static const uint8_t signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return bytes.size() >= 8 && std::equal(signature, signature + 8, bytes.begin());
}

std::string lower_extension(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;  // ".jpg"
}

}  // namespace

std::vector<std::string> write_tar_shards(const Dataset& dataset, const std::string& out_dir,
                                          const ShardWriterOptions& options) {
  if (options.per_shard < 1)
    throw Error("tar shards: expected at least 1 sample per shard, found " +
                std::to_string(options.per_shard));
  std::vector<int64_t> order(static_cast<size_t>(dataset.size()));
  std::iota(order.begin(), order.end(), 0);
  if (options.shuffle_seed) {
    Generator gen(*options.shuffle_seed);
    std::shuffle(order.begin(), order.end(), gen);
  }
  std::filesystem::create_directories(out_dir);
  std::vector<std::string> shards;
  for (int64_t first = 0; first < dataset.size(); first += options.per_shard) {
    char name[64];
    std::snprintf(name, sizeof(name), "%s-%06lld.tar", options.prefix.c_str(),
                  static_cast<long long>(shards.size()));
    const auto shard = (std::filesystem::path(out_dir) / name).string();
    std::vector<uint8_t> bytes;
    std::unique_ptr<archive, WriterDeleter> writer(archive_write_new());
    archive_write_set_format_pax_restricted(writer.get());  // ustar unless a name needs more
    archive_write_set_bytes_in_last_block(writer.get(), 1);
    if (archive_write_open2(writer.get(), &bytes, nullptr, append_to_buffer, nullptr, nullptr) !=
        ARCHIVE_OK)
      throw Error("cannot start tar shard '" + shard + "': " + archive_error_string(writer.get()));
    const int64_t last = std::min(dataset.size(), first + options.per_shard);
    for (int64_t i = first; i < last; ++i) {
      const DatasetEntry& entry = dataset[order[static_cast<size_t>(i)]];
      char key[16];
      std::snprintf(key, sizeof(key), "%09lld", static_cast<long long>(i));
      const auto image = read_sample_bytes(entry);
      const std::string extension = entry.offset < 0 ? lower_extension(entry.path)
                                    : is_png(image)  ? ".png"
                                                     : ".jpg";
      add_member(writer.get(), key + extension, image.data(), image.size(), shard);
      if (entry.label >= 0) {
        const std::string cls = std::to_string(entry.label);
        add_member(writer.get(), std::string(key) + ".cls", cls.data(), cls.size(), shard);
      }
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK)
      throw Error("cannot finish tar shard '" + shard + "': " + archive_error_string(writer.get()));
    write_file_bytes(shard, bytes);
    shards.push_back(shard);
  }
  return shards;
}

}  // namespace swinpp::data
