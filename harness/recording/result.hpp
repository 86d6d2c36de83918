#pragma once
// What a scenario run produces: the recorded signals, the verdict of every expectation and the driver's
// counters. The report writers turn a RunResult into results.json, junit.xml and index.html.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "harness/traces/baseline.hpp"
#include "harness/traces/protocol_trace.hpp"

namespace evhil::harness {

struct SignalSeries {
    std::string name;            // "charger.applied_current"
    std::string unit;            // "A", "W", "%", "" for states and counters
    std::vector<double> values;  // one per Recording::times_s entry; NaN where the value is absent
};

struct Recording {
    std::vector<double> times_s;  // seconds since the scenario started, increasing
    std::vector<SignalSeries> signals;

    const SignalSeries* find(const std::string& name) const {
        for (const auto& signal : signals) {
            if (signal.name == name) {
                return &signal;
            }
        }
        return nullptr;
    }
};

struct ExpectationResult {
    std::string
        description;   // the expectation as written, e.g. "within 2s after user-sets-10: charger.applied_current == 10"
    std::string kind;  // eventually | within | always | never | invariant
    bool passed = false;
    std::optional<double> failed_at_s;  // when it was violated (always/never) or when its window closed
    std::string detail;                 // what was seen, e.g. "value 16 at t=3605s"
    int line = 0;                       // line in the scenario file, 0 for built-in invariants
    bool skipped = false;               // not judged: its signal cannot be observed on this target (bench)
};

struct TimelineEvent {
    double time_s = 0;
    std::string text;  // "plug_in", "fault link_down on", ...
};

// The protocol of a wire run compared with its committed baseline.
struct BaselineComparison {
    std::string path;
    std::string status;  // matched | differs | missing | updated
    std::vector<DiffRow> rows;
};

struct ScenarioResult {
    std::string name;
    std::string file;
    std::string status;   // passed | failed | skipped | error
    std::string message;  // why skipped or errored; empty otherwise
    std::uint64_t seed = 0;
    TimePoint start{};  // the scenario's start: the recording's times count from it, the report's months from that
    double simulated_s = 0;
    double wall_s = 0;  // not written to results.json, which must be identical for a seed
    std::vector<ExpectationResult> expectations;
    std::map<std::string, double> metrics;  // final driver counters and measured figures
    std::vector<TimelineEvent> events;
    // Timeline actions the target could not perform: skipped (no --operator) or not confirmed in time.
    std::vector<std::string> skipped_actions;
    Recording recording;
    std::vector<ProtocolTrace> traces;  // wire and bench: one per device
    std::vector<BaselineComparison> baselines;
};

struct RunResult {
    std::uint64_t seed = 0;
    std::string target;  // sim | wire | bench
    std::vector<ScenarioResult> scenarios;

    bool all_passed() const {
        for (const auto& scenario : scenarios) {
            if (scenario.status == "failed" || scenario.status == "error") {
                return false;
            }
        }
        return true;
    }
};

}  // namespace evhil::harness
