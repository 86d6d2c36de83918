#pragma once
// Alfen NG9xx driver: the EMS side of the station's Modbus TCP slave.
//
// State machine (PX4-style):
//
//   connecting ──connect ok, station info read──► running ──poll every poll_interval──► running
//        ▲                                          │  a broken connection, or N consecutive
//        │                                          ▼  Modbus exceptions
//        └────────────── backoff delay ◄──────── backing_off
//
// While running, each poll reads three blocks on the socket unit (measurements, energy, status) and decodes
// them into AlfenChargerState. The commanded current is written to 1210 (FC16, FLOAT32) at once when it
// changes, again every rewrite_interval (well inside the station's validity time, 60 s by default), and at
// once when the station reports less than validity_margin left or a setpoint that is not ours (a reboot
// clears it). Each write is verified on the next poll: 1210 must read back within the tolerance and 1206
// (applied current) must not exceed it. After a reconnect the last setpoint is re-sent before the first poll.
// Pausing is a 0 A setpoint.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "drivers/chargers/alfen/alfen_registers.hpp"
#include "drivers/core/backoff.hpp"
#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"

namespace evhil::alfen {

struct AlfenDriverSettings {
    std::uint8_t station_unit = 200;
    std::uint8_t socket_unit = 1;
    Duration poll_interval = std::chrono::seconds(1);
    Duration rewrite_interval = std::chrono::seconds(25);  // evcc uses 25 s, VAC 30 s, for a 60 s validity
    Duration validity_margin = std::chrono::seconds(10);   // rewrite at once when 1208 reads less than this
    Duration station_info_interval = std::chrono::seconds(60);
    double verify_tolerance_a = 0.5;
    int exceptions_before_reconnect = 3;
    BackoffSettings backoff;
};
AlfenDriverSettings parse_alfen_driver_settings(const ConfigNode& node);

enum class DriverState { stopped, connecting, running, backing_off };
const char* to_string(DriverState state);

struct AlfenChargerState {
    bool valid = false;  // at least one complete poll since the last connect
    std::string mode3_state;
    bool available = false;
    double voltage_v[3] = {0, 0, 0};
    double current_a[3] = {0, 0, 0};
    double power_w[3] = {0, 0, 0};
    double power_total_w = 0;
    double energy_wh = 0;
    int phases = 0;
    double applied_current_a = 0;
    double setpoint_readback_a = 0;
    double validity_remaining_s = 0;
    bool setpoint_accounted = false;
    double safe_current_a = 0;
    double station_max_current_a = 0;
    std::string firmware;
    std::string serial;
    std::string platform;

    bool vehicle_connected() const;  // Mode 3 B*, C*, D*
    bool charging() const;           // C2 or D2
};

struct DriverCounters {
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::uint64_t exceptions = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t connects = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t connect_failures = 0;
    std::uint64_t polls = 0;
    std::uint64_t writes = 0;
    std::uint64_t verified_writes = 0;
    std::uint64_t verify_failures = 0;
    double last_latency_s = 0;
    double max_latency_s = 0;
    double total_latency_s = 0;
    double mean_latency_s() const { return requests == 0 ? 0.0 : total_latency_s / static_cast<double>(requests); }
};

struct ChargingSession {
    bool active = false;
    TimePoint started{};
    double start_energy_wh = 0;
    double energy_wh = 0;
    double duration_s = 0;
    std::uint64_t completed = 0;  // sessions ended by an unplug
    double last_energy_wh = 0;    // energy of the last completed session
    double last_duration_s = 0;
};

class AlfenDriver {
public:
    AlfenDriver(Executor& executor, modbus::ModbusPort& port, AlfenDriverSettings settings, Rng rng,
                std::string name = "alfen");
    ~AlfenDriver();
    AlfenDriver(const AlfenDriver&) = delete;
    AlfenDriver& operator=(const AlfenDriver&) = delete;

    void start();
    void stop();
    // The current the station may offer; 0 pauses. Written at once while running, else after connecting.
    void set_current(double amps);
    std::optional<double> commanded_current() const { return commanded_a_; }
    // Simulates a hung driver process: no requests at all while suspended (for stale-setpoint scenarios).
    void suspend(bool suspended);
    bool suspended() const { return suspended_; }

    DriverState state() const { return state_; }
    const AlfenChargerState& charger() const { return charger_; }
    const DriverCounters& counters() const { return counters_; }
    const ChargingSession& session() const { return session_; }
    const AlfenDriverSettings& settings() const { return settings_; }
    std::optional<TimePoint> last_write_time() const { return last_write_; }
    // Called after every completed poll, e.g. to let a controller react.
    void on_poll(std::function<void()> callback) { on_poll_ = std::move(callback); }

private:
    void attempt_connect();
    void enter_running();
    void enter_backoff(const std::string& reason);
    void poll();
    // Station identification and limits from unit 200; on connect a failure moves to backing_off.
    bool read_station_info(bool on_connect);
    // One block read with latency and error accounting; std::nullopt when it failed.
    std::optional<std::vector<std::uint16_t>> read_block(std::uint8_t unit, const RegisterBlock& block);
    bool write_setpoint(const char* reason);
    void check_setpoint_upkeep();
    void verify_last_write();
    void update_session();
    // Book-keeping around every request: latency and error counters. Returns false when the request failed;
    // a failure that breaks the connection moves the driver to backing_off.
    template <typename Result>
    bool account(const Result& result, TimePoint started);
    void cancel_timers();

    Executor& executor_;
    modbus::ModbusPort& port_;
    AlfenDriverSettings settings_;
    Backoff backoff_;
    std::string name_;
    DriverState state_ = DriverState::stopped;
    AlfenChargerState charger_;
    DriverCounters counters_;
    ChargingSession session_;
    std::optional<double> commanded_a_;
    std::optional<TimePoint> last_write_;
    std::optional<double> unverified_write_a_;
    std::optional<TimePoint> last_station_info_;
    bool ever_connected_ = false;
    bool suspended_ = false;
    int consecutive_exceptions_ = 0;
    Executor::TimerId poll_timer_ = 0;
    Executor::TimerId retry_timer_ = 0;
    std::function<void()> on_poll_;
};

}  // namespace evhil::alfen
