#include "swinpp/data/random.h"

#include <cmath>

namespace swinpp::data {

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;
}  // namespace

uint64_t splitmix64(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  uint64_t state = a;
  uint64_t h = splitmix64(state);
  for (const uint64_t v : {b, c, d}) {
    state = h ^ v;
    h = splitmix64(state);
  }
  return h;
}

Generator sample_generator(uint64_t seed, int64_t epoch, int64_t index, SampleStream stream) {
  return Generator(mix_seed(seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(index),
                            static_cast<uint64_t>(stream)));
}

double uniform01(Generator& gen) { return static_cast<double>(gen() >> 11) * 0x1.0p-53; }

double uniform(Generator& gen, double lo, double hi) { return lo + (hi - lo) * uniform01(gen); }

int64_t uniform_int(Generator& gen, int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  // Rejection above the largest multiple of span keeps the draw unbiased.
  const uint64_t limit = span == 0 ? 0 : ~uint64_t{0} - (~uint64_t{0} % span);
  uint64_t v = gen();
  while (span != 0 && v >= limit) v = gen();
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + (span == 0 ? v : v % span));
}

bool bernoulli(Generator& gen, double p) { return uniform01(gen) < p; }

double normal(Generator& gen, double mean, double stddev) {
  const double u1 = 1.0 - uniform01(gen);  // (0, 1]: log is finite
  const double u2 = uniform01(gen);
  return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

double gamma_deviate(Generator& gen, double shape) {
  if (shape < 1.0) {
    const double u = 1.0 - uniform01(gen);
    return gamma_deviate(gen, shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x = normal(gen);
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = 1.0 - uniform01(gen);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

double beta_deviate(Generator& gen, double a, double b) {
  const double x = gamma_deviate(gen, a);
  const double y = gamma_deviate(gen, b);
  return x + y > 0.0 ? x / (x + y) : 0.5;
}

void fill_normal(Generator& gen, float* out, int64_t count) {
  int64_t i = 0;
  for (; i + 1 < count; i += 2) {
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform01(gen)));
    const double angle = kTwoPi * uniform01(gen);
    out[i] = static_cast<float>(radius * std::cos(angle));
    out[i + 1] = static_cast<float>(radius * std::sin(angle));
  }
  if (i < count) out[i] = static_cast<float>(normal(gen));
}

}  // namespace swinpp::data
