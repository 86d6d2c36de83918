#pragma once
// One seeded random generator per run. Whoever needs randomness gets a stream forked from it by name, so
// adding a consumer does not shift the numbers another consumer sees, and the same seed reproduces a run.
// The distributions are written here (not std::uniform_real_distribution) because the standard leaves their
// algorithms to the library, and results.json must be byte-identical for a seed.

#include <cstdint>
#include <random>
#include <string_view>

namespace evhil {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : seed_(seed), engine_(seed) {}

    std::uint64_t seed() const { return seed_; }
    // An independent stream derived from this seed and a name.
    Rng fork(std::string_view stream) const;

    std::uint64_t next_u64() { return engine_(); }
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    double uniform(double low, double high) { return low + (high - low) * uniform(); }
    // Uniform integer in [low, high].
    std::int64_t uniform_int(std::int64_t low, std::int64_t high);
    bool chance(double probability) { return uniform() < probability; }
    double normal(double mean, double stddev);
    double exponential(double mean);

private:
    std::uint64_t seed_;
    std::mt19937_64 engine_;
};

// FNV-1a, stable across platforms; used to derive seeds from names.
std::uint64_t stable_hash(std::string_view text, std::uint64_t basis = 14695981039346656037ULL);

}  // namespace evhil
