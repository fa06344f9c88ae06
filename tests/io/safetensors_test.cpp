#include "swinpp/io/safetensors.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "io_test_support.h"

namespace swinpp::io {
namespace {

using testing::error_message;
using testing::golden;
using testing::ScratchDir;
using testing::write_bytes;

/// A safetensors file assembled by hand: length prefix, `header`, then `data`.
std::string make_file(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i, length >>= 8) bytes[i] = static_cast<char>(length & 0xff);
  return bytes + header + data;
}

TensorMap every_dtype() {
  torch::manual_seed(3);
  TensorMap tensors;
  tensors["f64"] = torch::randn({2, 3}, torch::kFloat64);
  tensors["f32"] = torch::randn({4, 1, 2});
  tensors["f16"] = torch::randn({5}).to(torch::kFloat16);
  tensors["bf16"] = torch::randn({3, 2}).to(torch::kBFloat16);
  tensors["i64"] = torch::randint(-1000000, 1000000, {7}, torch::kInt64);
  tensors["i32"] = torch::randint(-1000, 1000, {2, 2}, torch::kInt32);
  tensors["i16"] = torch::randint(-300, 300, {3}, torch::kInt16);
  tensors["i8"] = torch::randint(-100, 100, {3}, torch::kInt8);
  tensors["u8"] = torch::randint(0, 255, {6}, torch::kUInt8);
  tensors["bool"] = torch::randint(0, 2, {2, 3}).to(torch::kBool);
  tensors["scalar"] = torch::tensor(2.5);
  tensors["empty"] = torch::zeros({0, 3});
  tensors["transposed"] = torch::arange(12, torch::kFloat32).view({3, 4}).t();  // non-contiguous
  return tensors;
}

void expect_same(const TensorMap& expected, const TensorMap& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_EQ(actual.count(name), 1u) << name;
    const torch::Tensor& read = actual.at(name);
    EXPECT_EQ(read.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_EQ(read.sizes(), tensor.sizes()) << name;
    EXPECT_TRUE(torch::equal(read, tensor)) << name;
  }
}

TEST(Safetensors, RoundTripsEveryDtypeThroughAFile) {
  ScratchDir dir;
  const TensorMap tensors = every_dtype();
  const StringMap metadata{{"format", "pt"}, {"epoch", "7"}};
  save_safetensors(dir.file("all.safetensors"), tensors, metadata);
  EXPECT_EQ(file_names(dir), std::vector<std::string>{"all.safetensors"});

  StringMap read_metadata;
  const TensorMap read = load_safetensors(dir.file("all.safetensors"), &read_metadata);
  expect_same(tensors, read);
  EXPECT_EQ(read_metadata, metadata);
  EXPECT_TRUE(read.at("transposed").is_contiguous());
}

TEST(Safetensors, RoundTripsInMemory) {
  const TensorMap tensors = every_dtype();
  const std::string bytes = serialize_safetensors(tensors);
  StringMap metadata{{"stale", "entry"}};
  expect_same(tensors, parse_safetensors(bytes.data(), bytes.size(), "buffer", &metadata));
  EXPECT_TRUE(metadata.empty());
}

TEST(Safetensors, WritesTheDocumentedByteLayout) {
  TensorMap tensors;
  tensors["b"] = torch::tensor({1, -2}, torch::kInt32);
  tensors["a"] = torch::tensor({1.5F});
  const std::string bytes = serialize_safetensors(tensors, {{"note", "x"}});

  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | uint8_t(bytes[i]);
  const uint64_t data_start = 8 + header_length;
  EXPECT_EQ(data_start % 8, 0u);
  ASSERT_EQ(bytes.size(), data_start + 4 + 8);

  const auto header = nlohmann::json::parse(bytes.substr(8, header_length));
  EXPECT_EQ(header["__metadata__"]["note"], "x");
  EXPECT_EQ(header["a"]["dtype"], "F32");
  EXPECT_EQ(header["a"]["shape"], nlohmann::json::array({1}));
  EXPECT_EQ(header["a"]["data_offsets"], nlohmann::json::array({0, 4}));
  EXPECT_EQ(header["b"]["dtype"], "I32");
  EXPECT_EQ(header["b"]["data_offsets"], nlohmann::json::array({4, 12}));

  // 1.5f is 0x3FC00000; -2 is 0xFFFFFFFE; both little endian.
  const std::string expected_data("\x00\x00\xc0\x3f\x01\x00\x00\x00\xfe\xff\xff\xff", 12);
  EXPECT_EQ(bytes.substr(data_start), expected_data);
}

TEST(Safetensors, ReadsTheGoldenWeights) {
  StringMap metadata;
  const TensorMap weights = load_safetensors(golden("cls_tiny64.weights.safetensors"), &metadata);
  EXPECT_EQ(metadata.at("case"), "cls_tiny64");
  EXPECT_EQ(weights.at("patch_embed.proj.weight").sizes(), torch::IntArrayRef({16, 3, 4, 4}));
  EXPECT_EQ(weights.at("head.weight").sizes(), torch::IntArrayRef({10, 128}));

  // relative_position_index of a 4x4 window, from its definition.
  const torch::Tensor index = weights.at("layers.0.blocks.0.attn.relative_position_index");
  ASSERT_EQ(index.scalar_type(), torch::kInt64);
  ASSERT_EQ(index.sizes(), torch::IntArrayRef({16, 16}));
  const int64_t window = 4;
  for (int64_t a = 0; a < window * window; ++a) {
    for (int64_t b = 0; b < window * window; ++b) {
      const int64_t dh = a / window - b / window + window - 1;
      const int64_t dw = a % window - b % window + window - 1;
      ASSERT_EQ(index[a][b].item<int64_t>(), dh * (2 * window - 1) + dw) << a << "," << b;
    }
  }
}

TEST(Safetensors, SaveReplacesAnExistingFile) {
  ScratchDir dir;
  const std::string path = dir.file("model.safetensors");
  save_safetensors(path, {{"x", torch::ones({3})}});
  save_safetensors(path, {{"y", torch::zeros({2})}});
  const TensorMap read = load_safetensors(path);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(torch::equal(read.at("y"), torch::zeros({2})));
  EXPECT_EQ(file_names(dir), std::vector<std::string>{"model.safetensors"});
}

TEST(Safetensors, SaveFailuresNameTheProblem) {
  ScratchDir dir;
  const std::string missing_dir = dir.file("absent/model.safetensors");
  EXPECT_NE(error_message([&] {
              save_safetensors(missing_dir, {{"x", torch::ones({1})}});
            }).find(missing_dir),
            std::string::npos);
  const std::string path = dir.file("model.safetensors");
  EXPECT_NE(error_message([&] {
              save_safetensors(path, {{"u", torch::Tensor()}});
            }).find("tensor 'u' is undefined"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              save_safetensors(path, {{"c", torch::ones({2}, torch::kComplexFloat)}});
            }).find("tensor 'c' has dtype"),
            std::string::npos);
  EXPECT_EQ(file_names(dir), std::vector<std::string>{});
}

