// The Alfen driver against the Alfen simulator through the in-process Modbus adapter, on virtual time.

#include <gtest/gtest.h>

#include "drivers/chargers/alfen/alfen_driver.hpp"
#include "drivers/transport/modbus/in_process.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"

namespace evhil::alfen {
namespace {

using namespace std::chrono_literals;
using chargers::DriverState;

struct DriverFixture : ::testing::Test {
    DriverFixture()
        : clock(TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 6 / 21))),
          executor(clock),
          ev(physics::EvSettings{}),
          station(sim::alfen::AlfenStationSettings{}, clock, &ev),
          server(station, clock, "alfen"),
          port(executor, server),
          driver(executor, port, AlfenDriverSettings{}, Rng(7)) {
        station.set_on_reboot([this] { server.drop_all_connections(); });
        executor.schedule_every(1s, [this] {
            station.step(1s);
            server.expire_idle();
        });
    }

    VirtualClock clock;
    Executor executor;
    physics::Ev ev;
    sim::alfen::AlfenStation station;
    modbus::InProcessServer server;
    modbus::InProcessClient port;
    AlfenDriver driver;
};

TEST_F(DriverFixture, ConnectsReadsIdentificationAndPolls) {
    driver.start();
    executor.run_for(10s);
    EXPECT_EQ(driver.health().state, DriverState::running);
    EXPECT_TRUE(driver.status().valid);
    EXPECT_EQ(driver.alfen().mode3_state, "A");
    EXPECT_FALSE(driver.status().firmware.empty());
    EXPECT_FLOAT_EQ(driver.status().station_max_current_a, 32.0F);
    EXPECT_GE(driver.health().counters.polls, 10U);
    EXPECT_EQ(driver.health().counters.errors, 0U);
}

TEST_F(DriverFixture, SetCurrentIsWrittenAtOnceAndVerified) {
    ev.plug_in();
    driver.start();
    executor.run_for(2s);
    driver.set_current(10.0);
    executor.run_for(Duration{0});
    EXPECT_NEAR(station.setpoint_a(), 10.0, 1e-6);  // written at once, not at the next poll
    executor.run_for(1s);
    EXPECT_NEAR(driver.status().applied_current_a, 10.0, 1e-6);
    EXPECT_EQ(driver.health().counters.verified_writes, 1U);
    executor.run_for(10s);
    EXPECT_NEAR(ev.current_a(), 10.0, 0.01);
    EXPECT_TRUE(driver.status().charging);
}

TEST_F(DriverFixture, PhasesAreSwitchedThrough1215OnlyWhenAskedFor) {
    ev.plug_in();
    driver.start();
    executor.run_for(2s);
    driver.command({10.0, 0});  // 0 leaves the phases alone
    executor.run_for(2s);
    EXPECT_EQ(station.phase_mode(0), 3);
    driver.command({10.0, 1});
    executor.run_for(Duration{0});
    EXPECT_EQ(station.phase_mode(0), 1);  // written at once
    executor.run_for(2s);
    EXPECT_EQ(driver.status().phase_count, 1);
    EXPECT_EQ(driver.commanded()->phases, 1);
    driver.command({10.0, 3});
    executor.run_for(2s);
    EXPECT_EQ(driver.status().phase_count, 3);
}

TEST(AlfenDriverPhases, AStationThatIgnores1215IsWrittenOnceNotEveryPoll) {
    VirtualClock clock(TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 6 / 21)));
    Executor executor(clock);
    sim::alfen::AlfenStationSettings settings;
    settings.allow_1p3p = false;
    sim::alfen::AlfenStation station(settings, clock, nullptr);
    modbus::InProcessServer server(station, clock, "alfen");
    modbus::InProcessClient port(executor, server);
    AlfenDriver driver(executor, port, AlfenDriverSettings{}, Rng(7));
    executor.schedule_every(1s, [&] { station.step(1s); });
    driver.start();
    executor.run_for(2s);
    auto before = station.writes_accepted();
    driver.command({0.0, 1});
    executor.run_for(20s);
    EXPECT_EQ(station.phase_mode(0), 3);
    // The 0 A setpoint (once, plus its keep-alives) and one phase write, not one per poll.
    EXPECT_LE(station.writes_accepted() - before, 4U);
    EXPECT_EQ(driver.status().phase_count, 3);
}

TEST_F(DriverFixture, RewritesWellInsideTheValidityTime) {
    driver.start();
    driver.set_current(16.0);
    double lowest = 1e9;
    executor.schedule_every(1s,
                            [&] { lowest = std::min(lowest, static_cast<double>(station.validity_remaining_s())); });
    executor.run_for(10min);
    EXPECT_GE(lowest, 60.0 - 25.0 - 1.0);
    EXPECT_NEAR(station.applied_current_a(), 16.0, 1e-6);
    EXPECT_GE(driver.health().counters.writes, 600U / 25U);
}

