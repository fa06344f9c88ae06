#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp::config::testing {

/// Runs `action`, which must throw swinpp::Error, and returns its message
/// (empty, with a test failure, when nothing or something else is thrown).
inline std::string error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const swinpp::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected swinpp::Error, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected swinpp::Error, nothing was thrown";
  return "";
}

/// Checks that `message` contains every one of `parts`.
inline void expect_contains_all(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos)
        << "message lacks '" << part << "': " << message;
  }
}

}  // namespace swinpp::config::testing
