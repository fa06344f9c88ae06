#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace swinpp::data {

/// The whole content of the file at `path`. Throws swinpp::Error naming the
/// path when it cannot be opened or read.
std::vector<uint8_t> read_file_bytes(const std::string& path);

/// Bytes [offset, offset + size) of the file at `path`, read with pread from a
/// descriptor the calling thread keeps open (up to 64 files per thread).
/// Throws swinpp::Error naming the path when it cannot be read or ends before
/// offset + size.
std::vector<uint8_t> read_file_range(const std::string& path, int64_t offset, int64_t size);

/// Writes `bytes` to `path` atomically (io::AtomicFileWriter: a temporary file
/// in the same folder, synced to disk and renamed over `path`). Throws
/// swinpp::Error naming the path on failure (the temporary file is removed).
void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace swinpp::data
