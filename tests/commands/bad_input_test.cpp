// Every command, fed a table of bad inputs (missing files, folders where files
// belong, empty weights and images (an empty config is the official defaults), files of the wrong
// kind, wrong types, unknown keys, zero or negative sizes, folders without images), ends with one
// line naming the input and exit code 1 (the command failed) or 2 (the command line is wrong):
// never a stack trace, an abort or a hang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_command.h"
#include "swinpp/data/image.h"
#include "swinpp/data/image_encoder.h"
#include "swinpp/io/safetensors.h"

namespace swinpp::testing {
namespace {

namespace fs = std::filesystem;

struct BadInput {
  std::string arguments;  ///< after `swinpp`, run in the scratch folder
  int exit_code;          ///< 1: runtime error, 2: usage error
  std::string named;      ///< what the message must name
};

std::ostream& operator<<(std::ostream& out, const BadInput& input) {
  return out << "swinpp " << input.arguments;
}

/// A scratch folder of bad inputs, and a valid configuration to pair them with.
class BadInputs : public ::testing::TestWithParam<BadInput> {
 public:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("swinpp_bad_input_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "a_folder");
    fs::create_directories(dir_ / "no_images");
    std::ofstream(dir_ / "no_images" / "notes.txt") << "no images here\n";
    for (const char* empty : {"empty.safetensors", "empty.png", "empty.pth"})
      std::ofstream(dir_ / empty);
    data::write_image((dir_ / "image.png").string(), data::Image(16, 16, 128));
    io::save_safetensors((dir_ / "weights.safetensors").string(),
                         {{"head.weight", torch::zeros({2, 4})}});
    fs::copy_file(fs::path(SWINPP_TEST_SOURCE_DIR) / ".." / "configs" / "quickstart" / "model.yaml",
                  dir_ / "model.yaml");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

 protected:
  static fs::path dir_;
};

fs::path BadInputs::dir_;

/// The lines of `text` that are not log lines ("[time] [level] ...").
std::vector<std::string> message_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.front() != '[') lines.push_back(line);
  return lines;
}

TEST_P(BadInputs, EndWithOneLineNamingTheInput) {
  const BadInput& input = GetParam();
  const std::string err = (dir_ / "stderr.txt").string();
  const int code = run_command("cd '" + dir_.string() + "' && timeout 300 " SWINPP_BINARY " " +
                               input.arguments + " > /dev/null 2> '" + err + "'");
  std::ifstream in(err);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(code, input.exit_code) << text;
  const std::vector<std::string> lines = message_lines(text);
  ASSERT_EQ(lines.size(), 1u) << text;
  EXPECT_EQ(lines[0].rfind("swinpp: error: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(input.named), std::string::npos) << lines[0];
  for (const char* crash : {"terminate called", "Exception raised from", "Aborted", "core dumped"})
    EXPECT_EQ(text.find(crash), std::string::npos) << text;
}

const std::string kConfig = "--config model.yaml ";

INSTANTIATE_TEST_SUITE_P(
    EveryCommand, BadInputs,
    ::testing::Values(
        // Configurations.
        BadInput{"info --config missing.yaml", 1, "missing.yaml"},
        BadInput{"info --config a_folder", 1, "a_folder"},
        BadInput{"info --config image.png", 1, "image.png"},
        BadInput{"info --config weights.safetensors", 1, "weights.safetensors"},
        BadInput{"info " + kConfig + "--opts TRAIN.BASE_LR fast", 1, "TRAIN.BASE_LR"},
        BadInput{"info " + kConfig + "--opts TRAIN.NO_SUCH_KEY 1", 1, "TRAIN.NO_SUCH_KEY"},
        BadInput{"info " + kConfig + "--opts DATA.IMG_SIZE 0", 1, "DATA.IMG_SIZE"},
        BadInput{"info " + kConfig + "--opts DATA.BATCH_SIZE -3", 1, "DATA.BATCH_SIZE"},
        BadInput{"info " + kConfig + "--opts DATA.IMG_SIZE", 1, "DATA.IMG_SIZE"},
        BadInput{"info " + kConfig + "--threads many", 2, "--threads"},
        BadInput{"info " + kConfig + "--no-such-flag", 2, "--no-such-flag"},
        BadInput{"no-such-command", 2, "no-such-command"},
        // Weights.
        BadInput{"eval " + kConfig + "--weights missing.pth --data no_images", 1, "missing.pth"},
        BadInput{"eval " + kConfig + "--weights image.png --data no_images", 1, "image.png"},
        BadInput{"eval " + kConfig + "--weights empty.pth --data no_images", 1, "empty.pth"},
        BadInput{"eval " + kConfig + "--weights a_folder --data no_images", 1, "a_folder"},
        BadInput{"eval " + kConfig + "--weights weights.safetensors --data no_images", 1,
                 "weights 'weights.safetensors' do not fit"},
        BadInput{"convert image.png out.safetensors", 1, "image.png"},
        BadInput{"convert empty.safetensors out.safetensors", 1, "empty.safetensors"},
        BadInput{"convert missing.pth out.safetensors", 2, "missing.pth"},
        BadInput{"consolidate a_folder", 1, "a_folder"},
        BadInput{"visualize " + kConfig + "--weights image.png -o out image.png", 1, "image.png"},
        // Images and data.
        BadInput{"finetune " + kConfig + "--opts DATA.DATA_PATH no_images", 1, "no_images"},
        BadInput{"pretrain " + kConfig + "--opts DATA.DATA_PATH no_images", 1, "no_images"},
        BadInput{"pretrain " + kConfig + "--opts DATA.DATA_PATH empty.png", 1, "empty.png"},
        BadInput{"transform --eval " + kConfig + "-o out.safetensors empty.png", 1, "empty.png"},
        BadInput{"transform --eval " + kConfig + "-o out.safetensors weights.safetensors", 1,
                 "weights.safetensors"},
        BadInput{"transform --eval " + kConfig + "-o out.safetensors missing.png", 2,
                 "missing.png"},
        BadInput{"predict " + kConfig + "--weights weights.safetensors image.png", 1,
                 "weights 'weights.safetensors' do not fit"},
        BadInput{"forward " + kConfig + "--weights weights.safetensors --input image.png -o out", 1,
                 "image.png"},
        BadInput{"forward " + kConfig + "--input image.png -o out.safetensors", 1, "image.png"},
        BadInput{"make-shards --from no_images -o shards", 1, "no_images"},
        BadInput{"make-shards --from a_folder -o shards --per-shard 0", 2, "--per-shard"},
        BadInput{"bench data --data no_images --seconds 1", 1, "no_images"},
        BadInput{"make-dataset -o data --classes 0", 1, "classes"},
        BadInput{"plot a_folder", 1, "a_folder"},
        // Processes.
        BadInput{"launch --nproc 0 -- true", 2, "--nproc"},
        BadInput{"launch --nproc 1 --master-port 70000 -- true", 2, "--master-port"}));

}  // namespace
}  // namespace swinpp::testing
