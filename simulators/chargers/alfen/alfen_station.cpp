#include "simulators/chargers/alfen/alfen_station.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "drivers/transport/modbus/register_codec.hpp"
#include "simulators/physics/control_pilot.hpp"

namespace evhil::sim::alfen {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double sqrt3 = 1.7320508075688772;
// Board heating per ampere drawn through the station: a few degrees at full load.
constexpr double board_heating_c_per_a = 0.1;

// Mode 3 strings as string_views into storage that lives for the program, built once from the physics model's
// own naming so the two cannot disagree.
std::string_view mode3_text(physics::PilotState state, bool pwm_on) {
    static const auto table = [] {
        std::array<std::array<std::string, 2>, 6> names;
        for (int s = 0; s < 6; ++s) {
            for (int pwm = 0; pwm < 2; ++pwm) {
                names[s][pwm] = physics::mode3_state(static_cast<physics::PilotState>(s), pwm == 1);
            }
        }
        return names;
    }();
    return table[static_cast<std::size_t>(state)][pwm_on ? 1 : 0];
}

bool is_max_current(WriteTarget target) {
    return target == WriteTarget::setpoint || target == WriteTarget::scn_limit_l1 ||
           target == WriteTarget::scn_limit_l2 || target == WriteTarget::scn_limit_l3;
}

std::size_t phase_index(int phase) {
    if (phase < 1 || phase > 3) {
        throw std::out_of_range("phase must be 1, 2 or 3, got " + std::to_string(phase));
    }
    return static_cast<std::size_t>(phase - 1);
}

}  // namespace

AlfenStation::AlfenStation(AlfenStationSettings settings, const Clock& clock, physics::Ev* socket1_ev,
                           physics::Ev* socket2_ev)
    : settings_(std::move(settings)), clock_(clock), booted_at_(clock.now()) {
    if (settings_.sockets != 1 && settings_.sockets != 2) {
        throw std::invalid_argument("an Alfen station has 1 or 2 sockets");
    }
    if (settings_.phases != 1 && settings_.phases != 3) {
        throw std::invalid_argument("an Alfen station is wired for 1 or 3 phases");
    }
    if (socket2_ev != nullptr && settings_.sockets != 2) {
        throw std::invalid_argument("an EV for socket 2 needs a dual station (sockets: 2)");
    }
    sockets_[0].ev = socket1_ev;
    sockets_[1].ev = socket2_ev;
    for (auto& socket : sockets_) {
        socket.phase_mode = settings_.phases;
        socket.measured_at = booted_at_;
    }
}

modbus::ConnectionRules AlfenStation::connection_rules() const {
    return modbus::ConnectionRules{settings_.max_masters, settings_.idle_timeout};
}

// ---- Modbus ----

std::optional<modbus::Pdu> AlfenStation::handle(std::uint8_t unit, std::span<const std::uint8_t> request) {
    std::uint8_t function = request.empty() ? 0 : request[0];
    UnitScope scope = UnitScope::station;
    std::size_t socket = 0;
    if (unit == station_unit) {
        scope = UnitScope::station;
    } else if (unit >= 1 && unit <= socket_count()) {
        scope = UnitScope::socket;
        socket = unit - 1u;
    } else if (settings_.unknown_unit_behaviour == UnknownUnitBehaviour::ignore) {
        return std::nullopt;
    } else {
        return modbus::encode_exception(function, modbus::ExceptionCode::gateway_target_failed);
    }

    // FC3, FC6 and FC16 only (reference 1.3); FC4 in particular is not supported.
    if (function != modbus::function::read_holding_registers && function != modbus::function::write_single_register &&
        function != modbus::function::write_multiple_registers) {
        return modbus::encode_exception(function, modbus::ExceptionCode::illegal_function);
    }
    auto decoded = modbus::decode_request(request);
    if (auto* code = std::get_if<modbus::ExceptionCode>(&decoded)) {
        if (function != modbus::function::read_holding_registers) {
            ++writes_rejected_;
        }
        return modbus::encode_exception(function, *code);
    }
    const auto& parsed = std::get<modbus::Request>(decoded);
    TimePoint now = clock_.now();
    if (function == modbus::function::read_holding_registers) {
        return read(RegisterContext{*this, socket, now}, scope, function, parsed.address, parsed.count);
    }
    return write(scope, socket, now, function, parsed.address, parsed.values);
}

