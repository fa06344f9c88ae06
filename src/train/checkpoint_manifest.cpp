#include "checkpoint_manifest.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp::train {

namespace fs = std::filesystem;

namespace {

struct FileDigest {
  std::uint64_t bytes = 0;
  std::string crc32;  ///< eight lower-case hex digits
};

/// Size and CRC-32 of the file at `path`, read in 4 MiB blocks.
FileDigest digest_of(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open '" + path.string() + "': " + std::strerror(errno));
  std::vector<unsigned char> block(4 << 20);
  uLong crc = crc32_z(0L, Z_NULL, 0);
  FileDigest digest;
  for (;;) {
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      throw Error("cannot read '" + path.string() + "': " + reason);
    }
    if (n == 0) break;
    crc = crc32_z(crc, block.data(), static_cast<z_size_t>(n));
    digest.bytes += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08lx", static_cast<unsigned long>(crc));
  digest.crc32 = hex;
  return digest;
}

}  // namespace

nlohmann::json describe_checkpoint_files(const fs::path& folder) {
  nlohmann::json manifest = nlohmann::json::object();
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), folder).generic_string();
    if (name == kStateFile || name == kCompleteFile) continue;
    const FileDigest digest = digest_of(entry.path());
    manifest[name] = {{"bytes", digest.bytes}, {"crc32", digest.crc32}};
  }
  return manifest;
}

void verify_checkpoint_files(const fs::path& folder, const nlohmann::json& manifest) {
  if (!manifest.is_object())
    throw Error("checkpoint '" + folder.string() +
                "': its manifest (state.json 'files') is not an object");
  for (const auto& [name, expected] : manifest.items()) {
    const fs::path path = folder / name;
    std::uint64_t bytes = 0;
    std::string crc32;
    try {
      bytes = expected.at("bytes").get<std::uint64_t>();
      crc32 = expected.at("crc32").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      throw Error("checkpoint '" + folder.string() + "': the manifest entry of '" + name +
                  "' is malformed: " + e.what());
    }
    if (!fs::is_regular_file(path))
      throw Error("checkpoint file '" + path.string() + "' is missing");
    const FileDigest digest = digest_of(path);
    if (digest.bytes != bytes)
      throw Error("checkpoint file '" + path.string() +
                  "' is truncated or damaged: " + std::to_string(digest.bytes) +
                  " bytes, the manifest says " + std::to_string(bytes));
    if (digest.crc32 != crc32)
      throw Error("checkpoint file '" + path.string() + "' is corrupted: CRC-32 " + digest.crc32 +
                  ", the manifest says " + crc32);
  }
}

}  // namespace swinpp::train
