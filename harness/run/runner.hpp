#pragma once
// Runs scenarios: builds the site, one EV and one rig per charger, and the station (the same chargers, controller
// and safety limiter evchargerd runs) on one clock, plays the timeline, records every signal, then judges the
// expectations and the built-in safety invariants.
//
// sim runs on a virtual clock as fast as the CPU allows; wire and bench run on a real clock that starts at
// the scenario's start time, with real sockets, and also record the protocol trace of every device.

#include <cstdint>
#include <string>

#include "drivers/station/station.hpp"
#include "harness/recording/result.hpp"
#include "harness/run/operator_console.hpp"
#include "harness/scenario/bench_file.hpp"
#include "harness/scenario/scenario.hpp"

namespace evhil::harness {

struct RunOptions {
    std::string target = "sim";
    std::uint64_t seed = 0;
    const BenchFile* bench = nullptr;    // bench target: where the real devices are
    OperatorConsole* console = nullptr;  // bench target with --operator: prompts instead of skips
    station::StationOptions station;     // tests only: e.g. a bypassed limiter, to show the invariants fail
};

// Loads a scenario, checking its faults against the rig table.
Scenario load_scenario(const std::string& path);

// The seed one scenario runs with, derived from the run's seed and the scenario's name so that adding a
// scenario does not change the others.
std::uint64_t scenario_seed(std::uint64_t run_seed, const std::string& scenario_name);

// Checks what can only be checked with the rig built (signal names in expectations, bench devices); throws
// ConfigError.
void validate_scenario(const Scenario& scenario, const RunOptions& options);

ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace evhil::harness
