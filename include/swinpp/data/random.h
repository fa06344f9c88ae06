#pragma once

#include <cstdint>
#include <random>

namespace swinpp::data {

/// The generator every random choice of the data pipeline draws from.
using Generator = std::mt19937_64;

/// Independent streams of one sample: the image transform and the per-sample
/// extra tensor (e.g. a SimMIM mask) never share draws.
enum class SampleStream : uint64_t { kTransform = 0, kExtra = 1 };

/// One step of SplitMix64: advances `state` and returns a well-mixed value.
uint64_t splitmix64(uint64_t& state);

/// A seed that depends on each of a, b, c, d and on their order (chained SplitMix64).
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0);

/// The generator of sample `index` in `epoch`: a function of its arguments only,
/// so a sample is the same whatever thread, batch or rank produces it.
Generator sample_generator(uint64_t seed, int64_t epoch, int64_t index,
                           SampleStream stream = SampleStream::kTransform);

/// Uniform double in [0, 1) from the top 53 bits of one draw.
double uniform01(Generator& gen);

/// Uniform double in [lo, hi).
double uniform(Generator& gen, double lo, double hi);

/// Uniform integer in [lo, hi], both ends included (Python's random.randint).
int64_t uniform_int(Generator& gen, int64_t lo, int64_t hi);

/// True with probability p.
bool bernoulli(Generator& gen, double p);

/// Normal deviate (Box-Muller on two uniform draws).
double normal(Generator& gen, double mean = 0.0, double stddev = 1.0);

/// Gamma(shape, 1) deviate (Marsaglia-Tsang; shape < 1 via the U^(1/shape) boost).
double gamma_deviate(Generator& gen, double shape);

/// Beta(a, b) deviate as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
double beta_deviate(Generator& gen, double a, double b);

/// Fills `out[0..count)` with standard normal deviates (both Box-Muller outputs used).
void fill_normal(Generator& gen, float* out, int64_t count);

}  // namespace swinpp::data
