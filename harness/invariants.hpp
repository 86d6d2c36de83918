#pragma once
// The safety invariants the harness checks on every run, whatever the scenario asserts.

#include <vector>

#include "harness/result.hpp"

namespace evhil::harness {

// Needs controller.setpoint, controller.limit, controller.enabled, charger.applied_current,
// charger.hard_limit and driver.commanded in the recording.
std::vector<ExpectationResult> check_invariants(const Recording& recording);

}  // namespace evhil::harness
