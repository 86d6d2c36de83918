#pragma once
// Judges expectations against a finished recording.

#include <map>
#include <string>

#include "harness/recorder.hpp"
#include "harness/result.hpp"
#include "harness/scenario.hpp"

namespace evhil::harness {

// The index of each timeline action id in event times (seconds since start).
using EventTimes = std::map<std::string, double>;

ExpectationResult judge(const Expectation& expectation, const Recorder& recorder, const EventTimes& events,
                        double end_s);

// A right-hand side resolved to a series: a constant, another signal, or a state label.
// Throws ConfigError at the expectation when a name does not resolve.
void check_names(const Expectation& expectation, const Recorder& recorder);

}  // namespace evhil::harness
