#pragma once
// Alfen NG9xx ("Eve") charging station as a Modbus TCP slave: unit 200 for the station, unit 1 (and 2 on a
// dual station) for the sockets. Built against the facts in docs/alfen.md.
//
// Run it on its own (the `evhil sim alfen` command wraps run_alfen_simulator from standalone.hpp; pick an
// unprivileged port such as 1502, since 502 needs root), then talk to it with any Modbus TCP master.
// With mbpoll: -0 uses PDU addresses as the Alfen document does (without it mbpoll counts from 1, so 1201
// would be -r 1202), -B sends floats high word first, -1 polls once, values to write follow the host:
//     mbpoll -m tcp -0 -1 -a 1 -r 1201 -c 5 -t 4:hex -p 1502 127.0.0.1        Mode 3 state: 0x4332 = "C2"
//     mbpoll -m tcp -0 -1 -a 1 -r 1210 -t 4:float -B -p 1502 127.0.0.1 16     set 16 A (FC16, 0x4180 0x0000)
//     mbpoll -m tcp -0 -1 -a 1 -r 1206 -t 4:float -B -p 1502 127.0.0.1        applied current
//     mbpoll -m tcp -0 -1 -a 1 -r 1208 -c 2 -t 4:hex -p 1502 127.0.0.1        seconds left of the setpoint
//     mbpoll -m tcp -0 -1 -a 200 -r 100 -c 17 -t 4:hex -p 1502 127.0.0.1      station name "ALF_1000"
//     mbpoll -m tcp -0 -1 -a 1 -r 306 -c 3 -t 4:float -B -p 1502 127.0.0.1    voltages L1-N..L3-N
// Or with nothing but bash and xxd: read 1201 x5 on unit 1 (MBAP: transaction 1, protocol 0, length 6,
// unit 1; PDU: FC3, address 0x04B1, count 5):
//     exec 3<>/dev/tcp/127.0.0.1/1502
//     printf '\x00\x01\x00\x00\x00\x06\x01\x03\x04\xb1\x00\x05' >&3; timeout 1 cat <&3 | xxd; exec 3>&-
//
// The model, as a state machine per socket:
//   - The EMS writes a FLOAT32 setpoint to 1210 (one FC16 of two registers). Each write, even of the same
//     value, restarts the validity countdown in 1208 (whole seconds, rounded up). While it runs the setpoint
//     is "valid"; when it ends, or after a reboot, the socket falls back to the safe current (1212).
//   - 1206 (applied) = the lowest of {valid setpoint, else safe current}, station max (1100), cable max and
//     the valid SCN phase limits (1417-1422, own countdowns 1423-1427), then the low-setpoint policy for
//     0 < I < 6 A. 1214 says whether the valid setpoint is what decides 1206. Which limits combine is an
//     inference, not a documented formula (reference, "A simulator must model").
//   - The pilot offers the applied current as PWM (none below 6 A); the EV follows with its own ramp, and its
//     pilot state with the PWM flag gives the Mode 3 string in 1201: A, B1/B2, C1/C2, or F on a station error.
//   - Countdowns are evaluated from the clock when read, so a read between two physics steps is exact;
//     step() only moves the EV and integrates energy.
// Pure model: no I/O. TcpServer (wire) and InProcessServer (sim) serve it.
// Covered by: scenarios/alfen/ and scenarios/station/ (sim and wire), tests/conformance/alfen_mbpoll_test.sh (a
// third-party master), tests/unit/alfen_register_map_test.cpp, tests/unit/alfen_driver_test.cpp and
// tests/integration/ (the driver and the server over real TCP), tests/cli/evchargerd_test.sh (the daemon).

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "drivers/core/clock.hpp"
#include "drivers/transport/modbus/modbus_device.hpp"
#include "simulators/chargers/alfen/alfen_settings.hpp"
#include "simulators/chargers/alfen/register_map.hpp"
#include "simulators/physics/ev.hpp"

namespace evhil::sim::alfen {

inline constexpr std::uint8_t station_unit = 200;
inline constexpr double max_setpoint_a = 80.0;  // the end of the IEC 61851 PWM range; above it is rejected
inline constexpr double min_pwm_current_a = 6.0;

class AlfenStation final : public modbus::ModbusDevice {
public:
    // socket2_ev only on a dual station (settings.sockets == 2); a socket without an EV reads state A.
    AlfenStation(AlfenStationSettings settings, const Clock& clock, physics::Ev* socket1_ev,
                 physics::Ev* socket2_ev = nullptr);

    std::optional<modbus::Pdu> handle(std::uint8_t unit, std::span<const std::uint8_t> request) override;
    modbus::ConnectionRules connection_rules() const override;

    // Advances the physics by dt (the clock must already read the end of the step): offers the applied
    // current to each EV, steps it and integrates the energy counters.
    void step(Duration dt);
    // Loses the volatile state (setpoints, countdowns, SCN limits), restarts uptime and calls on_reboot.
    void reboot();
    // Station error: Mode 3 state F, no PWM, socket inoperative (1200 = 0).
    void set_error(bool error) { error_ = error; }
    bool error() const { return error_; }
    // Called after reboot(); server adapters use it to drop their connections, as the real station does.
    void set_on_reboot(std::function<void()> callback) { on_reboot_ = std::move(callback); }

