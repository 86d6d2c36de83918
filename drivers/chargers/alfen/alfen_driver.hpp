#pragma once
// Alfen NG9xx driver: the EMS side of the station's Modbus TCP slave (docs/alfen.md has the facts and their sources).
//
// The connection loop is the common ConnectionSupervisor's; what is Alfen is this:
//  - open: connect, then read identification and the station's limits on unit 200 (without the station
//    maximum the driver cannot run);
//  - each poll reads three blocks on the socket unit (measurements, energy, status), one after the other,
//    and decodes them into the ChargerStatus and the Alfen-only AlfenChargerState;
//  - the commanded current is written to 1210 (FC16, FLOAT32) at once when it changes, again every
//    rewrite_interval (well inside the station's validity time, 60 s by default), and at once when the
//    station reports less than validity_margin left or a setpoint that is not ours (a reboot clears it).
//    Each write is verified on the next poll: 1210 must read back within the tolerance and 1206 (applied
//    current) must not exceed it. After a reconnect the last setpoint is re-sent before the first poll.
//    Pausing is a 0 A setpoint; the station cannot discharge, so a negative command is 0 A.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drivers/chargers/alfen/alfen_registers.hpp"
#include "drivers/chargers/common/charger_driver.hpp"
#include "drivers/chargers/common/connection_supervisor.hpp"
#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"

namespace evhil::alfen {

struct AlfenDriverSettings {
    std::uint8_t station_unit = 200;
    std::uint8_t socket_unit = 1;
    Duration rewrite_interval = std::chrono::seconds(25);  // evcc uses 25 s, VAC 30 s, for a 60 s validity
    Duration validity_margin = std::chrono::seconds(10);   // rewrite at once when 1208 reads less than this
    Duration station_info_interval = std::chrono::seconds(60);
    double verify_tolerance_a = 0.5;
    chargers::SupervisorSettings supervisor;  // poll interval, exceptions before a reconnect, back-off
};
AlfenDriverSettings parse_alfen_driver_settings(const ConfigNode& node);
// The driver settings' keys, for schemas and documentation.
const std::vector<std::string>& alfen_driver_setting_keys();

// What the Alfen registers say beyond the common ChargerStatus.
struct AlfenChargerState {
    std::string mode3_state;  // "A", "B1", ... "F" (1201)
    double setpoint_readback_a = 0;
    double validity_remaining_s = 0;
    bool setpoint_accounted = false;
    double safe_current_a = 0;
};

class AlfenDriver final : public chargers::ChargerDriver {
public:
    AlfenDriver(Executor& executor, modbus::ModbusPort& port, AlfenDriverSettings settings, Rng rng,
                std::string name = "alfen");
    ~AlfenDriver() override;
    AlfenDriver(const AlfenDriver&) = delete;
    AlfenDriver& operator=(const AlfenDriver&) = delete;

    void start() override { supervisor_.start(); }
    void stop() override { supervisor_.stop(); }
    void command(const chargers::ChargeCommand& command) override;
    std::optional<chargers::ChargeCommand> commanded() const override;
    bool command_settled() const override;
    const chargers::ChargerStatus& status() const override { return status_; }
    const chargers::DriverHealth& health() const override { return supervisor_.health(); }
    const chargers::ChargingSession& session() const override { return session_; }
    void restore_session(const chargers::ChargingSession& session) override { session_ = session; }
    void on_update(std::function<void()> callback) override { on_update_ = std::move(callback); }
    void suspend(bool suspended) override { supervisor_.suspend(suspended); }

    // The current the station may offer; 0 pauses. Shorthand for command({amps}).
    void set_current(double amps) { command({amps, 0}); }
    std::optional<double> commanded_current() const { return commanded_a_; }
    const AlfenChargerState& alfen() const { return alfen_; }
    const AlfenDriverSettings& settings() const { return settings_; }
    std::optional<TimePoint> last_write_time() const { return last_write_; }

private:
    using Block = std::vector<std::uint16_t>;
    using BlockHandler = std::function<void(const Block&)>;

    void open();
    void on_running();
    // Station identification and limits from unit 200; `done(true)` once both blocks are read.
    void read_station_info(const std::function<void(bool)>& done);
    void poll();
    void finish_poll(const Block& measurements, const Block& energy, const Block& status);
    void decode_measurements(const Block& measurements, const Block& energy);
    void decode_status(const Block& status);
    // One block read with accounting; `then` runs only when it succeeded, `failed` otherwise.
    void read_block(std::uint8_t unit, const RegisterBlock& block, BlockHandler then, std::function<void()> failed);
    void write_setpoint(const char* reason);
    void check_setpoint_upkeep();
    // Writes 1215 when the command asks for phases the station does not report, once per value and connection;
    // `poll_started` is the start of the poll whose status is at hand (none outside a poll).
    void check_phases(std::optional<TimePoint> poll_started);
    void verify_last_write();

    Executor& executor_;
    modbus::ModbusPort& port_;
    AlfenDriverSettings settings_;
    std::string name_;
    chargers::ConnectionSupervisor supervisor_;
    chargers::ChargerStatus status_;
    AlfenChargerState alfen_;
    chargers::ChargingSession session_;
    std::optional<double> commanded_a_;
    std::optional<TimePoint> last_write_;
    std::optional<double> unverified_write_a_;
    std::optional<double> acknowledged_a_;  // the last setpoint the station acknowledged
    std::optional<TimePoint> last_station_info_;
    bool write_in_flight_ = false;
    Block poll_measurements_;  // the blocks of the poll in flight
    Block poll_energy_;
    int commanded_phases_ = 0;           // 1 or 3; 0 leaves 1215 alone
    std::optional<int> phases_written_;  // the last value written to 1215 on this connection
    std::optional<TimePoint> phases_acknowledged_at_;
    bool phases_reported_ = false;  // "switching is off" logged for phases_written_
    std::optional<TimePoint> poll_started_;
    std::function<void()> on_update_;
};

}  // namespace evhil::alfen
