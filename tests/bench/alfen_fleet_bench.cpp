// A fleet of Alfen stations in one process: N simulated stations on N loopback ports, each polled at 1 Hz by
// its own driver over real Modbus TCP. Reports, for N = 100 and N = 1000, the share of one core and the
// resident memory each side takes. Target at N = 1000: each side under 0.5 core and under 200 MiB.
//
//     build/default/tests/bench/bench_alfen_fleet                                  # both sizes, 10 s window
//     EVHIL_FLEET_WINDOW_S=30 build/default/tests/bench/bench_alfen_fleet --benchmark_filter=/1000/
//
// Simulator side: one thread with its own executor on the real clock, serving every station with its own
// Boost.Asio TcpServer and stepping every station's physics (a plugged-in EV each) once a second; nothing else
// touches the stations. Driver side: this thread, its own executor, N AlfenDrivers with default settings
// (poll every 1 s), each with its own asynchronous Modbus TCP client, all on one executor.
//
// Figures (state.counters), measured over a window of EVHIL_FLEET_WINDOW_S seconds (default 10) after a 3 s
// warm-up with every driver running:
//   sim_cpu_core, driver_cpu_core  thread CPU time of each side's thread / wall time of the window
//   sim_rss_mib, driver_rss_mib    VmRSS deltas of this one process: after building and warming the simulator
//                                  side, then after building and warming the driver side. The server's
//                                  per-connection state is allocated when the drivers connect, so it counts
//                                  on the driver side; kernel socket buffers are in neither.
//   rss_growth_mib                 VmRSS change during the window (a leak would show here)
//   polls_per_s_per_driver         ~1.0 when the driver thread keeps up
//   requests_in_flight             summed request latency / wall time: the mean number of requests waiting
// The run fails when a driver is not running at the end, any request failed, or polls fall below 0.9/s.
//
// File descriptors: 3 per station+driver pair (listener, accepted and client socket); the soft RLIMIT_NOFILE
// is raised to the hard one. The clients wait in epoll, not select(), so descriptors above FD_SETSIZE are fine.

#include "tests/bench/bench_main.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drivers/chargers/alfen/alfen_driver.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/tcp_client.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"
#include "simulators/physics/ev.hpp"

namespace {

using namespace evhil;
using namespace std::chrono_literals;

constexpr Duration physics_step = 1s;
constexpr Duration sim_warm_up = 1500ms;  // at least one physics step
constexpr Duration fleet_warm_up = 3s;
constexpr std::size_t descriptors_per_pair = 3;
constexpr std::size_t spare_descriptors = 64;  // stdio, epoll, eventfd and timerfd of two executors, /proc reads

double window_seconds() {
    const char* text = std::getenv("EVHIL_FLEET_WINDOW_S");
    double seconds = text != nullptr ? std::strtod(text, nullptr) : 10.0;
    return seconds > 0 ? seconds : 10.0;
}

double resident_mib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:") {
            double kib = 0;
            status >> kib;
            return kib / 1024.0;
        }
        status.ignore(4096, '\n');
    }
    return 0;
}