std::optional<modbus::Pdu> AlfenStation::read(const RegisterContext& context, UnitScope scope, std::uint8_t function,
                                              std::uint16_t address, std::uint16_t count) const {
    if (!settings_.allow_reading) {
        // "Allow reading" off: how the station refuses is undocumented; Illegal Function says "not served".
        return modbus::encode_exception(function, modbus::ExceptionCode::illegal_function);
    }
    std::array<std::uint16_t, modbus::max_read_registers> words;
    auto find = [scope](std::uint32_t at) {
        return at <= 0xFFFF ? find_register(scope, static_cast<std::uint16_t>(at)) : nullptr;
    };
    auto encode = [&](const RegisterRow& row, std::span<std::uint16_t> out) {
        encode_register(row, row.get(context), settings_.float_nan_pattern, out);
    };
    if (!read_register_range<max_row_registers>(address, std::span(words.data(), count), find, encode)) {
        return modbus::encode_exception(function, modbus::ExceptionCode::illegal_data_address);
    }
    return modbus::encode_read_response(function, std::span<const std::uint16_t>(words.data(), count));
}

modbus::Pdu AlfenStation::reject_write(std::uint8_t function, modbus::ExceptionCode code) {
    ++writes_rejected_;
    return modbus::encode_exception(function, code);
}

modbus::Pdu AlfenStation::write(UnitScope scope, std::size_t socket, TimePoint now, std::uint8_t function,
                                std::uint16_t address, std::span<const std::uint16_t> values) {
    // Check the whole request first, then apply it: a rejected write changes nothing.
    std::array<PendingWrite, modbus::max_write_registers> pending;
    std::size_t pending_count = 0;
    std::uint32_t end = std::uint32_t{address} + static_cast<std::uint32_t>(values.size());
    for (std::uint32_t at = address; at < end;) {
        const RegisterRow* row = at <= 0xFFFF ? find_register(scope, static_cast<std::uint16_t>(at)) : nullptr;
        if (row == nullptr) {
            return reject_write(function, modbus::ExceptionCode::illegal_data_address);
        }
        if (row->access != Access::read_write || (is_max_current(row->write_target) && !settings_.allow_writing)) {
            return reject_write(function, settings_.read_only_write_exception);
        }
        // A multi-register value must be written whole, in one request (reference 1.3).
        if (at != row->address || row->address + row->count > end) {
            return reject_write(function, settings_.partial_write_exception);
        }
        auto words = values.subspan(at - address, row->count);
        double value = row->type == RegisterType::f32 ? double(modbus::decode_float32(words)) : double(words[0]);
        if (row->write_target == WriteTarget::phases) {
            if (value != 1 && value != 3) {
                return reject_write(function, modbus::ExceptionCode::illegal_data_value);
            }
        } else if (!std::isfinite(value) || value < 0 || value > max_setpoint_a) {
            return reject_write(function, modbus::ExceptionCode::illegal_data_value);
        }
        pending[pending_count++] = PendingWrite{row->write_target, value};
        at += row->count;
    }

    for (std::size_t i = 0; i < pending_count; ++i) {
        const auto& [target, value] = pending[i];
        switch (target) {
            case WriteTarget::setpoint:
                sockets_[socket].setpoint = Countdown{value, now};
                break;
            case WriteTarget::phases:
                // Acknowledged either way; without "Allow 1- and 3-phased charging" the station ignores it.
                if (settings_.allow_1p3p) {
                    sockets_[socket].phase_mode = static_cast<int>(value);
                }
                break;
            case WriteTarget::scn_limit_l1:
            case WriteTarget::scn_limit_l2:
            case WriteTarget::scn_limit_l3:
                scn_limits_[static_cast<std::size_t>(target) - static_cast<std::size_t>(WriteTarget::scn_limit_l1)] =
                    Countdown{value, now};
                break;
            case WriteTarget::none:
                break;
        }
    }
    ++writes_accepted_;
    if (function == modbus::function::write_single_register) {
        return modbus::encode_write_single_response(address, values[0]);
    }
    return modbus::encode_write_multiple_response(address, static_cast<std::uint16_t>(values.size()));
}

