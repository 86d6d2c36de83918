// The Alfen driver against the Alfen simulator over real Modbus TCP on loopback: the driver's asynchronous
// Boost.Asio client and the simulator's Boost.Asio server on one executor and one thread, on the real clock, as
// in the wire target and evchargerd against `evhil sim alfen`.

#include <gtest/gtest.h>
#include <netdb.h>

#include "drivers/chargers/alfen/alfen_driver.hpp"
#include "drivers/transport/modbus/tcp_client.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"

namespace evhil::alfen {
namespace {

using namespace std::chrono_literals;
using chargers::DriverState;

struct DriverOverTcp : ::testing::Test {
    DriverOverTcp()
        : executor(clock),
          station({}, clock, &ev),
          server(executor, station, "127.0.0.1", 0),
          client(executor, {"127.0.0.1", start_server(), 1s, 1s}),
          driver(executor, client, settings(), Rng(3)) {
        executor.schedule_every(100ms, [this] { station.step(100ms); });
    }

    std::uint16_t start_server() {
        ev.plug_in();
        server.start();
        return server.port();
    }
    static AlfenDriverSettings settings() {
        AlfenDriverSettings s;
        s.supervisor.poll_interval = 100ms;
        s.supervisor.backoff.initial = 50ms;
        s.supervisor.backoff.maximum = 200ms;
        return s;
    }
    // Runs the executor until the predicate holds or the limit passes.
    bool run_until(const std::function<bool()>& done, Duration limit = 5s) {
        auto end = clock.now() + limit;
        while (clock.now() < end) {
            executor.run_for(20ms);
            if (done()) {
                return true;
            }
        }
        return false;
    }

    RealClock clock;
    Executor executor;
    physics::Ev ev{physics::EvSettings{}};
    sim::alfen::AlfenStation station;
    modbus::TcpServer server;
    modbus::TcpClient client;
    AlfenDriver driver;
};

TEST_F(DriverOverTcp, PollsAndSetsTheCurrentOverRealTcp) {
    driver.start();
    ASSERT_TRUE(run_until([&] { return driver.health().state == DriverState::running && driver.status().valid; }));
    EXPECT_EQ(driver.alfen().mode3_state.substr(0, 1), "B");
    EXPECT_EQ(driver.status().vehicle, chargers::VehicleState::B);
    driver.set_current(13.0);
    ASSERT_TRUE(run_until([&] { return std::abs(driver.status().applied_current_a - 13.0) < 1e-3; }));
    EXPECT_NEAR(station.setpoint_a(), 13.0, 1e-6);
    const auto& counters = driver.health().counters;
    EXPECT_EQ(counters.errors, 0U);
    EXPECT_GE(counters.verified_writes, 1U);
    EXPECT_GT(counters.max_latency_s, 0.0);
    EXPECT_LT(counters.mean_latency_s(), 0.1);
}

TEST_F(DriverOverTcp, ReconnectsAfterTheServerClosesTheConnectionAndResends) {
    driver.set_current(12.0);
    driver.start();
    ASSERT_TRUE(run_until([&] { return driver.status().valid; }));
    auto writes_before = station.writes_accepted();
    server.close_all_connections();
    ASSERT_TRUE(run_until(
        [&] { return driver.health().counters.reconnects >= 1 && driver.health().state == DriverState::running; }));
    ASSERT_TRUE(run_until([&] { return station.writes_accepted() > writes_before; }));
    EXPECT_NEAR(station.setpoint_a(), 12.0, 1e-6);
}

TEST_F(DriverOverTcp, AHungStationTimesOutAfterTheResponseTimeAndTheDriverReconnects) {
    driver.start();
    ASSERT_TRUE(run_until([&] { return driver.status().valid; }));
    server.faults().hang = true;
    WallStopwatch hung;
    ASSERT_TRUE(run_until([&] { return driver.health().state == DriverState::backing_off; }));
    EXPECT_GE(hung.elapsed_s(), 0.9);  // the 1 s response timeout, not at once
    EXPECT_GE(driver.health().counters.timeouts, 1U);
    server.faults().hang = false;
    ASSERT_TRUE(run_until([&] { return driver.health().state == DriverState::running; }));
}

TEST_F(DriverOverTcp, BacksOffWhileNothingListens) {
    modbus::TcpClient nowhere(executor, {"127.0.0.1", 1, 200ms, 200ms});  // port 1: nothing listens there
    AlfenDriver lonely(executor, nowhere, settings(), Rng(5));
    lonely.start();
    run_until([] { return false; }, 1s);
    EXPECT_NE(lonely.health().state, DriverState::running);
    EXPECT_GE(lonely.health().counters.connect_failures, 3U);
    EXPECT_LE(lonely.health().counters.connect_failures, 12U);  // back-off, not a busy loop
}

// Whether the machine resolves "localhost" at all: a minimal root (debootstrap) has no /etc/hosts, and glibc has no
// built-in name for it. Asked synchronously here, in the test, not on the executor.
bool localhost_resolves() {
    addrinfo* found = nullptr;
    bool ok = getaddrinfo("localhost", nullptr, nullptr, &found) == 0;
    if (found != nullptr) {
        freeaddrinfo(found);
    }
    return ok;
}

TEST_F(DriverOverTcp, AHostNameIsResolvedWithoutBlockingTheExecutor) {
    if (!localhost_resolves()) {
        GTEST_SKIP() << "this machine does not resolve 'localhost' (no /etc/hosts entry)";
    }
    modbus::TcpClient named(executor, {"localhost", server.port(), 1s, 1s});
    AlfenDriver driver_by_name(executor, named, settings(), Rng(6));
    driver_by_name.start();
    EXPECT_TRUE(run_until([&] { return driver_by_name.status().valid; }));
}

}  // namespace
}  // namespace evhil::alfen
