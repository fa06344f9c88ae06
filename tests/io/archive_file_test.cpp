// LibTorch archives through the atomic writer: a failing write is an error
// naming the file, never a crash, and the file it would have replaced survives.

#include <torch/serialize.h>
#include <torch/torch.h>

#include "../file_size_limit.h"
#include "io_test_support.h"
#include "swinpp/io/archive_file.h"

namespace swinpp::io::testing {
namespace {

using swinpp::testing::FileSizeLimit;

torch::Tensor read_tensor(const std::string& path) {
  torch::serialize::InputArchive in;
  in.load_from(path);
  torch::Tensor x;
  in.read("x", x);
  return x;
}

void save_tensor(const torch::Tensor& x, const std::string& path) {
  torch::serialize::OutputArchive archive;
  archive.write("x", x);
  save_archive(archive, path);
}

TEST(ArchiveFile, RoundTripsAndLeavesNoTemporaryFile) {
  ScratchDir dir;
  const torch::Tensor x = torch::arange(1000, torch::kFloat32);
  save_tensor(x, dir.file("state.pt"));
  EXPECT_TRUE(torch::equal(read_tensor(dir.file("state.pt")), x));
  EXPECT_EQ(file_names(dir), std::vector<std::string>{"state.pt"});
}

TEST(ArchiveFile, AFailingWriteThrowsNamingTheFileAndKeepsTheOldOne) {
  ScratchDir dir;
  const std::string path = dir.file("state.pt");
  const torch::Tensor old = torch::ones({4});
  save_tensor(old, path);
  std::string message;
  {
    FileSizeLimit limit(64 << 10);
    message = error_message([&] { save_tensor(torch::zeros({1 << 20}), path); });
  }
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_TRUE(torch::equal(read_tensor(path), old));
  EXPECT_EQ(file_names(dir), std::vector<std::string>{"state.pt"});
}

}  // namespace
}  // namespace swinpp::io::testing