// ---- time and events ----

void AlfenStation::step(Duration dt) {
    TimePoint now = clock_.now();
    double hours = to_seconds(dt) / 3600.0;
    for (std::size_t i = 0; i < socket_count(); ++i) {
        Socket& socket = sockets_[i];
        socket.measured_at = now;
        if (socket.ev == nullptr) {
            continue;
        }
        double applied = applied_current_at(i, now);
        socket.ev->set_pilot(error_ ? 0.0 : physics::duty_cycle_for_current(applied), phases(i));
        socket.ev->step(dt, settings_.nominal_voltage_v);
        for (int phase = 1; phase <= 3; ++phase) {
            socket.energy_delivered_wh[phase_index(phase)] += phase_power_w(phase, i) * hours;
        }
    }
}

void AlfenStation::reboot() {
    for (auto& socket : sockets_) {
        socket.setpoint = Countdown{};
    }
    scn_limits_ = {};
    booted_at_ = clock_.now();
    ++reboots_;
    if (on_reboot_) {
        on_reboot_();
    }
}

// ---- setpoint, limits and the applied current ----

std::uint32_t AlfenStation::remaining_s(const Countdown& countdown, TimePoint now) const {
    if (!countdown.valid_at(now, settings_.validity_time)) {
        return 0;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::nanoseconds>(*countdown.written_at + settings_.validity_time - now);
    // Whole seconds, rounded up: 60 right after a write, 50 ten seconds later, 1 in the last second.
    return static_cast<std::uint32_t>((left.count() + 999'999'999) / 1'000'000'000);
}

double AlfenStation::setpoint_register_a(std::size_t socket) const {
    const auto& setpoint = sockets_.at(socket).setpoint;
    return setpoint.written_at ? setpoint.value : nan;
}

double AlfenStation::setpoint_a(std::size_t socket) const {
    const auto& setpoint = sockets_.at(socket).setpoint;
    return setpoint.valid_at(clock_.now(), settings_.validity_time) ? setpoint.value : nan;
}

std::uint32_t AlfenStation::validity_remaining_s(std::size_t socket) const {
    return validity_remaining_at(socket, clock_.now());
}

std::uint32_t AlfenStation::validity_remaining_at(std::size_t socket, TimePoint now) const {
    return remaining_s(sockets_.at(socket).setpoint, now);
}

double AlfenStation::scn_limit_at(int phase, TimePoint now) const {
    const auto& limit = scn_limits_[phase_index(phase)];
    return limit.valid_at(now, settings_.validity_time) ? limit.value : nan;
}

double AlfenStation::scn_limit_register_a(int phase) const {
    const auto& limit = scn_limits_[phase_index(phase)];
    return limit.written_at ? limit.value : nan;
}

std::uint32_t AlfenStation::scn_remaining_at(int phase, TimePoint now) const {
    return remaining_s(scn_limits_[phase_index(phase)], now);
}

double AlfenStation::scn_actual_max_a(int phase, TimePoint now) const {
    double limit = scn_limit_at(phase, now);
    return std::isnan(limit) ? settings_.station_max_current_a : std::min(limit, settings_.station_max_current_a);
}

// Every limit except the setpoint: station max, cable, and the valid SCN limits of the phases in use.
double AlfenStation::limit_without_setpoint(std::size_t socket, TimePoint now) const {
    double limit = std::min(settings_.station_max_current_a, settings_.cable_max_current_a);
    for (int phase = 1; phase <= phases(socket); ++phase) {
        double scn = scn_limit_at(phase, now);
        if (!std::isnan(scn)) {
            limit = std::min(limit, scn);
        }
    }
    return limit;
}

double AlfenStation::applied_current_at(std::size_t socket, TimePoint now) const {
    if (error_) {
        return 0.0;
    }
    const auto& setpoint = sockets_.at(socket).setpoint;
    double requested = setpoint.valid_at(now, settings_.validity_time) ? setpoint.value : settings_.safe_current_a;
    double limit = limit_without_setpoint(socket, now);
    double applied = std::min(requested, limit);
    if (applied > 0 && applied < min_pwm_current_a) {
        // IEC 61851 offers nothing between 0 and 6 A; what the station does instead is UNCONFIRMED.
        bool clamp = settings_.low_setpoint_policy == LowSetpointPolicy::clamp_to_6 && limit >= min_pwm_current_a;
        applied = clamp ? min_pwm_current_a : 0.0;
    }
    return applied;
}

bool AlfenStation::setpoint_accounted_at(std::size_t socket, TimePoint now) const {
    const auto& setpoint = sockets_.at(socket).setpoint;
    return !error_ && setpoint.valid_at(now, settings_.validity_time) &&
           setpoint.value <= limit_without_setpoint(socket, now);
}

std::string_view AlfenStation::mode3_state_at(std::size_t socket, TimePoint now) const {
    if (error_) {
        return mode3_text(physics::PilotState::F, false);
    }
    const physics::Ev* ev = sockets_.at(socket).ev;
    if (ev == nullptr || !ev->plugged_in()) {
        return mode3_text(physics::PilotState::A, false);
    }
    bool pwm_on = physics::duty_cycle_for_current(applied_current_at(socket, now)) > 0;
    return mode3_text(ev->pilot_state(), pwm_on);
}

int AlfenStation::phases(std::size_t socket) const {
    return settings_.phases == 1 ? 1 : sockets_.at(socket).phase_mode;
}

int AlfenStation::building_phase(int station_phase) const {
    std::size_t index = phase_index(station_phase);
    return settings_.wiring == Wiring::l2_l3_l1 ? static_cast<int>((index + 1) % 3) + 1 : station_phase;
}

// ---- measurements ----

double AlfenStation::phase_current_a(int phase, const Socket& socket) const {
    if (socket.ev == nullptr || phase > socket.ev->active_phases()) {
        return 0.0;
    }
    return socket.ev->current_a();
}

double AlfenStation::current_a(int phase, std::size_t socket) const {
    phase_index(phase);
    return phase_current_a(phase, sockets_.at(socket));
}

double AlfenStation::voltage_ln_v(int phase) const {
    phase_index(phase);
    return phase <= settings_.phases ? settings_.nominal_voltage_v : 0.0;
}

double AlfenStation::voltage_ll_v(int pair) const {
    phase_index(pair);
    return settings_.phases == 3 ? settings_.nominal_voltage_v * sqrt3 : 0.0;
}

double AlfenStation::phase_power_w(int phase, std::size_t socket) const {
    return voltage_ln_v(phase) * current_a(phase, socket);
}

double AlfenStation::power_w(std::size_t socket) const {
    return phase_power_w(1, socket) + phase_power_w(2, socket) + phase_power_w(3, socket);
}

double AlfenStation::phase_energy_delivered_wh(int phase, std::size_t socket) const {
    return sockets_.at(socket).energy_delivered_wh[phase_index(phase)];
}

double AlfenStation::energy_delivered_wh(std::size_t socket) const {
    const auto& energy = sockets_.at(socket).energy_delivered_wh;
    return energy[0] + energy[1] + energy[2];
}

double AlfenStation::scn_consumption_a(int phase) const {
    double total = 0;
    for (std::size_t i = 0; i < socket_count(); ++i) {
        total += current_a(phase, i);
    }
    return total;
}

double AlfenStation::board_temperature_c() const {
    double drawn = 0;
    for (int phase = 1; phase <= 3; ++phase) {
        drawn += scn_consumption_a(phase);
    }
    return settings_.board_temperature_c + board_heating_c_per_a * drawn;
}

}  // namespace evhil::sim::alfen