    const AlfenStationSettings& settings() const { return settings_; }
    std::size_t socket_count() const { return static_cast<std::size_t>(settings_.sockets); }

    // What the harness records. `socket` is 0 or 1; `phase` is 1..3 (L1..L3, station-relative).
    double setpoint_a(std::size_t socket = 0) const;  // NaN when no valid setpoint
    double applied_current_a(std::size_t socket = 0) const { return applied_current_at(socket, clock_.now()); }
    std::uint32_t validity_remaining_s(std::size_t socket = 0) const;
    bool setpoint_accounted(std::size_t socket = 0) const { return setpoint_accounted_at(socket, clock_.now()); }
    std::string_view mode3_state(std::size_t socket = 0) const { return mode3_state_at(socket, clock_.now()); }
    int phases(std::size_t socket = 0) const;  // phases the socket switches now (1 or 3)
    double power_w(std::size_t socket = 0) const;
    double current_a(int phase, std::size_t socket = 0) const;
    double energy_delivered_wh(std::size_t socket = 0) const;
    double station_max_current_a() const { return settings_.station_max_current_a; }
    double safe_current_a() const { return settings_.safe_current_a; }
    std::uint64_t writes_accepted() const { return writes_accepted_; }
    std::uint64_t writes_rejected() const { return writes_rejected_; }
    std::uint64_t reboots() const { return reboots_; }
    // The building phase (1..3) behind a station phase, per the wiring setting; for the site model.
    int building_phase(int station_phase) const;

    // Register-level queries at one instant: the register map's getters call these with the request's time.
    double setpoint_register_a(std::size_t socket) const;  // 1210: last value written since boot, else NaN
    std::uint32_t validity_remaining_at(std::size_t socket, TimePoint now) const;
    double applied_current_at(std::size_t socket, TimePoint now) const;
    bool setpoint_accounted_at(std::size_t socket, TimePoint now) const;
    std::string_view mode3_state_at(std::size_t socket, TimePoint now) const;
    int phase_mode(std::size_t socket) const { return sockets_.at(socket).phase_mode; }  // 1215
    bool available() const { return !error_; }
    double voltage_ln_v(int phase) const;  // L-N; 0 on phases a 1-phase station lacks
    double voltage_ll_v(int pair) const;   // 1: L1-L2, 2: L2-L3, 3: L3-L1
    double phase_power_w(int phase, std::size_t socket) const;
    double phase_energy_delivered_wh(int phase, std::size_t socket) const;
    TimePoint last_measurement(std::size_t socket) const { return sockets_.at(socket).measured_at; }
    Duration uptime_at(TimePoint now) const { return now - booted_at_; }
    double board_temperature_c() const;
    double scn_limit_register_a(int phase) const;  // 1417/1419/1421: last value written since boot, else NaN
    std::uint32_t scn_remaining_at(int phase, TimePoint now) const;
    double scn_consumption_a(int phase) const;  // all sockets together
    double scn_actual_max_a(int phase, TimePoint now) const;

private:
    // A written limit that holds for the validity time after its last write; volatile across reboots.
    struct Countdown {
        double value = 0;
        std::optional<TimePoint> written_at;
        bool valid_at(TimePoint now, Duration validity) const { return written_at && now < *written_at + validity; }
    };
    struct Socket {
        physics::Ev* ev = nullptr;
        Countdown setpoint;
        int phase_mode = 3;  // 1215; kept across reboots (it mirrors an installer choice)
        std::array<double, 3> energy_delivered_wh{};
        TimePoint measured_at;
    };
    struct PendingWrite {
        WriteTarget target;
        double value;
    };

    std::optional<modbus::Pdu> read(const RegisterContext& context, UnitScope scope, std::uint8_t function,
                                    std::uint16_t address, std::uint16_t count) const;
    modbus::Pdu write(UnitScope scope, std::size_t socket, TimePoint now, std::uint8_t function, std::uint16_t address,
                      std::span<const std::uint16_t> values);
    modbus::Pdu reject_write(std::uint8_t function, modbus::ExceptionCode code);
    std::uint32_t remaining_s(const Countdown& countdown, TimePoint now) const;
    double limit_without_setpoint(std::size_t socket, TimePoint now) const;
    double scn_limit_at(int phase, TimePoint now) const;  // NaN when not valid
    double phase_current_a(int phase, const Socket& socket) const;

    AlfenStationSettings settings_;
    const Clock& clock_;
    std::array<Socket, 2> sockets_;
    std::array<Countdown, 3> scn_limits_;
    TimePoint booted_at_;
    bool error_ = false;
    std::function<void()> on_reboot_;
    std::uint64_t writes_accepted_ = 0;
    std::uint64_t writes_rejected_ = 0;
    std::uint64_t reboots_ = 0;
};

}  // namespace evhil::sim::alfen
