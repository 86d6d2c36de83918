#include <gtest/gtest.h>

#include "simulators/physics/control_pilot.hpp"
#include "simulators/physics/ev.hpp"
#include "simulators/physics/site.hpp"

namespace evhil::physics {
namespace {

using namespace std::chrono_literals;

TEST(ControlPilot, DutyCycleAndCurrentAreInverseOverTheIecRange) {
    EXPECT_DOUBLE_EQ(duty_cycle_for_current(6.0), 10.0);
    EXPECT_DOUBLE_EQ(duty_cycle_for_current(16.0), 16.0 / 0.6);
    EXPECT_DOUBLE_EQ(duty_cycle_for_current(5.9), 0.0);  // below 6 A there is no PWM
    for (double amps : {6.0, 10.0, 16.0, 32.0, 51.0, 63.0, 80.0}) {
        EXPECT_NEAR(current_for_duty_cycle(duty_cycle_for_current(amps)), amps, 1e-9) << amps;
    }
    EXPECT_EQ(current_for_duty_cycle(5.0), 0.0);
    EXPECT_EQ(mode3_state(PilotState::C, true), "C2");
    EXPECT_EQ(mode3_state(PilotState::B, false), "B1");
}

TEST(Ev, DrawsTheOfferedCurrentWithARampAndIntegratesSoc) {
    EvSettings settings;
    settings.capacity_kwh = 50;
    settings.initial_soc = 0.5;
    settings.ramp_a_per_s = 4;
    settings.efficiency = 1.0;
    Ev ev(settings);
    ev.plug_in();
    EXPECT_EQ(ev.pilot_state(), PilotState::B);
    ev.set_pilot(duty_cycle_for_current(16), 3);
    EXPECT_EQ(ev.pilot_state(), PilotState::C);
    ev.step(1s, 230);
    EXPECT_DOUBLE_EQ(ev.current_a(), 4.0);  // ramping
    for (int i = 0; i < 10; ++i) {
        ev.step(1s, 230);
    }
    EXPECT_DOUBLE_EQ(ev.current_a(), 16.0);
    double before = ev.energy_received_kwh();
    for (int i = 0; i < 3600; ++i) {
        ev.step(1s, 230);
    }
    EXPECT_NEAR(ev.energy_received_kwh() - before, 16 * 3 * 230 / 1000.0, 1e-6);
    EXPECT_NEAR(ev.soc(), 0.5 + ev.energy_received_kwh() / 50.0, 1e-9);
}

TEST(Ev, OnePhaseCarOnAThreePhaseStationAndTaperToFull) {
    EvSettings settings;
    settings.phases = 1;
    settings.initial_soc = 0.9;
    settings.taper_start_soc = 0.8;
    settings.max_current_a = 32;
    settings.capacity_kwh = 10;
    Ev ev(settings);
    ev.plug_in();
    ev.set_pilot(duty_cycle_for_current(32), 3);
    EXPECT_EQ(ev.active_phases(), 1);
    EXPECT_NEAR(ev.acceptance_limit_a(), 32 + (2 - 32) * 0.5, 1e-9);  // half way through the taper
    for (int i = 0; i < 6 * 3600 && !ev.full(); ++i) {
        ev.step(1s, 230);
    }
    EXPECT_TRUE(ev.full());
    EXPECT_EQ(ev.current_a(), 0.0);
    EXPECT_EQ(ev.pilot_state(), PilotState::B);  // full: the car stops asking
}

TEST(Ev, ASlowCarClosesS2OnlyAfterItsStartDelayOfUnbrokenOffer) {
    EvSettings settings;
    settings.start_delay = 5s;
    Ev ev(settings);
    ev.plug_in();
    ev.set_pilot(duty_cycle_for_current(10), 3);
    for (int i = 0; i < 4; ++i) {
        ev.step(1s, 230);
    }
    EXPECT_EQ(ev.pilot_state(), PilotState::B);
    EXPECT_EQ(ev.current_a(), 0.0);
    ev.set_pilot(0, 3);  // the offer is withdrawn: waking up starts again
    ev.step(1s, 230);
    ev.set_pilot(duty_cycle_for_current(10), 3);
    for (int i = 0; i < 4; ++i) {
        ev.step(1s, 230);
    }
    EXPECT_EQ(ev.pilot_state(), PilotState::B);
    ev.step(1s, 230);
    EXPECT_EQ(ev.pilot_state(), PilotState::C);
    EXPECT_GT(ev.current_a(), 0.0);
}

TEST(Ev, NoPwmNoCurrent) {
    Ev ev(EvSettings{});
    ev.plug_in();
    ev.set_pilot(0.0, 3);
    ev.step(10s, 230);
    EXPECT_EQ(ev.current_a(), 0.0);
    EXPECT_EQ(ev.pilot_state(), PilotState::B);
    ev.unplug();
    EXPECT_EQ(ev.pilot_state(), PilotState::A);
}

TimePoint at_hour(double hour) {
    return TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 6 / 21)) + from_seconds(hour * 3600);
}

TEST(Site, ClearSkyPeaksAtSolarNoonAndIsZeroAtNight) {
    PvSettings pv;
    pv.peak_w = 5000;
    pv.sunrise_hour = 6;
    pv.sunset_hour = 20;
    PvModel model(pv, Rng(1));
    EXPECT_EQ(model.power_w(at_hour(3)), 0.0);
    EXPECT_NEAR(model.power_w(at_hour(13)), 5000.0, 1e-6);
    EXPECT_LT(model.power_w(at_hour(8)), 5000.0);
    EXPECT_GT(model.power_w(at_hour(8)), 0.0);
    EXPECT_EQ(model.power_w(at_hour(21)), 0.0);
}

TEST(Site, CloudsAreSeededAndOnlyDim) {
    PvSettings pv;
    pv.peak_w = 5000;
    pv.clouds = true;
    pv.clouds_per_hour = 6;
    auto series = [&](std::uint64_t seed) {
        PvModel model(pv, Rng(seed));
        std::vector<double> values;
        for (int minute = 6 * 60; minute < 20 * 60; ++minute) {
            values.push_back(model.power_w(at_hour(minute / 60.0)));
        }
        return values;
    };
    auto a = series(11);
    EXPECT_EQ(a, series(11));
    EXPECT_NE(a, series(12));
    PvModel clear(PvSettings{.peak_w = 5000}, Rng(0));
    int dimmed = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        double sky = clear.clear_sky_w(at_hour((6 * 60 + static_cast<double>(i)) / 60.0));
        EXPECT_LE(a[i], sky + 1e-9);
        dimmed += a[i] < sky - 1.0 ? 1 : 0;
    }
    EXPECT_GT(dimmed, 10);
}

TEST(Site, GridBalancesHouseEvAndPv) {
    PvSettings pv;
    pv.peak_w = 4000;
    HouseSettings house;
    house.base_w = 500;
    Site site(pv, house, Rng(1));
    auto sample = site.sample(at_hour(13), 2000);
    EXPECT_NEAR(sample.grid_w, 500 + 2000 - 4000, 1e-6);
    site.house().set_override(3000);
    EXPECT_NEAR(site.sample(at_hour(13), 0).grid_w, -1000, 1e-6);
}

}  // namespace
}  // namespace evhil::physics
