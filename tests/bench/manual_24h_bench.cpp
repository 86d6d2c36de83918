// The 24 h manual scenario on the sim target, end to end (run and judge; loading is outside the loop). The target is
// no slower than before the station was introduced (about 170 ms per run on a 2-core machine, 500,000x real time).
// Reports simulated seconds per wall second.

#include "tests/bench/bench_main.hpp"

#include "harness/run/runner.hpp"
#include "harness/scenario/scenario.hpp"

namespace {

void BM_Manual24hSim(benchmark::State& state) {
    auto scenario = evhil::harness::load_scenario(EVHIL_SOURCE_DIR "/scenarios/alfen/manual-24h.yaml");
    evhil::harness::RunOptions options;
    options.seed = 1;
    std::string status;
    for (auto _ : state) {
        auto result = evhil::harness::run_scenario(scenario, options);
        status = result.status;
        benchmark::DoNotOptimize(result);
    }
    if (status != "passed") {
        evhil::bench::fail(state, "manual-24h did not pass");
    }
    double simulated = evhil::to_seconds(scenario.duration) * static_cast<double>(state.iterations());
    state.counters["x_real_time"] = benchmark::Counter(simulated, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Manual24hSim)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

EVHIL_BENCHMARK_MAIN()
