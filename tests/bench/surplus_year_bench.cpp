// A commuter's year of solar surplus charging (tests/bench/surplus-year.yaml) on the sim target, end to end: load,
// run and judge, as `evhil run` does it. Target: under 30 s of wall time for the year. Reports the year's totals:
// energy charged, its solar share, grid import, home battery discharge, Auto's starts and phase switches.
// EVHIL_YEAR_DAYS shortens the run (ctest runs a week, so that it cannot rot).

#include <cstdlib>
#include <string>

#include "tests/bench/bench_main.hpp"

#include "harness/run/runner.hpp"
#include "harness/scenario/scenario.hpp"

namespace {

double final_value(const evhil::harness::ScenarioResult& result, const std::string& signal) {
    const auto* series = result.recording.find(signal);
    return series == nullptr || series->values.empty() ? 0.0 : series->values.back();
}

void BM_SurplusYear(benchmark::State& state) {
    evhil::harness::ScenarioResult result;
    evhil::WallStopwatch wall;
    for (auto _ : state) {
        auto scenario = evhil::harness::load_scenario(EVHIL_SOURCE_DIR "/tests/bench/surplus-year.yaml");
        if (const char* days = std::getenv("EVHIL_YEAR_DAYS")) {
            scenario.duration = std::chrono::days(std::atoi(days));
            scenario.expectations.clear();  // the year's totals do not hold for a week
        }
        evhil::harness::RunOptions options;
        options.seed = 1;
        result = evhil::harness::run_scenario(scenario, options);
    }
    if (result.status != "passed") {
        evhil::bench::fail(state, "surplus-year did not pass");
        return;
    }
    const double ev = final_value(result, "gx.energy.ev");
    state.counters["wall_s_per_run"] = wall.elapsed_s() / static_cast<double>(state.iterations());
    state.counters["ev_kwh"] = final_value(result, "garage.ev.energy_received");
    state.counters["solar_share"] = ev > 0 ? final_value(result, "gx.energy.ev_solar") / ev : 0.0;
    state.counters["grid_import_kwh"] = final_value(result, "gx.energy.grid_import");
    state.counters["grid_export_kwh"] = final_value(result, "gx.energy.grid_export");
    state.counters["battery_discharge_kwh"] = final_value(result, "gx.energy.battery_discharge");
    state.counters["pv_kwh"] = final_value(result, "gx.energy.pv");
    state.counters["starts"] = final_value(result, "garage.controller.starts");
    state.counters["phase_switches_last_session"] = final_value(result, "garage.controller.phase_switches");
}
BENCHMARK(BM_SurplusYear)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

EVHIL_BENCHMARK_MAIN()
