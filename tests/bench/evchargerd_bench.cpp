// evchargerd's footprint as it runs in the field: one Alfen station polled every 1 s, measured from outside.
// Starts the real binaries, `evhil sim alfen --port 0` and evchargerd with a generated configuration (the shape
// of drivers/daemon/examples/alfen.yaml: poll_interval 1s, log level warn, no state file), lets them run for a
// 3 s warm-up and then measures both processes over a window. Targets for the daemon: resident memory at most
// 8 MiB, CPU at most 0.05 % of one core.
//
// BM_Evchargerd/1 does the same with the Venus output on (examples/alfen-venus.yaml): `evhil sim gx` starts a
// private bus and the GX's services, evchargerd publishes its evcharger service there and the GX reads it once a
// second. Targets: 10 MiB and 0.1 % of one core (the Python driver it replaces holds 40 MiB and uses 0.13 %). The GX
// runs without its MQTT bridge here (--no-mqtt), so the figures compare with the earlier ones.
//
// BM_Evchargerd/2 is an MQTT install: `evhil sim gx` with its broker and bridge, `evhil sim mqtt-json` reporting once
// a second to that broker, and evchargerd with the MQTT-JSON charger, the Venus output and Home Assistant discovery
// on the same broker. The figures are reported; the Alfen targets are not applied to it.
//
//     build/default/tests/bench/bench_evchargerd                              # 60 s window
//     EVHIL_DAEMON_WINDOW_S=10 build/default/tests/bench/bench_evchargerd     # shorter; targets not enforced
//
// Figures (state.counters), over a window of EVHIL_DAEMON_WINDOW_S seconds (default 60):
//   daemon_rss_mib, sim_rss_mib      VmRSS of the process at the end of the window (/proc/PID/status)
//   daemon_hwm_mib, sim_hwm_mib      VmHWM: the peak resident memory since the process started
//   daemon_rss_growth_mib            VmRSS change over the window (a leak would show here)
//   daemon_cpu_percent, sim_cpu_...  (utime + stime) over the window from /proc/PID/stat, in clock ticks, as a
//                                    percentage of one core; one tick is 1/sysconf(_SC_CLK_TCK) s (10 ms)
//   daemon_sched_cpu_percent, ...    the same from the nanosecond run time of each thread (/proc/PID/task/TID/
//                                    schedstat), which resolves what a short window cannot in ticks
//   window_s                         the window's wall time
// The run fails when the daemon exits early, has no connection to the simulator after the warm-up or at the
// end, or does not exit 0 on SIGTERM; and, for windows of 30 s or more, when the daemon's VmRSS is above 8 MiB
// or its tick-counted CPU above 0.05 %.

#include "tests/bench/bench_main.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "drivers/core/clock.hpp"
#include "tests/bench/child_process.hpp"

#ifndef EVHIL_BINARY
#error "EVHIL_BINARY must name the evhil binary (set by tests/bench/CMakeLists.txt)"
#endif
#ifndef EVCHARGERD_BINARY
#error "EVCHARGERD_BINARY must name the evchargerd binary (set by tests/bench/CMakeLists.txt)"
#endif

namespace {

using namespace std::chrono_literals;
using evhil::bench::Child;
using evhil::bench::connected_to;
using evhil::bench::on_bus;
using evhil::bench::sched_cpu_s;
using evhil::bench::status_mib;
using evhil::bench::TempFolder;
using evhil::bench::tick_cpu_s;

constexpr double warm_up_s = 3.0;
constexpr double sample_every_s = 1.0;  // how often the window checks that the daemon still runs
// Without and with the Venus output.
constexpr double max_rss_mib[] = {8.0, 10.0};
constexpr double max_cpu_percent[] = {0.05, 0.1};
// At 100 ticks per second a 3 s window resolves CPU in steps of 0.33 % of a core, far coarser than the 0.05 %
// target; at 30 s the step is 0.033 %, and 60 s (the default) gives 0.017 %. Below 30 s the targets are not
// enforced: a short window can only show that the run works.
constexpr double min_enforcing_window_s = 30.0;

double window_seconds() {
    const char* text = std::getenv("EVHIL_DAEMON_WINDOW_S");
    double seconds = text != nullptr ? std::strtod(text, nullptr) : 60.0;
    return seconds > 0 ? seconds : 60.0;
}

// The port from `evhil sim alfen`'s "listening on 127.0.0.1:PORT" line, within 5 s.
std::optional<std::uint16_t> simulator_port(Child& simulator) {
    static const std::regex listening("listening on 127\\.0\\.0\\.1:([0-9]+)");
    auto port = simulator.wait_for_output(listening, 5.0);
    return port ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(std::stoul(*port))) : std::nullopt;
}

