#include "swinpp/data/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <list>
#include <memory>
#include <utility>

#include "swinpp/io/atomic_file_writer.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text() { return std::strerror(errno); }

/// The files a thread reads ranges of (tar shards), kept open so that reading
/// a sample costs no open(): at most kOpenFiles, the least recently used
/// closed first.
class OpenFileCache {
 public:
  static constexpr size_t kOpenFiles = 64;

  /// An open descriptor of `path`; throws swinpp::Error naming it when it cannot be opened.
  int get(const std::string& path) {
    for (auto it = files_.begin(); it != files_.end(); ++it) {
      if (it->first != path) continue;
      files_.splice(files_.begin(), files_, it);  // most recently used first
      return files_.front().second->get();
    }
    auto file = std::make_unique<FileDescriptor>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file->get() < 0) throw Error("cannot open " + path + ": " + errno_text());
    if (files_.size() == kOpenFiles) files_.pop_back();
    files_.emplace_front(path, std::move(file));
    return files_.front().second->get();
  }

 private:
  std::list<std::pair<std::string, std::unique_ptr<FileDescriptor>>> files_;
};

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) throw Error("cannot open " + path + ": " + errno_text());
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) throw Error("cannot stat " + path + ": " + errno_text());
  if (!S_ISREG(info.st_mode)) throw Error("cannot read " + path + ": expected a regular file");
  std::vector<uint8_t> bytes(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(file.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("cannot read " + path + ": " + errno_text());
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

std::vector<uint8_t> read_file_range(const std::string& path, int64_t offset, int64_t size) {
  thread_local OpenFileCache open_files;
  const int fd = open_files.get(path);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done,
                              static_cast<off_t>(offset + static_cast<int64_t>(done)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("cannot read " + path + ": " + errno_text());
    if (n == 0)
      throw Error("cannot read " + std::to_string(size) + " bytes at offset " +
                  std::to_string(offset) + " of " + path + ": the file ends after " +
                  std::to_string(offset + static_cast<int64_t>(done)));
    done += static_cast<size_t>(n);
  }
  return bytes;
}

void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  io::write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace swinpp::data