double cpu_seconds(clockid_t clock) {
    timespec now{};
    clock_gettime(clock, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Raises the soft descriptor limit to the hard one; returns the soft limit now in force.
rlim_t raise_descriptor_limit() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

// The simulator side: its own thread and executor. Stations, EVs and servers are built, served and destroyed
// on that thread; other threads only see the ports.
class SimulatorSide {
public:
    explicit SimulatorSide(std::size_t stations) : executor_(clock_) {
        std::promise<std::vector<std::uint16_t>> ready;
        auto ports = ready.get_future();
        thread_ = std::thread([this, stations, ready = std::move(ready)]() mutable { serve(stations, ready); });
        try {
            ports_ = ports.get();
        } catch (...) {
            thread_.join();
            throw;
        }
        pthread_getcpuclockid(thread_.native_handle(), &cpu_clock_);
    }
    ~SimulatorSide() {
        executor_.post([this] { executor_.stop(); });
        thread_.join();
    }
    SimulatorSide(const SimulatorSide&) = delete;
    SimulatorSide& operator=(const SimulatorSide&) = delete;

    const std::vector<std::uint16_t>& ports() const { return ports_; }
    double cpu_seconds() const { return ::cpu_seconds(cpu_clock_); }

private:
    void serve(std::size_t count, std::promise<std::vector<std::uint16_t>>& ready) {
        std::vector<std::unique_ptr<physics::Ev>> evs;
        std::vector<std::unique_ptr<sim::alfen::AlfenStation>> stations;
        std::vector<std::unique_ptr<modbus::TcpServer>> servers;  // declared last: destroyed before the stations
        try {
            std::vector<std::uint16_t> ports;
            for (std::size_t i = 0; i < count; ++i) {
                evs.push_back(std::make_unique<physics::Ev>(physics::EvSettings{}));
                evs.back()->plug_in();
                stations.push_back(std::make_unique<sim::alfen::AlfenStation>(sim::alfen::AlfenStationSettings{},
                                                                              clock_, evs.back().get()));
                servers.push_back(std::make_unique<modbus::TcpServer>(executor_, *stations.back(), "127.0.0.1", 0));
                servers.back()->start();
                ports.push_back(servers.back()->port());
            }
            executor_.schedule_every(physics_step, [&stations] {
                for (auto& station : stations) {
                    station->step(physics_step);
                }
            });
            ready.set_value(std::move(ports));
        } catch (...) {
            ready.set_exception(std::current_exception());
            return;
        }
        executor_.run();
        for (auto& server : servers) {
            server->stop();
        }
    }

    RealClock clock_;
    Executor executor_;
    std::vector<std::uint16_t> ports_;
    clockid_t cpu_clock_{};
    std::thread thread_;
};

struct DriverTotals {
    std::uint64_t polls = 0;
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    double waiting_s = 0;  // summed request latency
    double max_latency_s = 0;

    explicit DriverTotals(const std::vector<std::unique_ptr<alfen::AlfenDriver>>& drivers) {
        for (const auto& driver : drivers) {
            const auto& c = driver->health().counters;
            polls += c.polls;
            requests += c.requests;
            errors += c.errors;
            waiting_s += c.total_latency_s;
            max_latency_s = std::max(max_latency_s, c.max_latency_s);
        }
    }
};

void BM_AlfenFleet(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    const double window_s = window_seconds();

    rlim_t limit = raise_descriptor_limit();
    std::size_t needed = descriptors_per_pair * count + spare_descriptors;
    if (limit < needed) {
        std::string message = "need " + std::to_string(needed) + " file descriptors (3 per station and driver), " +
                              "but RLIMIT_NOFILE allows " + std::to_string(limit) + "; raise the hard limit";
        evhil::bench::fail(state, message.c_str());
        return;
    }
    malloc_trim(0);  // so that memory freed by an earlier run does not hide this run's growth
    double rss_start = resident_mib();
    std::optional<SimulatorSide> simulator;
    try {
        simulator.emplace(count);
    } catch (const std::exception& error) {
        evhil::bench::fail(state, error.what());
        return;
    }
    RealClock clock;
    Executor executor(clock);
    executor.run_for(sim_warm_up);
    double rss_simulator = resident_mib();

    std::vector<std::unique_ptr<modbus::TcpClient>> clients;
    std::vector<std::unique_ptr<alfen::AlfenDriver>> drivers;
    const Rng rng(1);
    for (std::size_t i = 0; i < count; ++i) {
        std::string name = "alfen-" + std::to_string(i);
        clients.push_back(std::make_unique<modbus::TcpClient>(
            executor, modbus::TcpClientSettings{"127.0.0.1", simulator->ports()[i], 2s, 2s}));
        drivers.push_back(std::make_unique<alfen::AlfenDriver>(executor, *clients.back(), alfen::AlfenDriverSettings{},
                                                               rng.fork(name), name));
        drivers.back()->set_current(16);
        drivers.back()->start();
    }
    executor.run_for(fleet_warm_up);
    for (const auto& driver : drivers) {
        if (driver->health().state != chargers::DriverState::running) {
            evhil::bench::fail(state, "a driver did not connect during the warm-up");
            return;
        }
    }
    double rss_fleet = resident_mib();

    DriverTotals before(drivers);
    double wall_s = 0;
    double sim_cpu_s = 0;
    double driver_cpu_s = 0;
    for (auto _ : state) {
        double sim_cpu_start = simulator->cpu_seconds();
        double driver_cpu_start = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        WallStopwatch wall;
        executor.run_for(from_seconds(window_s));
        wall_s = wall.elapsed_s();
        driver_cpu_s = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - driver_cpu_start;
        sim_cpu_s = simulator->cpu_seconds() - sim_cpu_start;
        state.SetIterationTime(wall_s);
    }
    DriverTotals after(drivers);
    double rss_end = resident_mib();

    double drivers_n = static_cast<double>(count);
    double polls_per_s = static_cast<double>(after.polls - before.polls) / wall_s / drivers_n;
    state.counters["stations"] = drivers_n;
    state.counters["window_s"] = wall_s;
    state.counters["sim_cpu_core"] = sim_cpu_s / wall_s;
    state.counters["driver_cpu_core"] = driver_cpu_s / wall_s;
    state.counters["sim_rss_mib"] = rss_simulator - rss_start;
    state.counters["driver_rss_mib"] = rss_fleet - rss_simulator;
    state.counters["rss_growth_mib"] = rss_end - rss_fleet;
    state.counters["polls_per_s_per_driver"] = polls_per_s;
    state.counters["requests"] = static_cast<double>(after.requests);
    state.counters["requests_per_s"] = static_cast<double>(after.requests - before.requests) / wall_s;
    state.counters["errors"] = static_cast<double>(after.errors);
    state.counters["requests_in_flight"] = (after.waiting_s - before.waiting_s) / wall_s;
    state.counters["max_latency_ms"] = after.max_latency_s * 1e3;

    std::size_t running = 0;
    for (const auto& driver : drivers) {
        running += driver->health().state == chargers::DriverState::running ? 1 : 0;
    }
    if (running != count) {
        std::string message = std::to_string(count - running) + " of " + std::to_string(count) + " drivers not running";
        evhil::bench::fail(state, message.c_str());
    } else if (after.errors > 0) {
        evhil::bench::fail(state, (std::to_string(after.errors) + " requests failed").c_str());
    } else if (polls_per_s < 0.9) {
        evhil::bench::fail(state, ("drivers fell behind: " + std::to_string(polls_per_s) + " polls/s").c_str());
    }
    // Teardown: drivers (and their sockets) first, then the simulator side stops on its own thread.
    drivers.clear();
    clients.clear();
}
BENCHMARK(BM_AlfenFleet)->Args({100})->Args({1000})->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace

EVHIL_BENCHMARK_MAIN()
