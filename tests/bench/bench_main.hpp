#pragma once
// A benchmark main that fails (exit 1) when a benchmark reported an error, so the short ctest runs of the
// benchmarks catch breakage instead of printing an error and passing.

#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "drivers/core/clock.hpp"

namespace evhil::bench {

inline std::atomic<bool> failed{false};

inline void fail(benchmark::State& state, const char* message) {
    failed = true;
    state.SkipWithError(message);
}

// Spins (yielding) until `ready()` holds or `seconds` of wall time pass: for a benchmark thread waiting on work that
// executor threads carry out, where a sleep would add its own latency to the figure.
template <typename Ready>
bool wait_for(Ready ready, double seconds) {
    WallStopwatch wall;
    while (!ready()) {
        if (wall.elapsed_s() > seconds) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

}  // namespace evhil::bench

#define EVHIL_BENCHMARK_MAIN()                                    \
    int main(int argc, char** argv) {                             \
        benchmark::Initialize(&argc, argv);                       \
        if (benchmark::ReportUnrecognizedArguments(argc, argv)) { \
            return 2;                                             \
        }                                                         \
        benchmark::RunSpecifiedBenchmarks();                      \
        benchmark::Shutdown();                                    \
        return evhil::bench::failed ? 1 : 0;                      \
    }
