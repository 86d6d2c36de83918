#pragma once
// The contract every charger driver implements, whatever its protocol. The station, the controllers, the
// safety limiter, the Venus and Home Assistant outputs and the harness see chargers only through it.
//
// A driver owns its connection (through a ConnectionSupervisor), turns the device's protocol into a
// ChargerStatus, and carries out the last ChargeCommand it was given: it re-sends it after a reconnect and keeps
// it alive as long as the device needs (a validity timer, a heartbeat). All of it on the executor; no call
// blocks, and on_update() fires after each complete refresh of the status.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "drivers/chargers/common/charging_session.hpp"
#include "drivers/chargers/common/driver_health.hpp"

namespace evhil::chargers {

// IEC 61851-1 vehicle states as the control pilot shows them (Annex A, Table A.3).
enum class VehicleState { unknown, A, B, C, D, E, F };
const char* to_string(VehicleState state);
// "A", "B1", "C2", ...: the letter of a Mode 3 state as stations report it; unknown for anything else.
VehicleState vehicle_state_from_mode3(std::string_view mode3);

struct PhaseMeasurement {
    double voltage_v = 0;
    double current_a = 0;
    double power_w = 0;
};

struct ChargerStatus {
    bool valid = false;      // a complete refresh since the last connect: the fields below mean something
    bool connected = false;  // the driver talks to the charger now
    VehicleState vehicle = VehicleState::unknown;
    bool charging = false;             // energy is offered to the vehicle (C2/D2 on a Mode 3 station)
    bool available = false;            // the station is operative
    double applied_current_a = 0;      // what the station offers the vehicle now, the lowest of all its limits
    double station_max_current_a = 0;  // the station's own maximum; 0 while unknown
    double vehicle_max_current_a = 0;  // what the vehicle can take, where the protocol says; 0 while unknown
    double fallback_current_a = 0;     // what the station applies by itself when it loses its controller
    std::array<PhaseMeasurement, 3> phases{};
    double power_w = 0;    // positive into the vehicle
    double energy_wh = 0;  // the station's meter, cumulative
    int phase_count = 0;   // 1 or 3 while known, else 0
    std::string model;
    std::string firmware;
    std::string serial;

    bool vehicle_connected() const {
        return vehicle == VehicleState::B || vehicle == VehicleState::C || vehicle == VehicleState::D;
    }
};

struct ChargeCommand {
    // Signed: positive charges, negative discharges (a bidirectional charger only); 0 pauses.
    double current_a = 0;
    // 1 or 3 where the charger can switch phases; 0 leaves the phases as they are.
    int phases = 0;
};

class ChargerDriver {
public:
    virtual ~ChargerDriver() = default;

    virtual void start() = 0;
    // Stops all I/O; the charger keeps what it was last told until its own fallback applies.
    virtual void stop() = 0;
    // Carried out at once while connected, else as soon as the driver is connected again.
    virtual void command(const ChargeCommand& command) = 0;
    virtual std::optional<ChargeCommand> commanded() const = 0;
    // Whether the charger has acknowledged the last command (for a clean shutdown).
    virtual bool command_settled() const = 0;
    // Whether negative currents mean anything to this charger.
    virtual bool can_discharge() const { return false; }

    virtual const ChargerStatus& status() const = 0;
    virtual const DriverHealth& health() const = 0;
    virtual const ChargingSession& session() const = 0;
    // A session persisted by a previous run (evchargerd's state file): it goes on if the vehicle is still there.
    virtual void restore_session(const ChargingSession& session) = 0;
    // Called after every complete refresh of status(), e.g. to let the station's controller react.
    virtual void on_update(std::function<void()> callback) = 0;

    // For the harness' driver_stall fault: a hung driver process sends nothing at all while suspended.
    virtual void suspend(bool suspended) = 0;
};

}  // namespace evhil::chargers
