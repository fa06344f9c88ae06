// Entry point of every swinpp test executable: fixes the thread count so that
// results do not depend on the machine, then runs gtest.
#include <gtest/gtest.h>

#include "swinpp/util/threads.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  swinpp::configure_threads(0);
  return RUN_ALL_TESTS();
}
