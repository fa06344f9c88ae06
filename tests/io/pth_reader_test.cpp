#include "swinpp/io/pth_reader.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io_test_support.h"
#include "pickle_writer.h"
#include "swinpp/io/safetensors.h"

namespace swinpp::io {
namespace {

using testing::error_message;
using testing::golden;
using testing::PickleWriter;
using testing::raw_bytes;
using testing::ScratchDir;
using testing::write_archive;
using testing::write_bytes;

void expect_matches_golden(const std::string& name) {
  const TensorMap from_pth = load_pth_state_dict(golden(name + ".pth"));
  const TensorMap expected = load_safetensors(golden(name + ".weights.safetensors"));
  ASSERT_EQ(from_pth.size(), expected.size());
  for (const auto& [key, tensor] : expected) {
    ASSERT_EQ(from_pth.count(key), 1u) << key;
    const torch::Tensor& read = from_pth.at(key);
    EXPECT_EQ(read.scalar_type(), tensor.scalar_type()) << key;
    EXPECT_EQ(read.sizes(), tensor.sizes()) << key;
    EXPECT_TRUE(torch::equal(read, tensor)) << key;
  }
}

TEST(PthReader, ClassificationCheckpointMatchesItsSafetensors) {
  expect_matches_golden("cls_tiny64");
}

TEST(PthReader, SimmimCheckpointMatchesItsSafetensors) { expect_matches_golden("simmim_tiny64"); }

/// Files written by torch.save itself (see tests/io/data/make_torch_save_fixtures.py):
/// every dtype, views of one storage, a scalar, an empty tensor and a Parameter.
void expect_matches_fixture(const TensorMap& from_pth) {
  const TensorMap expected =
      load_safetensors(testing::io_fixture("torch_save_expected.safetensors"));
  ASSERT_EQ(from_pth.size(), expected.size());
  for (const auto& [key, tensor] : expected) {
    ASSERT_EQ(from_pth.count(key), 1u) << key;
    const torch::Tensor& read = from_pth.at(key);
    EXPECT_EQ(read.scalar_type(), tensor.scalar_type()) << key;
    EXPECT_EQ(read.sizes(), tensor.sizes()) << key;
    EXPECT_TRUE(torch::equal(read, tensor)) << key;
  }
  EXPECT_FALSE(from_pth.at("view_t").is_contiguous());
  EXPECT_TRUE(from_pth.at("view_t").is_alias_of(from_pth.at("f32")));
  EXPECT_TRUE(from_pth.at("slice").is_alias_of(from_pth.at("f32")));
}

TEST(PthReader, ReadsTorchSaveWithEntriesOfEveryKind) {
  expect_matches_fixture(load_pth_state_dict(testing::io_fixture("torch_save_mixed.pth")));
}

TEST(PthReader, ReadsABareStateDictOfPickleProtocol4) {
  expect_matches_fixture(load_pth_state_dict(testing::io_fixture("torch_save_protocol4.pth")));
}

TEST(PthReader, RejectsAFileThatIsNotAZip) {
  ScratchDir dir;
  const std::string path = dir.file("weights.pth");
  write_bytes(path, "this is not a checkpoint");
  const std::string message = error_message([&] { load_pth_state_dict(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not a torch.save zip archive"), std::string::npos) << message;
}

TEST(PthReader, RejectsAZipWithoutTorchRecords) {
  ScratchDir dir;
  const std::string path = dir.file("other.zip");
  write_bytes(path, std::string("PK\x03\x04", 4) + std::string(60, '\0'));
  EXPECT_NE(error_message([&] { load_pth_state_dict(path); }).find(path), std::string::npos);
}

TEST(PthReader, RefusesAForbiddenGlobal) {
  ScratchDir dir;
  const std::string path = dir.file("evil.pth");
  PickleWriter pickle;
  pickle.proto().global("posix", "system").mark().string("echo owned").tuple().reduce().stop();
  write_archive(path, pickle.bytes());
  const std::string message = error_message([&] { load_pth_state_dict(path); });
  EXPECT_NE(message.find("global 'posix.system' is not allowed"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(PthReader, RefusesAnUnknownOpcode) {
  ScratchDir dir;
  const std::string path = dir.file("odd.pth");
  write_archive(path, PickleWriter().proto().raw("i").bytes());  // INST
  EXPECT_NE(error_message([&] { load_pth_state_dict(path); }).find("unsupported pickle opcode"),
            std::string::npos);
}

/// {"model": {"a": 2x3 view at offset 0, "b": column 2 at offset 2}} over one storage 0..5.
std::string shared_storage_pickle() {
  PickleWriter pickle;
  pickle.proto().empty_dict().string("model");
  pickle.global("collections", "OrderedDict").empty_tuple().reduce().mark();
  pickle.string("a").tensor("0", "FloatStorage", 6, 0, {2, 3}, {3, 1});
  pickle.string("b").tensor("0", "FloatStorage", 6, 2, {2}, {3});
  pickle.set_items().set_item().stop();
  return pickle.bytes();
}

TEST(PthReader, TensorsOfOneStorageShareMemory) {
  ScratchDir dir;
  const std::string path = dir.file("shared.pth");
  write_archive(path, shared_storage_pickle(),
                {{"data/0", raw_bytes(std::vector<float>{0, 1, 2, 3, 4, 5})}});
  TensorMap tensors = load_pth_state_dict(path);
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_TRUE(torch::equal(tensors.at("a"), torch::arange(6, torch::kFloat32).view({2, 3})));
  EXPECT_TRUE(torch::equal(tensors.at("b"), torch::tensor({2.F, 5.F})));
  tensors.at("a")[1][2] = 50.F;
  EXPECT_EQ(tensors.at("b")[1].item<float>(), 50.F);
}

TEST(PthReader, RejectsAViewOutsideItsStorage) {
  ScratchDir dir;
  const std::string path = dir.file("overrun.pth");
  PickleWriter pickle;
  pickle.proto().empty_dict().string("w").tensor("0", "LongStorage", 4, 1, {2, 2}, {2, 1});
  write_archive(path, pickle.set_item().stop().bytes(),
                {{"data/0", raw_bytes(std::vector<int64_t>{1, 2, 3, 4})}});
  EXPECT_NE(error_message([&] { load_pth_state_dict(path); }).find("runs outside its storage"),
            std::string::npos);
}

TEST(PthReader, RejectsAShortStorageRecord) {
  ScratchDir dir;
  const std::string path = dir.file("short.pth");
  PickleWriter pickle;
  pickle.proto().empty_dict().string("w").tensor("0", "FloatStorage", 4, 0, {4}, {1});
  write_archive(path, pickle.set_item().stop().bytes(),
                {{"data/0", raw_bytes(std::vector<float>{1, 2, 3})}});
  const std::string message = error_message([&] { load_pth_state_dict(path); });
  EXPECT_NE(message.find("'data/0' holds 12 bytes"), std::string::npos) << message;
}

TEST(PthReader, RejectsAMissingStorageRecord) {
  ScratchDir dir;
  const std::string path = dir.file("nostorage.pth");
  PickleWriter pickle;
  pickle.proto().empty_dict().string("w").tensor("7", "FloatStorage", 1, 0, {1}, {1});
  write_archive(path, pickle.set_item().stop().bytes());
  EXPECT_NE(error_message([&] { load_pth_state_dict(path); }).find("'data/7' is missing"),
            std::string::npos);
}

/// {"state_dict": {"w": int32 [3]}, "epoch": 4}
void write_training_checkpoint(const std::string& path) {
  PickleWriter pickle;
  pickle.proto().empty_dict().mark().string("state_dict").empty_dict();
  pickle.string("w").tensor("0", "IntStorage", 3, 0, {3}, {1}).set_item();
  pickle.string("epoch").integer(4).set_items().stop();
  write_archive(path, pickle.bytes(), {{"data/0", raw_bytes(std::vector<int32_t>{7, 8, 9})}});
}

TEST(PthReader, SelectsTheNamedEntry) {
  ScratchDir dir;
  const std::string path = dir.file("train.pth");
  write_training_checkpoint(path);
  const TensorMap tensors = load_pth_state_dict(path, "state_dict");
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_TRUE(torch::equal(tensors.at("w"), torch::tensor({7, 8, 9}, torch::kInt32)));

  const std::string message = error_message([&] { load_pth_state_dict(path); });
  EXPECT_NE(message.find("no entry 'model'"), std::string::npos) << message;
  EXPECT_NE(message.find("'state_dict', 'epoch'"), std::string::npos) << message;
}

TEST(PthReader, AcceptsABareStateDict) {
  ScratchDir dir;
  const std::string path = dir.file("bare.pth");
  PickleWriter pickle;
  pickle.proto().global("collections", "OrderedDict").empty_tuple().reduce();
  pickle.string("x").tensor("0", "ByteStorage", 2, 0, {2}, {1}).set_item();
  pickle.empty_dict().build().stop();  // OrderedDict state (its _metadata), ignored
  write_archive(path, pickle.bytes(), {{"data/0", std::string("\x05\x06", 2)}});
  const TensorMap tensors = load_pth_state_dict(path);
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_TRUE(torch::equal(tensors.at("x"), torch::tensor({5, 6}, torch::kUInt8)));
}

TEST(PthReader, ADeeplyNestedPickleIsAnErrorNotAStackOverflow) {
  ScratchDir dir;
  const std::string path = dir.file("deep.pth");
  constexpr std::size_t kDepth = 1000000;
  // [[[...]]]: kDepth empty lists, each appended to the one before.
  PickleWriter pickle;
  pickle.proto().raw(std::string(kDepth, ']')).raw(std::string(kDepth - 1, 'a')).stop();
  write_archive(path, pickle.bytes());
  const std::string message = error_message([&] { load_pth_state_dict(path); });
  EXPECT_NE(message.find("expected a dict"), std::string::npos) << message;
}

TEST(PthReader, AListOrDictThatContainsItselfIsAnError) {
  ScratchDir dir;
  const std::string path = dir.file("cycle.pth");
  // l = []; l.append(l)   and   d = {}; d["k"] = d   (through the memo).
  for (const std::string& body : {std::string("]q\x00h\x00"
                                              "a.",
                                              6),
                                  std::string("}q\x00X\x01\x00\x00\x00kh\x00s.", 13)}) {
    write_archive(path, PickleWriter().proto().raw(body).bytes());
    const std::string message = error_message([&] { load_pth_state_dict(path); });
    EXPECT_NE(message.find("that contains itself"), std::string::npos) << message;
  }
}

TEST(PthReader, EveryTruncatedPickleIsAnError) {
  ScratchDir dir;
  const std::string path = dir.file("cut.pth");
  const std::string pickle = shared_storage_pickle();
  const std::string storage = raw_bytes(std::vector<float>{0, 1, 2, 3, 4, 5});
  for (std::size_t length = 0; length < pickle.size(); ++length) {
    write_archive(path, pickle.substr(0, length), {{"data/0", storage}});
    const std::string message = error_message([&] { load_pth_state_dict(path); });
    ASSERT_NE(message.find(path), std::string::npos) << length << ": " << message;
  }
}

}  // namespace
}  // namespace swinpp::io
