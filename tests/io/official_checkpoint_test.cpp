// Training checkpoints as the official Swin Transformer code saves them: the
// model loads, everything else (a yacs CfgNode, numpy scalars, optimizer,
// schedule and scaler state) stays an inert placeholder.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io_test_support.h"
#include "pickle_writer.h"
#include "swinpp/io/checkpoint_tensors.h"
#include "swinpp/io/pth_reader.h"
#include "swinpp/io/safetensors.h"

namespace swinpp::io {
namespace {

using testing::error_message;
using testing::io_fixture;
using testing::PickleWriter;
using testing::ScratchDir;
using testing::write_archive;

void expect_equal_maps(const TensorMap& expected, const TensorMap& actual) {
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [key, tensor] : expected) {
    ASSERT_EQ(actual.count(key), 1u) << key;
    EXPECT_EQ(actual.at(key).scalar_type(), tensor.scalar_type()) << key;
    EXPECT_TRUE(torch::equal(actual.at(key), tensor)) << key;
  }
}

TEST(OfficialTrainingCheckpoint, ItsModelLoadsBesideAConfigOptimizerAndScaler) {
  const std::string path = io_fixture("official_training_checkpoint.pth");
  const TensorMap expected = load_safetensors(io_fixture("torch_save_expected.safetensors"));
  expect_equal_maps(expected, load_pth_state_dict(path, "model"));
  expect_equal_maps(expected, load_checkpoint_tensors(path));
}

TEST(OfficialTrainingCheckpoint, TheConfigEntryIsNamedAsAPlaceholderNotLoaded) {
  const std::string path = io_fixture("official_training_checkpoint.pth");
  const std::string message = error_message([&] { load_pth_state_dict(path, "config"); });
  EXPECT_NE(message.find("entry 'config': global 'yacs.config.CfgNode' is not allowed"),
            std::string::npos)
      << message;
}

TEST(OfficialTrainingCheckpoint, AnUnknownGlobalInsideTheModelIsStillAnError) {
  ScratchDir dir;
  const std::string path = dir.file("model_with_object.pth");
  // {"model": OrderedDict(w=tensor, hook=posix.system("echo owned")), "config": CfgNode()}
  PickleWriter pickle;
  pickle.proto().empty_dict().mark().string("model");
  pickle.global("collections", "OrderedDict").empty_tuple().reduce().mark();
  pickle.string("w").tensor("0", "FloatStorage", 2, 0, {2}, {1});
  pickle.string("hook").global("posix", "system").mark().string("echo owned").tuple().reduce();
  pickle.set_items();
  pickle.string("config").global("yacs.config", "CfgNode").empty_tuple().raw("\x81").empty_dict();
  pickle.build().set_items().stop();
  write_archive(path, pickle.bytes(), {{"data/0", std::string(8, '\0')}});
  const std::string message = error_message([&] { load_pth_state_dict(path, "model"); });
  EXPECT_NE(message.find("'hook': global 'posix.system' is not allowed"), std::string::npos)
      << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

}  // namespace
}  // namespace swinpp::io
