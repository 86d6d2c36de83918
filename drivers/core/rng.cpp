#include "drivers/core/rng.hpp"

#include <cmath>

namespace evhil {

std::uint64_t stable_hash(std::string_view text, std::uint64_t basis) {
    std::uint64_t hash = basis;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

Rng Rng::fork(std::string_view stream) const {
    return Rng(stable_hash(stream, seed_ ^ 0x9E3779B97F4A7C15ULL));
}

std::int64_t Rng::uniform_int(std::int64_t low, std::int64_t high) {
    auto span = static_cast<std::uint64_t>(high - low) + 1;
    if (span == 0) {
        return static_cast<std::int64_t>(engine_());
    }
    return low + static_cast<std::int64_t>(engine_() % span);
}

double Rng::normal(double mean, double stddev) {
    // Box-Muller; 1 - uniform() keeps the logarithm's argument in (0, 1].
    double u1 = 1.0 - uniform();
    double u2 = uniform();
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double Rng::exponential(double mean) {
    return -mean * std::log(1.0 - uniform());
}

}  // namespace evhil
