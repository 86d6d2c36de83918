#include "drivers/chargers/alfen/alfen_driver.hpp"

#include <cmath>

#include "drivers/chargers/alfen/alfen_registers.hpp"
#include "drivers/core/log.hpp"
#include "drivers/transport/modbus/register_codec.hpp"

namespace evhil::alfen {
namespace {

using modbus::decode_float32;
using modbus::decode_float64;

// NaN registers mean "no value" (§1.4); the driver reports 0 for those, as evcc does.
double value_or_zero(double value) {
    return std::isnan(value) ? 0.0 : value;
}

double float_at(const std::vector<std::uint16_t>& block, std::uint16_t block_start, std::uint16_t address) {
    return value_or_zero(decode_float32(std::span(block).subspan(address - block_start, 2)));
}

}  // namespace

const char* to_string(DriverState state) {
    switch (state) {
        case DriverState::stopped:
            return "stopped";
        case DriverState::connecting:
            return "connecting";
        case DriverState::running:
            return "running";
        case DriverState::backing_off:
            return "backing_off";
    }
    return "unknown";
}

bool AlfenChargerState::vehicle_connected() const {
    return !mode3_state.empty() && (mode3_state[0] == 'B' || mode3_state[0] == 'C' || mode3_state[0] == 'D');
}

bool AlfenChargerState::charging() const {
    return mode3_state == "C2" || mode3_state == "D2";
}

AlfenDriver::AlfenDriver(Executor& executor, modbus::ModbusPort& port, AlfenDriverSettings settings, Rng rng,
                         std::string name)
    : executor_(executor),
      port_(port),
      settings_(settings),
      backoff_(settings.backoff, rng.fork("backoff")),
      name_(std::move(name)) {}

AlfenDriver::~AlfenDriver() {
    stop();
}

void AlfenDriver::start() {
    if (state_ != DriverState::stopped) {
        return;
    }
    state_ = DriverState::connecting;
    retry_timer_ = executor_.schedule_after(Duration{0}, [this] { attempt_connect(); });
}

void AlfenDriver::stop() {
    cancel_timers();
    port_.disconnect();
    state_ = DriverState::stopped;
}

void AlfenDriver::cancel_timers() {
    executor_.cancel(poll_timer_);
    executor_.cancel(retry_timer_);
}

void AlfenDriver::suspend(bool suspended) {
    suspended_ = suspended;
}

void AlfenDriver::set_current(double amps) {
    amps = std::max(0.0, amps);
    bool changed = !commanded_a_ || std::abs(*commanded_a_ - amps) > 1e-6;
    commanded_a_ = amps;
    if (changed && state_ == DriverState::running && !suspended_) {
        write_setpoint("new setpoint");
    }
}

template <typename Result>
bool AlfenDriver::account(const Result& result, TimePoint started) {
    double latency = to_seconds(executor_.now() - started);
    ++counters_.requests;
    counters_.last_latency_s = latency;
    counters_.total_latency_s += latency;
    counters_.max_latency_s = std::max(counters_.max_latency_s, latency);
    if (result.ok()) {
        consecutive_exceptions_ = 0;
        return true;
    }
    const auto& error = result.error();
    ++counters_.errors;
    if (error.kind == modbus::PortError::Kind::exception) {
        ++counters_.exceptions;
    }
    if (error.kind == modbus::PortError::Kind::timeout) {
        ++counters_.timeouts;
    }
    log::get(name_)->warn("{}", error.message);
    if (error.breaks_connection() || ++consecutive_exceptions_ >= settings_.exceptions_before_reconnect) {
        enter_backoff(error.message);
    }
    return false;
}

void AlfenDriver::attempt_connect() {
    state_ = DriverState::connecting;
    if (suspended_) {
        retry_timer_ = executor_.schedule_after(settings_.poll_interval, [this] { attempt_connect(); });
        return;
    }
    if (auto error = port_.connect()) {
        ++counters_.connect_failures;
        enter_backoff(error->message);
        return;
    }
    ++counters_.connects;
    if (ever_connected_) {
        ++counters_.reconnects;
    }
    ever_connected_ = true;
    consecutive_exceptions_ = 0;
    charger_.valid = false;
    if (!read_station_info(true)) {
        return;  // read_station_info already moved to backing_off
    }
    enter_running();
}

std::optional<std::vector<std::uint16_t>> AlfenDriver::read_block(std::uint8_t unit, const RegisterBlock& block) {
    auto started = executor_.now();
    auto result = port_.read_holding_registers(unit, block.address, block.count);
    if (!account(result, started)) {
        return std::nullopt;
    }
    return result.value();
}

bool AlfenDriver::read_station_info(bool on_connect) {
    auto identification = read_block(settings_.station_unit, reg::identification);
    auto status = identification ? read_block(settings_.station_unit, reg::station_status) : std::nullopt;
    if (!identification || !status) {
        // Without the station's limits the driver cannot run; a later refresh may fail without harm.
        if (on_connect && state_ != DriverState::backing_off) {
            enter_backoff("cannot read the station registers on unit " + std::to_string(settings_.station_unit));
        }
        return false;
    }
    auto words = std::span(*identification);
    auto text = [&](std::uint16_t address, std::size_t count) {
        return modbus::decode_string(words.subspan(address - reg::identification.address, count));
    };
    charger_.firmware = text(reg::firmware, 17);
    charger_.platform = text(reg::platform, 17);
    charger_.serial = text(reg::serial, 11);
    charger_.station_max_current_a = float_at(*status, reg::station_status.address, reg::station_max_current);
    last_station_info_ = executor_.now();
    return true;
}

void AlfenDriver::enter_running() {
    state_ = DriverState::running;
    backoff_.reset();
    log::get(name_)->info("connected to {} ({} firmware {}, serial {})", port_.endpoint(), charger_.platform,
                          charger_.firmware, charger_.serial);
    // The station forgot nothing if only the link dropped, but it may have rebooted: re-send at once.
    write_setpoint("reconnected");
    if (state_ != DriverState::running) {
        return;  // the write broke the connection
    }
    executor_.cancel(poll_timer_);
    poll_timer_ = executor_.schedule_every(settings_.poll_interval, [this] { poll(); });
    poll();
}

void AlfenDriver::enter_backoff(const std::string& reason) {
    cancel_timers();
    port_.disconnect();
    state_ = DriverState::backing_off;
    auto delay = backoff_.next_delay();
    log::get(name_)->warn("backing off {:.1f} s: {}", to_seconds(delay), reason);
    retry_timer_ = executor_.schedule_after(delay, [this] { attempt_connect(); });
}

bool AlfenDriver::write_setpoint(const char* reason) {
    if (!commanded_a_) {
        return true;
    }
    auto words = modbus::encode_float32(static_cast<float>(*commanded_a_));
    auto started = executor_.now();
    auto result = port_.write_registers(settings_.socket_unit, reg::setpoint, words);
    ++counters_.writes;
    if (!account(result, started)) {
        return false;
    }
    log::get(name_)->debug("wrote {:.1f} A to 1210 ({})", *commanded_a_, reason);
    last_write_ = executor_.now();
    unverified_write_a_ = *commanded_a_;
    return true;
}

void AlfenDriver::poll() {
    if (state_ != DriverState::running || suspended_) {
        return;
    }
    const auto unit = settings_.socket_unit;
    auto measurements = read_block(unit, reg::measurements);
    auto energy = measurements ? read_block(unit, reg::energy) : std::nullopt;
    auto status = energy ? read_block(unit, reg::socket_status) : std::nullopt;
    if (!status) {
        return;  // counted; a broken connection has already moved the driver to backing_off
    }

    const auto& m = *measurements;
    const auto base = reg::measurements.address;
    for (int phase = 0; phase < 3; ++phase) {
        auto offset = static_cast<std::uint16_t>(2 * phase);
        charger_.voltage_v[phase] = float_at(m, base, reg::voltage_l1 + offset);
        charger_.current_a[phase] = float_at(m, base, reg::current_l1 + offset);
        charger_.power_w[phase] = float_at(m, base, reg::power_l1 + offset);
    }
    charger_.power_total_w = float_at(m, base, reg::power_sum);
    charger_.energy_wh = value_or_zero(decode_float64(*energy));

    const auto& s = *status;
    const auto status_base = reg::socket_status.address;
    auto word = [&](std::uint16_t address) { return s[address - status_base]; };
    charger_.available = word(reg::availability) == 1;
    std::string state = modbus::decode_string(std::span(s).subspan(reg::mode3_state - status_base, 5));
    for (auto& c : state) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    charger_.mode3_state = state;
    charger_.applied_current_a = float_at(s, status_base, reg::applied_current);
    charger_.validity_remaining_s = modbus::decode_u32(std::span(s).subspan(reg::valid_time - status_base, 2));
    charger_.setpoint_readback_a = decode_float32(std::span(s).subspan(reg::setpoint - status_base, 2));
    charger_.safe_current_a = float_at(s, status_base, reg::safe_current);
    charger_.setpoint_accounted = word(reg::setpoint_accounted) == 1;
    charger_.phases = word(reg::phases) == 1 ? 1 : 3;  // VAC treats anything but 1 as three phases
    charger_.valid = true;
    ++counters_.polls;

    update_session();
    verify_last_write();
    if (state_ == DriverState::running) {
        check_setpoint_upkeep();
    }
    if (state_ == DriverState::running && last_station_info_ &&
        executor_.now() - *last_station_info_ >= settings_.station_info_interval) {
        read_station_info(false);
    }
    if (on_poll_) {
        on_poll_();
    }
}

void AlfenDriver::verify_last_write() {
    if (!unverified_write_a_) {
        return;
    }
    double written = *unverified_write_a_;
    unverified_write_a_.reset();
    double tolerance = settings_.verify_tolerance_a;
    bool readback_ok = std::abs(charger_.setpoint_readback_a - written) <= tolerance;
    // 1206 is the lowest of all limits, so it may be below the setpoint but never above it.
    bool applied_ok = charger_.applied_current_a <= written + tolerance;
    if (readback_ok && applied_ok) {
        ++counters_.verified_writes;
        return;
    }
    ++counters_.verify_failures;
    log::get(name_)->warn("setpoint {:.1f} A not confirmed: 1210 reads {:.1f} A, 1206 reads {:.1f} A", written,
                          charger_.setpoint_readback_a, charger_.applied_current_a);
    last_write_.reset();  // forces a rewrite below
}

void AlfenDriver::check_setpoint_upkeep() {
    if (!commanded_a_) {
        return;
    }
    auto now = executor_.now();
    if (!last_write_) {
        write_setpoint("unconfirmed");
    } else if (now - *last_write_ >= settings_.rewrite_interval) {
        write_setpoint("keep-alive");
    } else if (charger_.validity_remaining_s < to_seconds(settings_.validity_margin)) {
        write_setpoint("validity running out");
    } else if (std::isnan(charger_.setpoint_readback_a) ||
               std::abs(charger_.setpoint_readback_a - *commanded_a_) > settings_.verify_tolerance_a) {
        write_setpoint("station lost the setpoint");
    }
}

void AlfenDriver::update_session() {
    auto now = executor_.now();
    bool connected = charger_.vehicle_connected();
    if (connected && !session_.active) {
        session_.active = true;
        session_.started = now;
        session_.start_energy_wh = charger_.energy_wh;
    }
    if (session_.active) {
        session_.energy_wh = charger_.energy_wh - session_.start_energy_wh;
        session_.duration_s = to_seconds(now - session_.started);
    }
    if (!connected && session_.active) {
        session_.active = false;
        ++session_.completed;
        session_.last_energy_wh = session_.energy_wh;
        session_.last_duration_s = session_.duration_s;
    }
}

AlfenDriverSettings parse_alfen_driver_settings(const ConfigNode& node) {
    node.allow_keys({"station_unit", "socket_unit", "poll_interval", "rewrite_interval", "validity_margin",
                     "station_info_interval", "verify_tolerance", "exceptions_before_reconnect", "backoff_initial",
                     "backoff_max"});
    using namespace std::chrono_literals;
    AlfenDriverSettings s;
    s.station_unit = static_cast<std::uint8_t>(node.get_int("station_unit", s.station_unit, 1, 247));
    s.socket_unit = static_cast<std::uint8_t>(node.get_int("socket_unit", s.socket_unit, 1, 2));
    s.poll_interval = node.get_duration("poll_interval", s.poll_interval, 100ms, 60s);
    s.rewrite_interval = node.get_duration("rewrite_interval", s.rewrite_interval, 1s, 24h);
    s.validity_margin = node.get_duration("validity_margin", s.validity_margin, 0s, 1h);
    s.station_info_interval = node.get_duration("station_info_interval", s.station_info_interval, 1s, 24h);
    s.verify_tolerance_a = node.get_double("verify_tolerance", s.verify_tolerance_a, 0.0, 5.0);
    s.exceptions_before_reconnect =
        static_cast<int>(node.get_int("exceptions_before_reconnect", s.exceptions_before_reconnect, 1, 100));
    s.backoff.initial = node.get_duration("backoff_initial", s.backoff.initial, 10ms, 10min);
    s.backoff.maximum = node.get_duration("backoff_max", s.backoff.maximum, s.backoff.initial, 1h);
    return s;
}

}  // namespace evhil::alfen
