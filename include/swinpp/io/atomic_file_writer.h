// Crash-safe file replacement: the new content becomes visible under its final
// name only once it is completely on disk.
#pragma once

#include <cstddef>
#include <string>

namespace swinpp::io {

/// Writes a file atomically. Bytes go to a temporary file beside PATH
/// ("PATH.tmp.<pid>.<n>", so concurrent writers never share one); commit() flushes them to disk
/// (fsync), renames the temporary over PATH and syncs the directory, so a reader
/// sees either the old file or the complete new one, never a partial file.
/// Destroying the writer without commit() removes the temporary file.
/// Every failure throws swinpp::Error naming the path and the system error.
class AtomicFileWriter {
 public:
  /// Creates the temporary file for writing.
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();

  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  /// Appends `size` bytes from `data`.
  void write(const void* data, std::size_t size);

  /// Makes the written bytes the content of PATH. No write is allowed afterwards.
  void commit();

  /// The final path.
  const std::string& path() const { return path_; }

 private:
  void close_quietly() noexcept;

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Writes `size` bytes from `data` to `path` with an AtomicFileWriter.
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

}  // namespace swinpp::io
