#pragma once
// The safety invariants the runner checks on every run, whatever the scenario asserts. They compare what the
// station commanded with limits the harness knows on its own — the simulator's cable and station maximum, a
// bench's cap, the scenario's circuits — never with the limiter's own view, so a station that skipped or
// mis-applied its limiter fails them.

#include <string>
#include <vector>

#include "harness/recording/result.hpp"

namespace evhil::harness {

struct InvariantPlan {
    struct Charger {
        std::string commanded;  // the signal of what the driver was told (A)
        std::string limit;      // the signal of the independent limit (A)
    };
    struct Circuit {
        std::string name;
        double max_current_a = 0;
        std::vector<std::string> commanded;  // every charger on it or below it
    };
    std::string enabled;  // the user's Start/Stop
    std::vector<Charger> chargers;
    std::vector<Circuit> circuits;
};

std::vector<ExpectationResult> check_invariants(const Recording& recording, const InvariantPlan& plan);

}  // namespace evhil::harness
