#pragma once

#include <stdexcept>
#include <string>

namespace swinpp {

/// The exception swinpp's library code throws: the message says what was
/// expected, what was found, and where (key, file, tensor name).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace swinpp
