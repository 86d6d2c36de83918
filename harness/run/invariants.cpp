#include "harness/run/invariants.hpp"

#include <fmt/format.h>

#include <cmath>
#include <functional>

namespace evhil::harness {
namespace {

constexpr double epsilon = 1e-3;

// A NaN command means "nothing commanded yet", which breaks no limit.
double commanded_or_zero(double value) {
    return std::isnan(value) ? 0.0 : std::abs(value);
}

ExpectationResult check(const Recording& recording, const std::string& description,
                        const std::function<std::optional<std::string>(std::size_t)>& broken_at) {
    ExpectationResult result{description, "invariant", true, std::nullopt, "", 0};
    for (std::size_t i = 0; i < recording.times_s.size(); ++i) {
        if (auto detail = broken_at(i)) {
            result.passed = false;
            result.failed_at_s = recording.times_s[i];
            result.detail = fmt::format("{} at t={}s", *detail, recording.times_s[i]);
            return result;
        }
    }
    result.detail = fmt::format("held in {} samples", recording.times_s.size());
    return result;
}

const std::vector<double>& series(const Recording& recording, const std::string& name) {
    const auto* found = recording.find(name);
    if (found == nullptr) {
        throw std::logic_error("invariant signal '" + name + "' was not recorded");
    }
    return found->values;
}

}  // namespace

std::vector<ExpectationResult> check_invariants(const Recording& recording, const InvariantPlan& plan) {
    std::vector<ExpectationResult> results;
    const auto& enabled = series(recording, plan.enabled);
    for (const auto& charger : plan.chargers) {
        const auto& commanded = series(recording, charger.commanded);
        const auto& limit = series(recording, charger.limit);
        results.push_back(check(
            recording, fmt::format("invariant: {} is never commanded above {}", charger.commanded, charger.limit),
            [&](std::size_t i) -> std::optional<std::string> {
                if (commanded_or_zero(commanded[i]) <= limit[i] + epsilon) {
                    return std::nullopt;
                }
                return fmt::format("{} was {} with {} = {}", charger.commanded, commanded[i], charger.limit, limit[i]);
            }));
        results.push_back(
            check(recording, fmt::format("invariant: {} is 0 A while the user has charging stopped", charger.commanded),
                  [&](std::size_t i) -> std::optional<std::string> {
                      if (enabled[i] != 0.0 || commanded_or_zero(commanded[i]) <= epsilon) {
                          return std::nullopt;
                      }
                      return fmt::format("{} was {} while stopped", charger.commanded, commanded[i]);
                  }));
    }
    for (const auto& circuit : plan.circuits) {
        std::vector<const std::vector<double>*> members;
        for (const auto& name : circuit.commanded) {
            members.push_back(&series(recording, name));
        }
        results.push_back(
            check(recording,
                  fmt::format("invariant: the chargers on circuit {} are never commanded above its {} A in sum",
                              circuit.name, circuit.max_current_a),
                  [&](std::size_t i) -> std::optional<std::string> {
                      double sum = 0;
                      for (const auto* member : members) {
                          sum += commanded_or_zero((*member)[i]);
                      }
                      if (sum <= circuit.max_current_a + epsilon) {
                          return std::nullopt;
                      }
                      return fmt::format("the commands on circuit {} summed to {} A", circuit.name, sum);
                  }));
    }
    return results;
}

}  // namespace evhil::harness
