// The safety limiter on its own: the lowest of a charger's limits, Start/Stop, the minimum current, and circuits
// shared max-min fairly between chargers, active ones first.

#include <gtest/gtest.h>

#include "drivers/station/safety_limiter.hpp"

namespace evhil::station {
namespace {

LimiterInput charging(double request, std::string circuit = "") {
    LimiterInput in;
    in.request_a = request;
    in.enabled = true;
    in.vehicle_active = true;
    in.station_max_current_a = 32;
    in.limits.circuit = std::move(circuit);
    return in;
}

TEST(SafetyLimiter, TheLowestOwnLimitBindsAndSaysWhich) {
    SafetyLimiter limiter({});
    auto in = charging(20);
    in.limits.cable_max_current_a = 16;
    in.limits.configured_max_current_a = 25;
    in.limits.bench_cap_a = 18;
    auto out = limiter.apply({in});
    EXPECT_EQ(out[0].current_a, 16);
    EXPECT_EQ(out[0].bound, Bound::cable);
    in.station_max_current_a = 13;
    out = limiter.apply({in});
    EXPECT_EQ(out[0].current_a, 13);
    EXPECT_EQ(out[0].bound, Bound::station);
    in.limits.bench_cap_a = 10;
    EXPECT_EQ(limiter.apply({in})[0].bound, Bound::bench);
    in.request_a = 8;
    out = limiter.apply({in});
    EXPECT_EQ(out[0].current_a, 8);
    EXPECT_EQ(out[0].bound, Bound::request);
}

TEST(SafetyLimiter, TheUsersOwnMaximumCapsLikeAnyLimit) {
    SafetyLimiter limiter({});
    auto in = charging(20);
    in.user_max_current_a = 10;
    auto out = limiter.apply({in});
    EXPECT_EQ(out[0].current_a, 10);
    EXPECT_EQ(out[0].bound, Bound::user);
    EXPECT_STREQ(to_string(out[0].bound), "user");
    in.limits.cable_max_current_a = 8;  // a lower limit still wins
    EXPECT_EQ(limiter.apply({in})[0].bound, Bound::cable);
}

TEST(SafetyLimiter, DisabledIsZeroWhateverTheRequest) {
    SafetyLimiter limiter({});
    auto in = charging(16);
    in.enabled = false;
    auto out = limiter.apply({in});
    EXPECT_EQ(out[0].current_a, 0);
    EXPECT_EQ(out[0].bound, Bound::disabled);
}

TEST(SafetyLimiter, BelowTheMinimumPausesRatherThanOffersTooLittle) {
    SafetyLimiter limiter({});
    auto in = charging(16);
    in.limits.cable_max_current_a = 5;
    auto out = limiter.apply({in});
    EXPECT_EQ(out[0].current_a, 0);
    EXPECT_EQ(out[0].bound, Bound::below_minimum);
}

TEST(SafetyLimiter, TwoChargersShareACircuitFairly) {
    SafetyLimiter limiter({{"garage", 20, ""}});
    auto out = limiter.apply({charging(16, "garage"), charging(16, "garage")});
    EXPECT_EQ(out[0].current_a, 10);
    EXPECT_EQ(out[1].current_a, 10);
    EXPECT_EQ(out[0].bound, Bound::circuit);
    EXPECT_EQ(out[0].circuit, "garage");
}

TEST(SafetyLimiter, WhatOneDoesNotAskForTheOtherMayTake) {
    SafetyLimiter limiter({{"garage", 20, ""}});
    auto out = limiter.apply({charging(6, "garage"), charging(16, "garage")});
    EXPECT_EQ(out[0].current_a, 6);
    EXPECT_EQ(out[1].current_a, 14);
}

TEST(SafetyLimiter, AnIdleVehicleGetsOnlyWhatTheActiveOnesLeave) {
    SafetyLimiter limiter({{"garage", 20, ""}});
    auto full = charging(16, "garage");
    full.vehicle_active = false;  // state B: full, or waiting
    auto out = limiter.apply({full, charging(16, "garage")});
    EXPECT_EQ(out[1].current_a, 16);
    EXPECT_EQ(out[0].current_a, 0);  // 4 A left: below the minimum
    EXPECT_EQ(out[0].bound, Bound::below_minimum);
    auto both_idle = full;
    out = limiter.apply({full, both_idle});
    EXPECT_EQ(out[0].current_a, 10);  // both waiting: both get an offer so that both can start
    EXPECT_EQ(out[1].current_a, 10);
}

TEST(SafetyLimiter, ThreeChargersOnTooSmallACircuitGiveTwoAUsableCurrent) {
    SafetyLimiter limiter({{"garage", 16, ""}});
    auto out = limiter.apply({charging(16, "garage"), charging(16, "garage"), charging(16, "garage")});
    EXPECT_EQ(out[0].current_a, 8);
    EXPECT_EQ(out[1].current_a, 8);
    EXPECT_EQ(out[2].current_a, 0);
    EXPECT_EQ(out[2].bound, Bound::below_minimum);
}

TEST(SafetyLimiter, NestedCircuitsBindAtEveryLevel) {
    SafetyLimiter limiter({{"house", 25, ""}, {"garage", 20, "house"}});
    auto out = limiter.apply({charging(16, "garage"), charging(16, "garage"), charging(16, "house")});
    double garage = out[0].current_a + out[1].current_a;
    EXPECT_LE(garage, 20 + 1e-9);
    EXPECT_LE(garage + out[2].current_a, 25 + 1e-9);
    EXPECT_GE(out[2].current_a, 6);
}

TEST(SafetyLimiter, AnUnreachableChargerIsCountedAtWhatItMayStillDraw) {
    SafetyLimiter limiter({{"garage", 20, ""}});
    auto lost = charging(16, "garage");
    lost.reachable = false;
    lost.last_command_a = 10;
    lost.fallback_current_a = 6;
    auto out = limiter.apply({lost, charging(16, "garage")});
    EXPECT_EQ(out[1].current_a, 10);
    EXPECT_LE(out[0].current_a, 10);
}

// At start the connections come up in any order; the first one must not take the whole circuit.
TEST(SafetyLimiter, AChargerNotYetReachedKeepsItsShareOfTheCircuit) {
    SafetyLimiter limiter({{"garage", 20, ""}});
    auto pending = charging(16, "garage");
    pending.reachable = false;
    pending.never_reached = true;
    auto idle = charging(16, "garage");
    idle.vehicle_active = false;
    auto out = limiter.apply({pending, charging(16, "garage")});
    EXPECT_EQ(out[0].current_a, 10);
    EXPECT_EQ(out[1].current_a, 10);
    out = limiter.apply({pending, idle});  // it is served with the active ones, before an idle vehicle
    EXPECT_EQ(out[0].current_a, 16);
    EXPECT_EQ(out[1].bound, Bound::below_minimum);
}

TEST(SafetyLimiter, AnEmptySocketGetsOnlyWhatThePluggedInCarsLeave) {
    SafetyLimiter limiter({{"garage", 16, ""}});
    auto empty = charging(16, "garage");
    empty.vehicle_active = false;
    empty.vehicle_present = false;
    auto idle = charging(16, "garage");
    idle.vehicle_active = false;  // plugged in, full
    auto out = limiter.apply({empty, idle});
    EXPECT_EQ(out[1].current_a, 16);
    EXPECT_EQ(out[0].current_a, 0);
    EXPECT_EQ(out[0].bound, Bound::circuit);
    out = limiter.apply({empty, charging(10, "garage")});
    EXPECT_EQ(out[1].current_a, 10);
    EXPECT_EQ(out[0].current_a, 6);  // what is left, so a car plugged in there can start at once
}

TEST(SafetyLimiter, RefusesAnUnknownParentAndACycle) {
    EXPECT_THROW(SafetyLimiter({{"garage", 20, "nowhere"}}), std::invalid_argument);
    EXPECT_THROW(SafetyLimiter({{"a", 20, "b"}, {"b", 20, "a"}}), std::invalid_argument);
}

TEST(SafetyLimiter, DischargeIsLimitedByMagnitudeAndKeepsItsSign) {
    SafetyLimiter limiter({{"garage", 10, ""}});
    auto in = charging(-16, "garage");
    auto out = limiter.apply({in});
    EXPECT_EQ(out[0].current_a, -10);
}

}  // namespace
}  // namespace evhil::station
