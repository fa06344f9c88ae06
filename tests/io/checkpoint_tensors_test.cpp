#include "swinpp/io/checkpoint_tensors.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io_test_support.h"
#include "swinpp/io/safetensors.h"

namespace swinpp::io {
namespace {

using testing::error_message;
using testing::golden;
using testing::ScratchDir;
using testing::write_bytes;

void expect_equal_maps(const TensorMap& expected, const TensorMap& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_EQ(actual.count(name), 1u) << name;
    EXPECT_TRUE(torch::equal(actual.at(name), tensor)) << name;
  }
}

TEST(CheckpointTensors, ReadsBothFormatsOfTheSameWeights) {
  expect_equal_maps(load_checkpoint_tensors(golden("cls_tiny64.weights.safetensors")),
                    load_checkpoint_tensors(golden("cls_tiny64.pth")));
}

TEST(CheckpointTensors, DecidesByContentNotByExtension) {
  ScratchDir dir;
  const std::string disguised = dir.file("weights.pth");
  std::filesystem::copy_file(golden("simmim_tiny64.weights.safetensors"), disguised);
  expect_equal_maps(load_safetensors(golden("simmim_tiny64.weights.safetensors")),
                    load_checkpoint_tensors(disguised));
}

TEST(CheckpointTensors, RejectsAnUnknownFormatNamingTheFile) {
  ScratchDir dir;
  const std::string path = dir.file("notes.bin");
  write_bytes(path, "just some text, not a checkpoint");
  const std::string message = error_message([&] { load_checkpoint_tensors(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("neither a torch.save zip archive"), std::string::npos) << message;

  write_bytes(path, "");
  EXPECT_NE(error_message([&] { load_checkpoint_tensors(path); }).find(path), std::string::npos);
}

TEST(CheckpointTensors, ReportsMalformedSafetensorsFromItsReader) {
  ScratchDir dir;
  const std::string path = dir.file("cut.safetensors");
  const std::string bytes = serialize_safetensors({{"w", torch::ones({8})}});
  write_bytes(path, bytes.substr(0, bytes.size() - 4));
  const std::string message = error_message([&] { load_checkpoint_tensors(path); });
  EXPECT_NE(message.find("tensor 'w'"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

}  // namespace
}  // namespace swinpp::io
