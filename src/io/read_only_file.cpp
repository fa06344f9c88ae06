#include "read_only_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "swinpp/util/error.h"

namespace swinpp::io::detail {

ReadOnlyFile::ReadOnlyFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw Error("cannot open '" + path_ + "' for reading: " + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int error = errno;
    ::close(fd_);
    throw Error("cannot stat '" + path_ + "': " + std::strerror(error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd_);
    throw Error("'" + path_ + "' is not a regular file");
  }
  size_ = static_cast<std::uint64_t>(info.st_size);
}

ReadOnlyFile::~ReadOnlyFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ReadOnlyFile::read_at(std::uint64_t offset, void* destination, std::size_t count) const {
  if (offset > size_ || count > size_ - offset) {
    throw Error("'" + path_ + "': reading " + std::to_string(count) + " bytes at offset " +
                std::to_string(offset) + " runs past the end of the file (" +
                std::to_string(size_) + " bytes)");
  }
  auto* out = static_cast<char*>(destination);
  std::size_t done = 0;
  while (done < count) {
    const ssize_t got = ::pread(fd_, out + done, count - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error("'" + path_ + "': read failed at offset " + std::to_string(offset + done) + ": " +
                  std::strerror(errno));
    }
    if (got == 0) {
      throw Error("'" + path_ + "': unexpected end of file at offset " +
                  std::to_string(offset + done) + " (the file shrank while being read)");
    }
    done += static_cast<std::size_t>(got);
  }
}

}  // namespace swinpp::io::detail