TEST(Safetensors, MissingFileIsAnErrorNamingIt) {
  EXPECT_NE(error_message([] {
              load_safetensors("/nonexistent/x.safetensors");
            }).find("/nonexistent/x.safetensors"),
            std::string::npos);
}

/// Writes `bytes` to a file and returns the message of loading it, which must name the file.
std::string load_error(const std::string& bytes) {
  ScratchDir dir;
  const std::string path = dir.file("broken.safetensors");
  write_bytes(path, bytes);
  const std::string message = error_message([&] { load_safetensors(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  return message;
}

const std::string kFourFloats(16, '\0');

TEST(SafetensorsMalformed, TruncatedHeaderLength) {
  EXPECT_NE(load_error("\x10\x00\x00").find("too short for the 8-byte header length"),
            std::string::npos);
}

TEST(SafetensorsMalformed, HeaderLengthBeyondTheFile) {
  std::string bytes =
      make_file(R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", kFourFloats);
  bytes[5] = '\x01';  // header length + 2^40
  EXPECT_NE(load_error(bytes).find("exceeds the file size"), std::string::npos);
}

TEST(SafetensorsMalformed, BadJson) {
  EXPECT_NE(
      load_error(make_file(R"({"x":{"dtype":"F32",)", kFourFloats)).find("malformed JSON header"),
      std::string::npos);
}

TEST(SafetensorsMalformed, HeaderIsNotAnObject) {
  EXPECT_NE(load_error(make_file("[1, 2]", "")).find("header is not a JSON object"),
            std::string::npos);
}

TEST(SafetensorsMalformed, OffsetsPastTheEnd) {
  const std::string header = R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  const std::string message = load_error(make_file(header, kFourFloats.substr(0, 12)));
  EXPECT_NE(message.find("tensor 'x'"), std::string::npos) << message;
  EXPECT_NE(message.find("run past the end of the data"), std::string::npos) << message;
}

TEST(SafetensorsMalformed, ByteCountDisagreesWithShape) {
  const std::string header = R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})";
  const std::string message = load_error(make_file(header, kFourFloats));
  EXPECT_NE(message.find("tensor 'x'"), std::string::npos) << message;
  EXPECT_NE(message.find("needs 12 bytes"), std::string::npos) << message;
}

TEST(SafetensorsMalformed, UnknownDtype) {
  const std::string header = R"({"x":{"dtype":"Q4","shape":[4],"data_offsets":[0,16]}})";
  EXPECT_NE(load_error(make_file(header, kFourFloats)).find("unknown dtype \"Q4\""),
            std::string::npos);
}

TEST(SafetensorsMalformed, NegativeShape) {
  const std::string header = R"({"x":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})";
  EXPECT_NE(load_error(make_file(header, kFourFloats)).find("shape dimension is negative"),
            std::string::npos);
}

TEST(SafetensorsMalformed, OffsetsEndBeforeTheyBegin) {
  const std::string header = R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}})";
  EXPECT_NE(load_error(make_file(header, kFourFloats)).find("end before they begin"),
            std::string::npos);
}