// The broker port from `evhil sim gx`'s "Venus MQTT on 127.0.0.1:PORT" line, within 10 s.
std::optional<std::uint16_t> gx_mqtt_port(Child& gx) {
    static const std::regex announced("Venus MQTT on 127\\.0\\.0\\.1:([0-9]+)");
    auto port = gx.wait_for_output(announced, 10.0);
    return port ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(std::stoul(*port))) : std::nullopt;
}

void write_config(const std::string& path, std::uint16_t port, const std::optional<std::string>& bus) {
    std::ofstream config(path);
    config << "# bench_evchargerd: one Alfen on the simulator, polled every 1 s; warnings only, no state file.\n"
              "devices:\n"
              "  alfen:\n"
              "    type: alfen\n"
              "    endpoint: {host: 127.0.0.1, port: "
           << port
           << ", connect_timeout: 3s, response_timeout: 2s}\n"
              "    driver: {poll_interval: 1s, rewrite_interval: 25s}\n"
              "    limits: {max_current: 16, cable_max_current: 32}\n"
              "    on_shutdown: pause\n"
              "controller: {type: manual, enabled: true, current: 10, max_current: 16}\n"
              "log: {level: warn, status_interval: 1m}\n";
    if (bus) {
        config << "venus: {bus: '" << *bus << "'}\n";
    }
}

// BM_Evchargerd/2: the MQTT-JSON charger on the GX's broker, published on the GX's bus and to Home Assistant.
void write_mqtt_config(const std::string& path, std::uint16_t broker_port, const std::string& bus) {
    std::ofstream config(path);
    config << "# bench_evchargerd/2: an MQTT-JSON charger beside a GX, with Venus and Home Assistant outputs.\n"
              "devices:\n"
              "  diy:\n"
              "    type: mqtt_json\n"
              "    endpoint: {host: 127.0.0.1, port: "
           << broker_port
           << "}\n"
              "    driver: {topic: custom/ev-charger, command_topic: custom/ev-charger/set, timeout: 60s}\n"
              "    venus: {name: diy, device_instance: 100}\n"
              "controller: {type: manual, enabled: true, current: 10, max_current: 16}\n"
              "venus: {bus: '"
           << bus
           << "'}\n"
              "homeassistant: {broker: {host: 127.0.0.1, port: "
           << broker_port << "}}\n"
           << "log: {level: warn, status_interval: 1m}\n";
}

struct Usage {
    double tick_s = 0;
    double sched_s = 0;
};

Usage usage(pid_t pid) {
    return Usage{tick_cpu_s(pid).value_or(0), sched_cpu_s(pid)};
}

