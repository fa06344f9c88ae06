// LibTorch archives written through the atomic file writer.
#pragma once

#include <string>

namespace torch::serialize {
class OutputArchive;
}  // namespace torch::serialize

namespace swinpp::io {

/// Writes `archive` to `path` atomically (see AtomicFileWriter). The archive is
/// streamed into the temporary file; a failing write (a full disk, a file-size
/// limit, an I/O error) throws swinpp::Error naming the file and the system
/// error, removes the temporary file and leaves an existing `path` untouched.
void save_archive(torch::serialize::OutputArchive& archive, const std::string& path);

}  // namespace swinpp::io
