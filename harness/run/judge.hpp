#pragma once
// Judges expectations against a finished recording.

#include <map>
#include <string>

#include "harness/recording/recorder.hpp"
#include "harness/recording/result.hpp"
#include "harness/scenario/scenario.hpp"

namespace evhil::harness {

// The index of each timeline action id in event times (seconds since start).
using EventTimes = std::map<std::string, double>;

// `slack_s` is the scenario's timing tolerance for the target (0 on sim): deadlines move later by it and
// the edges of `always` / `never` windows move inwards by it, so real-time jitter cannot fail a run.
ExpectationResult judge(const Expectation& expectation, const Recorder& recorder, const EventTimes& events,
                        double end_s, double slack_s = 0.0);

// A right-hand side resolved to a series: a constant, another signal, or a state label.
// Throws ConfigError at the expectation when a name does not resolve.
void check_names(const Expectation& expectation, const Recorder& recorder);

}  // namespace evhil::harness
