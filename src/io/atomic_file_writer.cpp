#include "swinpp/io/atomic_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "swinpp/util/error.h"

namespace swinpp::io {

namespace {

std::string system_error_text() { return std::strerror(errno); }

/// Flushes the directory entry of a rename to disk.
void sync_directory(const std::string& file_path) {
  std::string directory = std::filesystem::path(file_path).parent_path().string();
  if (directory.empty()) directory = ".";
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    throw Error("cannot open directory '" + directory + "' to sync the rename of '" + file_path +
                "': " + system_error_text());
  }
  const int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  // EINVAL: the file system cannot sync directories; the rename is then as durable as it gets.
  if (error != 0 && error != EINVAL) {
    throw Error("cannot sync directory '" + directory + "' after writing '" + file_path +
                "': " + std::strerror(error));
  }
}

/// A temporary name beside `path`, unique within and across processes.
std::string temporary_name(const std::string& path) {
  static std::atomic<std::uint64_t> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), temp_path_(temporary_name(path_)) {
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error("cannot create '" + temp_path_ + "' to write '" + path_ +
                "': " + system_error_text());
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) {
    close_quietly();
    ::unlink(temp_path_.c_str());
  }
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw Error("write to '" + path_ + "' after commit()");
  const auto* bytes = static_cast<const char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t wrote = ::write(fd_, bytes + done, size - done);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot write '" + path_ + "': " + system_error_text());
    }
    done += static_cast<std::size_t>(wrote);
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) throw Error("commit() of '" + path_ + "' called twice");
  if (::fsync(fd_) != 0) {
    throw Error("cannot flush '" + path_ + "' to disk: " + system_error_text());
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    throw Error("cannot close '" + temp_path_ + "': " + system_error_text());
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw Error("cannot rename '" + temp_path_ + "' to '" + path_ + "': " + system_error_text());
  }
  committed_ = true;
  sync_directory(path_);
}

void AtomicFileWriter::close_quietly() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  AtomicFileWriter writer(path);
  writer.write(data, size);
  writer.commit();
}

}  // namespace swinpp::io
