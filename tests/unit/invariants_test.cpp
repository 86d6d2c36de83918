// The runner's safety invariants fail when the station's limiter is bypassed: each is shown failing once, on a
// scenario that passes with the limiter in place. The invariants judge the commands against limits the harness
// knows by itself (the simulator's cable, the scenario's circuits), so the limiter cannot vouch for itself.

#include <gtest/gtest.h>

#include "harness/run/runner.hpp"

namespace evhil::harness {
namespace {

ScenarioResult run(const std::string& file, bool bypass) {
    auto scenario = load_scenario(std::string(EVHIL_SOURCE_DIR) + "/scenarios/" + file);
    RunOptions options;
    options.seed = 1;
    options.station.bypass_limiter_for_tests = bypass;
    return run_scenario(scenario, options);
}

const ExpectationResult* invariant(const ScenarioResult& result, const std::string& part) {
    for (const auto& e : result.expectations) {
        if (e.kind == "invariant" && e.description.find(part) != std::string::npos) {
            return &e;
        }
    }
    return nullptr;
}

TEST(Invariants, TheCableLimitInvariantFailsWithoutTheLimiter) {
    auto limited = run("station/cable-limit.yaml", false);
    auto bypassed = run("station/cable-limit.yaml", true);
    const auto* held = invariant(limited, "is never commanded above");
    const auto* broken = invariant(bypassed, "is never commanded above");
    ASSERT_NE(held, nullptr);
    ASSERT_NE(broken, nullptr);
    EXPECT_TRUE(held->passed) << held->detail;
    EXPECT_FALSE(broken->passed);
    EXPECT_NE(broken->detail.find("harness.limit = 13"), std::string::npos) << broken->detail;
}

TEST(Invariants, TheCircuitInvariantFailsWithoutTheLimiter) {
    auto limited = run("station/two-alfen-one-circuit.yaml", false);
    auto bypassed = run("station/two-alfen-one-circuit.yaml", true);
    const auto* held = invariant(limited, "circuit garage");
    const auto* broken = invariant(bypassed, "circuit garage");
    ASSERT_NE(held, nullptr);
    ASSERT_NE(broken, nullptr);
    EXPECT_TRUE(held->passed) << held->detail;
    EXPECT_FALSE(broken->passed);
    EXPECT_NE(broken->detail.find("summed to 32"), std::string::npos) << broken->detail;
}

TEST(Invariants, TheStoppedInvariantFailsWithoutTheLimiter) {
    auto limited = run("alfen/current-change.yaml", false);
    auto bypassed = run("alfen/current-change.yaml", true);
    const auto* held = invariant(limited, "while the user has charging stopped");
    const auto* broken = invariant(bypassed, "while the user has charging stopped");
    ASSERT_NE(held, nullptr);
    ASSERT_NE(broken, nullptr);
    EXPECT_TRUE(held->passed) << held->detail;
    EXPECT_FALSE(broken->passed) << broken->detail;
}

}  // namespace
}  // namespace evhil::harness
