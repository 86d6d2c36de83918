#include "harness/invariants.hpp"

#include <fmt/format.h>

#include <cmath>
#include <functional>

namespace evhil::harness {

std::vector<ExpectationResult> check_invariants(const Recording& recording) {
    struct Invariant {
        const char* description;
        std::function<bool(std::size_t)> holds;
        const char* signal;
    };
    auto series = [&](const char* name) -> const std::vector<double>& { return recording.find(name)->values; };
    const auto& setpoint = series("controller.setpoint");
    const auto& limit = series("controller.limit");
    const auto& applied = series("charger.applied_current");
    const auto& hard_limit = series("charger.hard_limit");
    const auto& enabled = series("controller.enabled");
    const auto& commanded = series("driver.commanded");
    constexpr double epsilon = 1e-3;
    std::vector<Invariant> invariants{
        {"invariant: the controller never asks for more than the lowest known limit",
         [&](std::size_t i) { return setpoint[i] <= limit[i] + epsilon; }, "controller.setpoint"},
        {"invariant: the station never applies more than its own and the cable's limit",
         [&](std::size_t i) { return std::isnan(applied[i]) || applied[i] <= hard_limit[i] + epsilon; },
         "charger.applied_current"},
        {"invariant: nothing but 0 A is commanded while the user has charging stopped",
         [&](std::size_t i) { return enabled[i] != 0.0 || std::isnan(commanded[i]) || commanded[i] == 0.0; },
         "driver.commanded"},
    };
    std::vector<ExpectationResult> results;
    for (const auto& invariant : invariants) {
        ExpectationResult result{invariant.description, "invariant", true, std::nullopt, "", 0};
        for (std::size_t i = 0; i < recording.times_s.size(); ++i) {
            if (!invariant.holds(i)) {
                result.passed = false;
                result.failed_at_s = recording.times_s[i];
                result.detail = fmt::format("{} was {} at t={}s", invariant.signal,
                                            recording.find(invariant.signal)->values[i], recording.times_s[i]);
                break;
            }
        }
        if (result.passed) {
            result.detail = fmt::format("held in {} samples", recording.times_s.size());
        }
        results.push_back(result);
    }
    return results;
}

}  // namespace evhil::harness
