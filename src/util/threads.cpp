#include "swinpp/util/threads.h"

#include <sched.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

namespace swinpp {

namespace {
int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}
}  // namespace

int configure_threads(int requested, int processes_per_machine) {
  const int n = requested > 0 ? requested
                              : std::max(1, available_cores() / std::max(1, processes_per_machine));
  at::set_num_threads(n);
  return at::get_num_threads();
}

}  // namespace swinpp
