// The swinpp command-line program. Every command lives in src/commands/; this
// file only turns a thrown error into a message and an exit code.
#include <exception>
#include <iostream>

#include "swinpp/commands/app.h"

int main(int argc, char** argv) {
  try {
    return swinpp::commands::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "swinpp: error: " << e.what() << "\n";
    return 1;
  }
}
