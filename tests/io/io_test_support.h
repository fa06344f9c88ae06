// Helpers shared by the io tests: scratch directories, raw files, golden paths.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "swinpp/util/error.h"

namespace swinpp::io::testing {

/// A fresh directory, unique to this process and test, removed with its content.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string name = std::string("swinpp_io_") + info->test_suite_name() + "_" +
                             info->name() + "_" + std::to_string(::getpid());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// Path of `file` inside the directory.
  std::string file(const std::string& file) const { return (path_ / file).string(); }

 private:
  std::filesystem::path path_;
};

/// The names of the entries of `dir`, sorted (temporary files included).
inline std::vector<std::string> file_names(const ScratchDir& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("")))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Writes `bytes` to `path`, replacing it.
inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

/// Path of a file in the golden data folder.
inline std::string golden(const std::string& file) {
  return std::string(SWINPP_GOLDEN_DIR) + "/" + file;
}

/// Path of a fixture of the io tests (tests/io/data, see make_torch_save_fixtures.py there).
inline std::string io_fixture(const std::string& file) {
  return (std::filesystem::path(__FILE__).parent_path() / "data" / file).string();
}

/// The message of the swinpp::Error that `action` throws, or a failure when it throws
/// nothing (or something else).
template <class Action>
std::string error_message(const Action& action) {
  try {
    action();
  } catch (const swinpp::Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a swinpp::Error";
  return "";
}

}  // namespace swinpp::io::testing