TEST(SafetensorsMalformed, DuplicateNames) {
  const std::string header = R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                             R"("x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  EXPECT_NE(load_error(make_file(header, kFourFloats)).find("duplicate tensor name 'x'"),
            std::string::npos);
}

TEST(SafetensorsMalformed, OverlappingOffsets) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
                             R"("e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})";
  const std::string message = load_error(make_file(header, kFourFloats));
  EXPECT_NE(message.find("tensors 'a' [0, 12) and 'b' [8, 16) overlap"), std::string::npos)
      << message;
}

TEST(SafetensorsMalformed, MissingField) {
  const std::string header = R"({"x":{"dtype":"F32","data_offsets":[0,16]}})";
  EXPECT_NE(load_error(make_file(header, kFourFloats)).find("missing field 'shape'"),
            std::string::npos);
}

TEST(SafetensorsMalformed, NonStringMetadata) {
  const std::string header = R"({"__metadata__":{"epoch":3}})";
  EXPECT_NE(load_error(make_file(header, "")).find("__metadata__ entry 'epoch'"),
            std::string::npos);
}

TEST(SafetensorsMalformed, OverflowingShape) {
  const std::string header =
      R"({"x":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,16]}})";
  EXPECT_NE(load_error(make_file(header, kFourFloats)).find("overflows"), std::string::npos);
}

TEST(SafetensorsMalformed, EveryTruncationIsAnErrorNamingTheSource) {
  const std::string bytes =
      serialize_safetensors({{"w", torch::randn({3, 2})}, {"n", torch::arange(4)}}, {{"k", "v"}});
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    const std::string message =
        error_message([&] { parse_safetensors(bytes.data(), length, "cut-buffer"); });
    ASSERT_NE(message.find("cut-buffer"), std::string::npos) << length << ": " << message;
  }
}

}  // namespace
}  // namespace swinpp::io
