#include "swinpp/io/archive_file.h"

#include <torch/serialize/output-archive.h>

#include <exception>

#include "swinpp/io/atomic_file_writer.h"

namespace swinpp::io {

void save_archive(torch::serialize::OutputArchive& archive, const std::string& path) {
  AtomicFileWriter writer(path);
  // LibTorch's zip writer reports a short write by throwing, possibly from its
  // destructor (which terminates the process). The sink therefore always
  // accepts the bytes, keeps the first failure and rethrows it afterwards.
  std::exception_ptr failure;
  archive.save_to([&](const void* data, size_t size) -> size_t {
    if (!failure) {
      try {
        writer.write(data, size);
      } catch (...) {
        failure = std::current_exception();
      }
    }
    return size;
  });
  if (failure) std::rethrow_exception(failure);
  writer.commit();
}

}  // namespace swinpp::io