TEST_F(DriverFixture, PausingWritesZero) {
    ev.plug_in();
    driver.start();
    driver.set_current(16.0);
    executor.run_for(30s);
    driver.set_current(0.0);
    executor.run_for(5s);
    EXPECT_EQ(station.setpoint_a(), 0.0);
    EXPECT_EQ(station.applied_current_a(), 0.0);
    EXPECT_EQ(ev.current_a(), 0.0);
}

TEST_F(DriverFixture, ReconnectsWithBackoffAndResendsTheSetpoint) {
    driver.start();
    driver.set_current(16.0);
    executor.run_for(1min);
    server.faults().link_down = true;
    executor.run_for(2min);
    EXPECT_EQ(driver.health().state, DriverState::backing_off);
    // The setpoint expired during the outage: the station is on its safe current.
    EXPECT_EQ(station.applied_current_a(), station.safe_current_a());
    auto failures = driver.health().counters.connect_failures;
    EXPECT_GE(failures, 3U);  // 1, 2, 4, 8, 16, 30 s back-off: about 6 attempts in 2 minutes, not 120
    EXPECT_LE(failures, 8U);
    server.faults().link_down = false;
    executor.run_for(40s);
    EXPECT_EQ(driver.health().state, DriverState::running);
    EXPECT_EQ(driver.health().counters.reconnects, 1U);
    EXPECT_NEAR(station.applied_current_a(), 16.0, 1e-6);
    EXPECT_TRUE(station.setpoint_accounted());
}

TEST_F(DriverFixture, AHangTimesOutAfterTheResponseTimeOnTheVirtualClock) {
    driver.start();
    executor.run_for(5s);
    server.faults().hang = true;  // the next poll's first request, at 6 s, waits for an answer until 8 s
    executor.run_for(2900ms);
    EXPECT_EQ(driver.health().state, DriverState::running);  // the request is still waiting for its answer
    EXPECT_EQ(driver.health().counters.timeouts, 0U);
    executor.run_for(200ms);
    EXPECT_EQ(driver.health().state, DriverState::backing_off);
    EXPECT_EQ(driver.health().counters.timeouts, 1U);
    EXPECT_GE(driver.health().counters.polls_skipped, 1U);  // ticks while the poll waited were not doubled
    server.faults().hang = false;
    executor.run_for(5s);
    EXPECT_EQ(driver.health().state, DriverState::running);
}

TEST_F(DriverFixture, RepeatedExceptionsLeadToAReconnect) {
    driver.start();
    executor.run_for(5s);
    server.faults().exception = modbus::ExceptionCode::server_device_busy;
    executor.run_for(2s);
    EXPECT_EQ(driver.health().state, DriverState::running);  // two exceptions in a row: not yet
    executor.run_for(1s);
    EXPECT_EQ(driver.health().state, DriverState::backing_off);
    EXPECT_GE(driver.health().counters.exceptions, 3U);
    server.faults().exception.reset();
    executor.run_for(5s);
    EXPECT_EQ(driver.health().state, DriverState::running);
}

TEST_F(DriverFixture, RewritesAtOnceAfterAStationReboot) {
    driver.start();
    driver.set_current(16.0);
    executor.run_for(1min);
    station.reboot();
    executor.run_for(5s);
    EXPECT_EQ(driver.health().state, DriverState::running);
    EXPECT_NEAR(station.setpoint_a(), 16.0, 1e-6);
    EXPECT_TRUE(station.setpoint_accounted());
}

TEST_F(DriverFixture, SessionEnergyAndDurationFollowThePlugInSession) {
    driver.start();
    driver.set_current(16.0);
    executor.run_for(1min);
    ev.plug_in();
    executor.run_for(1h);
    ev.unplug();
    executor.run_for(5s);
    const auto& session = driver.session();
    EXPECT_FALSE(session.active);
    EXPECT_EQ(session.completed, 1U);
    // 16 A x 3 phases x 230 V for an hour, less the first seconds of ramp.
    EXPECT_NEAR(session.last_energy_wh, 16 * 3 * 230.0, 50.0);
    EXPECT_NEAR(session.last_energy_wh / 1000.0, ev.energy_received_kwh(), 0.02);
    EXPECT_NEAR(session.last_duration_s, 3600.0, 2.0);
}

}  // namespace
}  // namespace evhil::alfen
