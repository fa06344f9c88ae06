// Positional reads from a file with every failure turned into swinpp::Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace swinpp::io::detail {

/// A file opened for reading at explicit offsets. Reads never go past the end: a
/// short read is an error naming the file, the offset and the byte count.
class ReadOnlyFile {
 public:
  /// Opens `path`; throws swinpp::Error naming it when it cannot be opened.
  explicit ReadOnlyFile(std::string path);
  ~ReadOnlyFile();

  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;

  /// Size of the file in bytes when it was opened.
  std::uint64_t size() const { return size_; }

  /// Copies `count` bytes starting at `offset` into `destination`.
  void read_at(std::uint64_t offset, void* destination, std::size_t count) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace swinpp::io::detail
