// The Alfen driver against the Alfen simulator over real Modbus TCP on loopback: libmodbus on the driver
// side, the Boost.Asio server on the simulator side (its own thread and executor), both on the real clock.

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "drivers/chargers/alfen/alfen_driver.hpp"
#include "drivers/transport/modbus/libmodbus_tcp_client.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"

namespace evhil::alfen {
namespace {

using namespace std::chrono_literals;

// The simulator side, on its own thread. Everything touching the station runs on that thread via call().
class SimulatorThread {
public:
    SimulatorThread() : executor_(clock_), station_({}, clock_, &ev_), server_(executor_, station_, "127.0.0.1", 0) {
        ev_.plug_in();
        server_.start();
        executor_.schedule_every(100ms, [this] { station_.step(100ms); });
        thread_ = std::thread([this] { executor_.run(); });
    }
    ~SimulatorThread() {
        call([this] {
            server_.stop();
            executor_.stop();
            return 0;
        });
        thread_.join();
    }
    template <typename F>
    auto call(F function) -> decltype(function()) {
        std::packaged_task<decltype(function())()> task(function);
        auto future = task.get_future();
        executor_.post([&task] { task(); });
        return future.get();
    }
    std::uint16_t port() const { return server_.port(); }
    sim::alfen::AlfenStation& station() { return station_; }
    modbus::TcpServer& server() { return server_; }

private:
    RealClock clock_;
    Executor executor_;
    physics::Ev ev_{physics::EvSettings{}};
    sim::alfen::AlfenStation station_;
    modbus::TcpServer server_;
    std::thread thread_;
};

struct DriverOverTcp : ::testing::Test {
    DriverOverTcp()
        : executor(clock),
          client({"127.0.0.1", simulator.port(), 1s, 1s}),
          driver(executor, client, settings(), Rng(3)) {}

    static AlfenDriverSettings settings() {
        AlfenDriverSettings s;
        s.poll_interval = 100ms;
        s.backoff.initial = 50ms;
        s.backoff.maximum = 200ms;
        return s;
    }
    // Runs the driver's executor until the predicate holds or the limit passes.
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

    SimulatorThread simulator;
    RealClock clock;
    Executor executor;
    modbus::LibmodbusTcpClient client;
    AlfenDriver driver;
};

TEST_F(DriverOverTcp, PollsAndSetsTheCurrentOverRealTcp) {
    driver.start();
    ASSERT_TRUE(run_until([&] { return driver.state() == DriverState::running && driver.charger().valid; }));
    EXPECT_EQ(driver.charger().mode3_state.substr(0, 1), "B");
    driver.set_current(13.0);
    ASSERT_TRUE(run_until([&] { return std::abs(driver.charger().applied_current_a - 13.0) < 1e-3; }));
    EXPECT_NEAR(simulator.call([&] { return simulator.station().setpoint_a(); }), 13.0, 1e-6);
    EXPECT_EQ(driver.counters().errors, 0U);
    EXPECT_GE(driver.counters().verified_writes, 1U);
    EXPECT_GT(driver.counters().max_latency_s, 0.0);
    EXPECT_LT(driver.counters().mean_latency_s(), 0.1);
}

TEST_F(DriverOverTcp, ReconnectsAfterTheServerClosesTheConnectionAndResends) {
    driver.set_current(12.0);
    driver.start();
    ASSERT_TRUE(run_until([&] { return driver.charger().valid; }));
    auto writes_before = simulator.call([&] { return simulator.station().writes_accepted(); });
    simulator.call([&] {
        simulator.server().close_all_connections();
        return 0;
    });
    ASSERT_TRUE(run_until([&] { return driver.counters().reconnects >= 1 && driver.state() == DriverState::running; }));
    ASSERT_TRUE(run_until(
        [&] { return simulator.call([&] { return simulator.station().writes_accepted(); }) > writes_before; }));
    EXPECT_NEAR(simulator.call([&] { return simulator.station().setpoint_a(); }), 12.0, 1e-6);
}

TEST_F(DriverOverTcp, BacksOffWhileNothingListens) {
    modbus::LibmodbusTcpClient nowhere({"127.0.0.1", 1, 200ms, 200ms});  // port 1: nothing listens there
    AlfenDriver lonely(executor, nowhere, settings(), Rng(5));
    lonely.start();
    run_until([] { return false; }, 1s);
    EXPECT_NE(lonely.state(), DriverState::running);
    EXPECT_GE(lonely.counters().connect_failures, 3U);
    EXPECT_LE(lonely.counters().connect_failures, 12U);  // back-off, not a busy loop
}

}  // namespace
}  // namespace evhil::alfen