void BM_Evchargerd(benchmark::State& state) {
    const double window_s = window_seconds();
    const bool with_venus = state.range(0) >= 1;
    const bool mqtt_install = state.range(0) == 2;
    std::optional<TempFolder> folder;
    std::optional<Child> gx;
    std::optional<Child> simulator;
    std::optional<Child> daemon;
    std::optional<std::uint16_t> port;
    std::optional<std::string> bus;
    try {
        folder.emplace();
        if (with_venus) {
            std::vector<std::string> gx_command{EVHIL_BINARY, "sim", "gx", "--pv", "3000"};
            if (!mqtt_install) {
                gx_command.emplace_back("--no-mqtt");
            }
            gx.emplace(gx_command, folder->file("gx.out"));
            bus = gx->wait_for_output(std::regex("export DBUS_SYSTEM_BUS_ADDRESS=(\\S+)"), 10.0);
            if (!bus) {
                evhil::bench::fail(state, ("evhil sim gx did not print its bus: " + gx->output()).c_str());
                return;
            }
        }
        if (mqtt_install) {
            // The "simulator" is the MQTT-JSON charger; the daemon's connection to watch is the one to the broker.
            port = gx_mqtt_port(*gx);
            if (port) {
                simulator.emplace(std::vector<std::string>{EVHIL_BINARY, "sim", "mqtt-json", "--broker",
                                                           "127.0.0.1:" + std::to_string(*port)},
                                  folder->file("sim.out"));
            }
        } else {
            simulator.emplace(std::vector<std::string>{EVHIL_BINARY, "sim", "alfen", "--port", "0"},
                              folder->file("sim.out"));
            port = simulator_port(*simulator);
        }
        if (port) {
            if (mqtt_install) {
                write_mqtt_config(folder->file("evchargerd.yaml"), *port, *bus);
            } else {
                write_config(folder->file("evchargerd.yaml"), *port, bus);
            }
            daemon.emplace(std::vector<std::string>{EVCHARGERD_BINARY, "--config", folder->file("evchargerd.yaml")},
                           folder->file("daemon.out"));
        }
    } catch (const std::exception& error) {
        evhil::bench::fail(state, error.what());
        return;
    }
    if (!port) {
        evhil::bench::fail(state,
                           ("no port to connect to: " + (simulator ? simulator->output() : gx->output())).c_str());
        return;
    }
    const pid_t daemon_pid = daemon->pid();
    const pid_t sim_pid = simulator->pid();
    std::this_thread::sleep_for(std::chrono::duration<double>(warm_up_s));
    if (!daemon->running()) {
        evhil::bench::fail(state, ("evchargerd exited during the warm-up: " + daemon->output()).c_str());
        return;
    }
    if (!connected_to(daemon_pid, *port)) {
        evhil::bench::fail(state, ("evchargerd is not connected to the simulator: " + daemon->output()).c_str());
        return;
    }

    double wall_s = 0;
    Usage daemon_start;
    Usage daemon_end;
    Usage sim_start;
    Usage sim_end;
    double rss_start = 0;
    bool daemon_lived = true;
    for (auto _ : state) {
        rss_start = status_mib(daemon_pid, "VmRSS").value_or(0);
        daemon_start = usage(daemon_pid);
        sim_start = usage(sim_pid);
        evhil::WallStopwatch wall;
        while (wall.elapsed_s() < window_s && daemon_lived) {
            double left = window_s - wall.elapsed_s();
            std::this_thread::sleep_for(std::chrono::duration<double>(std::min(left, sample_every_s)));
            daemon_lived = daemon->running();
        }
        daemon_end = usage(daemon_pid);
        sim_end = usage(sim_pid);
        wall_s = wall.elapsed_s();
        state.SetIterationTime(wall_s);
    }
    if (!daemon_lived) {
        evhil::bench::fail(state, ("evchargerd exited during the window: " + daemon->output()).c_str());
        return;
    }
    double daemon_rss = status_mib(daemon_pid, "VmRSS").value_or(0);
    double daemon_hwm = status_mib(daemon_pid, "VmHWM").value_or(0);
    bool still_connected = connected_to(daemon_pid, *port);
    bool venus_service_up = with_venus && on_bus(*bus, mqtt_install ? "com.victronenergy.evcharger.diy"
                                                                    : "com.victronenergy.evcharger.alfen");
    auto percent = [wall_s](double start, double end) { return 100.0 * (end - start) / wall_s; };
    double daemon_cpu = percent(daemon_start.tick_s, daemon_end.tick_s);
    state.counters["window_s"] = wall_s;
    state.counters["daemon_rss_mib"] = daemon_rss;
    state.counters["daemon_hwm_mib"] = daemon_hwm;
    state.counters["daemon_rss_growth_mib"] = daemon_rss - rss_start;
    state.counters["daemon_cpu_percent"] = daemon_cpu;
    state.counters["daemon_sched_cpu_percent"] = percent(daemon_start.sched_s, daemon_end.sched_s);
    state.counters["sim_rss_mib"] = status_mib(sim_pid, "VmRSS").value_or(0);
    state.counters["sim_hwm_mib"] = status_mib(sim_pid, "VmHWM").value_or(0);
    state.counters["sim_cpu_percent"] = percent(sim_start.tick_s, sim_end.tick_s);
    state.counters["sim_sched_cpu_percent"] = percent(sim_start.sched_s, sim_end.sched_s);

    // The daemon first: on SIGTERM it sets the station to 0 A, which needs the simulator still there.
    int daemon_exit = daemon->terminate(5s);
    simulator->terminate(5s);
    if (!still_connected) {
        evhil::bench::fail(state, ("evchargerd lost its connection to the simulator: " + daemon->output()).c_str());
    } else if (daemon_exit != 0) {
        std::string message = "evchargerd exited " + std::to_string(daemon_exit) + " on SIGTERM: " + daemon->output();
        evhil::bench::fail(state, message.c_str());
    } else if (with_venus && !venus_service_up) {
        evhil::bench::fail(state, ("evchargerd's evcharger service was not on the bus: " + daemon->output()).c_str());
    } else if (mqtt_install) {
        // Reported only: the issue sets no target for this install.
    } else if (window_s >= min_enforcing_window_s && daemon_rss > max_rss_mib[with_venus ? 1 : 0]) {
        evhil::bench::fail(state, ("evchargerd VmRSS " + std::to_string(daemon_rss) + " MiB > " +
                                   std::to_string(max_rss_mib[with_venus ? 1 : 0]) + " MiB")
                                      .c_str());
    } else if (window_s >= min_enforcing_window_s && daemon_cpu > max_cpu_percent[with_venus ? 1 : 0]) {
        evhil::bench::fail(state, ("evchargerd CPU " + std::to_string(daemon_cpu) + " % > " +
                                   std::to_string(max_cpu_percent[with_venus ? 1 : 0]) + " %")
                                      .c_str());
    }
    if (gx) {
        gx->terminate(5s);
    }
}
BENCHMARK(BM_Evchargerd)->Arg(0)->Arg(1)->Arg(2)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace

EVHIL_BENCHMARK_MAIN()
