// Helpers shared by the fuzz targets: a scratch folder per process and file writes.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace swinpp::fuzz {

/// A private folder under $TMPDIR (or /tmp), created on first use and removed
/// when the process exits normally. Harnesses write their inputs there when the
/// API under test reads files.
inline const std::filesystem::path& scratch_dir() {
  struct Folder {
    std::filesystem::path path;
    Folder() {
      const char* base = std::getenv("TMPDIR");
      std::string pattern = std::string(base && *base ? base : "/tmp") + "/swinpp-fuzz-XXXXXX";
      if (!::mkdtemp(pattern.data())) std::abort();
      path = pattern;
    }
    ~Folder() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}

/// Replaces the file at `path` with `size` bytes from `data`.
inline void write_file(const std::filesystem::path& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();
}

}  // namespace swinpp::fuzz
