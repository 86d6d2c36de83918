#include "drivers/chargers/alfen/alfen_driver.hpp"

#include <cmath>

#include "drivers/chargers/common/modbus_request_error.hpp"
#include "drivers/core/log.hpp"
#include "drivers/transport/modbus/register_codec.hpp"

namespace evhil::alfen {
namespace {

using chargers::request_error;
using modbus::decode_float32;
using modbus::decode_float64;

// NaN registers mean "no value" (docs/alfen.md, Encoding); the driver reports 0 for those, as evcc does.
double value_or_zero(double value) {
    return std::isnan(value) ? 0.0 : value;
}

double float_at(const std::vector<std::uint16_t>& block, std::uint16_t block_start, std::uint16_t address) {
    return value_or_zero(decode_float32(std::span(block).subspan(address - block_start, 2)));
}

}  // namespace

AlfenDriver::AlfenDriver(Executor& executor, modbus::ModbusPort& port, AlfenDriverSettings settings, Rng rng,
                         std::string name)
    : executor_(executor),
      port_(port),
      settings_(settings),
      name_(name),
      supervisor_(executor, settings.supervisor, rng, std::move(name),
                  {[this] { open(); },
                   [this] {
                       port_.disconnect();
                       write_in_flight_ = false;
                       phases_written_.reset();
                       status_.connected = false;
                   },
                   [this] { on_running(); }, [this] { poll(); }}) {}

AlfenDriver::~AlfenDriver() {
    supervisor_.stop();
}

void AlfenDriver::command(const chargers::ChargeCommand& command) {
    double amps = std::max(0.0, command.current_a);
    bool changed = !commanded_a_ || std::abs(*commanded_a_ - amps) > 1e-6;
    commanded_a_ = amps;
    commanded_phases_ = command.phases == 1 || command.phases == 3 ? command.phases : 0;
    if (supervisor_.running() && !supervisor_.suspended()) {
        if (changed) {
            write_setpoint("new setpoint");
        }
        check_phases(std::nullopt);
    }
}

std::optional<chargers::ChargeCommand> AlfenDriver::commanded() const {
    if (!commanded_a_) {
        return std::nullopt;
    }
    return chargers::ChargeCommand{*commanded_a_, commanded_phases_};
}

bool AlfenDriver::command_settled() const {
    return commanded_a_ && acknowledged_a_ && !write_in_flight_ && std::abs(*acknowledged_a_ - *commanded_a_) < 1e-6;
}

void AlfenDriver::open() {
    port_.connect([this](const std::optional<modbus::PortError>& error) {
        if (error) {
            supervisor_.connect_failed(error->message);
            return;
        }
        supervisor_.connected();
        status_.connected = true;
        status_.valid = false;
        read_station_info([this](bool ok) {
            if (ok) {
                supervisor_.ready();
            } else if (supervisor_.state() == chargers::DriverState::connecting) {
                // Without the station's limits the driver cannot run. (A request that broke the connection has
                // already moved the supervisor to backing_off.)
                supervisor_.fail("cannot read the station registers on unit " + std::to_string(settings_.station_unit));
            }
        });
    });
}

void AlfenDriver::on_running() {
    log::get(name_)->info("connected to {} ({} firmware {}, serial {})", port_.endpoint(), status_.model,
                          status_.firmware, status_.serial);
    // The station forgot nothing if only the link dropped, but it may have rebooted: re-send at once.
    write_setpoint("reconnected");
}

void AlfenDriver::read_block(std::uint8_t unit, const RegisterBlock& block, BlockHandler then,
                             std::function<void()> failed) {
    auto started = executor_.now();
    port_.read_holding_registers(unit, block.address, block.count,
                                 [this, started, then = std::move(then), failed = std::move(failed)](
                                     const modbus::PortResult<std::vector<std::uint16_t>>& result) {
                                     if (supervisor_.record(started, request_error(result))) {
                                         then(result.value());
                                     } else {
                                         failed();
                                     }
                                 });
}

void AlfenDriver::read_station_info(const std::function<void(bool)>& done) {
    auto failed = [done] { done(false); };
    read_block(
        settings_.station_unit, reg::identification,
        [this, done, failed](const Block& identification) {
            read_block(
                settings_.station_unit, reg::station_status,
                [this, done, identification](const Block& status) {
                    auto text = [&](std::uint16_t address, std::size_t count) {
                        return modbus::decode_string(
                            std::span(identification).subspan(address - reg::identification.address, count));
                    };
                    status_.firmware = text(reg::firmware, 17);
                    status_.model = text(reg::platform, 17);
                    status_.serial = text(reg::serial, 11);
                    status_.station_max_current_a =
                        float_at(status, reg::station_status.address, reg::station_max_current);
                    last_station_info_ = executor_.now();
                    done(true);
                },
                failed);
        },
        failed);
}

// The blocks of one poll wait in members rather than in the handlers' captures: one poll is in flight at a time
// (the supervisor starts the next when this one finished), and a capture of a block would copy it.
void AlfenDriver::poll() {
    poll_started_ = executor_.now();
    const auto unit = settings_.socket_unit;
    auto failed = [this] { supervisor_.poll_finished(); };
    read_block(
        unit, reg::measurements,
        [this, unit, failed](const Block& measurements) {
            poll_measurements_ = measurements;
            read_block(
                unit, reg::energy,
                [this, unit, failed](const Block& energy) {
                    poll_energy_ = energy;
                    read_block(
                        unit, reg::socket_status,
                        [this](const Block& status) { finish_poll(poll_measurements_, poll_energy_, status); }, failed);
                },
                failed);
        },
        failed);
}

void AlfenDriver::decode_measurements(const Block& m, const Block& energy) {
    const auto base = reg::measurements.address;
    for (int phase = 0; phase < 3; ++phase) {
        auto offset = static_cast<std::uint16_t>(2 * phase);
        auto& p = status_.phases.at(static_cast<std::size_t>(phase));
        p.voltage_v = float_at(m, base, reg::voltage_l1 + offset);
        p.current_a = float_at(m, base, reg::current_l1 + offset);
        p.power_w = float_at(m, base, reg::power_l1 + offset);
    }
    status_.power_w = float_at(m, base, reg::power_sum);
    status_.energy_wh = value_or_zero(decode_float64(energy));
}

void AlfenDriver::decode_status(const Block& s) {
    const auto base = reg::socket_status.address;
    auto word = [&](std::uint16_t address) { return s[address - base]; };
    status_.available = word(reg::availability) == 1;
    std::string state = modbus::decode_string(std::span(s).subspan(reg::mode3_state - base, 5));
    for (auto& c : state) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    alfen_.mode3_state = state;
    status_.vehicle = chargers::vehicle_state_from_mode3(state);
    status_.charging = state == "C2" || state == "D2";
    status_.applied_current_a = float_at(s, base, reg::applied_current);
    alfen_.validity_remaining_s = modbus::decode_u32(std::span(s).subspan(reg::valid_time - base, 2));
    alfen_.setpoint_readback_a = decode_float32(std::span(s).subspan(reg::setpoint - base, 2));
    alfen_.safe_current_a = float_at(s, base, reg::safe_current);
    status_.fallback_current_a = alfen_.safe_current_a;
    alfen_.setpoint_accounted = word(reg::setpoint_accounted) == 1;
    status_.phase_count = word(reg::phases) == 1 ? 1 : 3;  // VAC treats anything but 1 as three phases
}

void AlfenDriver::finish_poll(const Block& measurements, const Block& energy, const Block& status) {
    decode_measurements(measurements, energy);
    decode_status(status);
    status_.valid = true;
    supervisor_.count_poll();
    session_.update(status_.vehicle_connected(), status_.energy_wh, executor_.now());
    verify_last_write();
    if (supervisor_.running()) {
        check_setpoint_upkeep();
        check_phases(poll_started_);
    }
    if (supervisor_.running() && last_station_info_ &&
        executor_.now() - *last_station_info_ >= settings_.station_info_interval) {
        read_station_info([](bool) {});  // a failed refresh keeps the last known limits
    }
    supervisor_.poll_finished();
    if (on_update_) {
        on_update_();
    }
}

void AlfenDriver::write_setpoint(const char* reason) {
    if (!commanded_a_) {
        return;
    }
    double amps = *commanded_a_;
    auto words = modbus::encode_float32(static_cast<float>(amps));
    auto started = executor_.now();
    supervisor_.count_write();
    write_in_flight_ = true;
    port_.write_registers(settings_.socket_unit, reg::setpoint, words,
                          [this, amps, started, reason](const modbus::PortResult<modbus::Done>& result) {
                              write_in_flight_ = false;
                              if (!supervisor_.record(started, request_error(result))) {
                                  return;
                              }
                              log::get(name_)->debug("wrote {:.1f} A to 1210 ({})", amps, reason);
                              last_write_ = executor_.now();
                              unverified_write_a_ = amps;
                              acknowledged_a_ = amps;
                          });
}

void AlfenDriver::verify_last_write() {
    if (!unverified_write_a_) {
        return;
    }
    double written = *unverified_write_a_;
    unverified_write_a_.reset();
    double tolerance = settings_.verify_tolerance_a;
    bool readback_ok = std::abs(alfen_.setpoint_readback_a - written) <= tolerance;
    // 1206 is the lowest of all limits, so it may be below the setpoint but never above it.
    bool applied_ok = status_.applied_current_a <= written + tolerance;
    supervisor_.count_verification(readback_ok && applied_ok);
    if (readback_ok && applied_ok) {
        return;
    }
    log::get(name_)->warn("setpoint {:.1f} A not confirmed: 1210 reads {:.1f} A, 1206 reads {:.1f} A", written,
                          alfen_.setpoint_readback_a, status_.applied_current_a);
    last_write_.reset();  // forces a rewrite below
}

void AlfenDriver::check_setpoint_upkeep() {
    if (!commanded_a_ || write_in_flight_) {
        return;  // a write on its way is verified on the next poll
    }
    auto now = executor_.now();
    if (!last_write_) {
        write_setpoint("unconfirmed");
    } else if (now - *last_write_ >= settings_.rewrite_interval) {
        write_setpoint("keep-alive");
    } else if (alfen_.validity_remaining_s < to_seconds(settings_.validity_margin)) {
        write_setpoint("validity running out");
    } else if (std::isnan(alfen_.setpoint_readback_a) ||
               std::abs(alfen_.setpoint_readback_a - *commanded_a_) > settings_.verify_tolerance_a) {
        write_setpoint("station lost the setpoint");
    }
}

// 1215 switches between one and three phases where the station allows it ("Allow 1- and 3-phased charging"); a
// station that does not acknowledges the write and keeps its phases. So the driver writes a value once per
// connection, and only a poll started after the station acknowledged it may conclude that switching is off: that
// is reported once rather than rewritten every poll. A refused write is tried again. Whether the station pauses the
// session around the switch itself is UNCONFIRMED (the public drivers write 1215 directly, as this one does).
void AlfenDriver::check_phases(std::optional<TimePoint> poll_started) {
    if (commanded_phases_ == 0 || !status_.valid || status_.phase_count == commanded_phases_) {
        return;
    }
    if (phases_written_ == commanded_phases_) {
        bool read_after_ack = poll_started && phases_acknowledged_at_ && *poll_started > *phases_acknowledged_at_;
        if (read_after_ack && !phases_reported_) {
            log::get(name_)->warn("1215 still reads {} phases after writing {}: phase switching is off on the station",
                                  status_.phase_count, commanded_phases_);
            phases_reported_ = true;
        }
        return;
    }
    int phases = commanded_phases_;
    phases_written_ = phases;
    phases_acknowledged_at_.reset();
    phases_reported_ = false;
    auto started = executor_.now();
    supervisor_.count_write();
    port_.write_register(settings_.socket_unit, reg::phases, static_cast<std::uint16_t>(phases),
                         [this, phases, started](const modbus::PortResult<modbus::Done>& result) {
                             if (!supervisor_.record(started, request_error(result))) {
                                 if (phases_written_ == phases) {
                                     phases_written_.reset();  // refused: the next poll tries again
                                 }
                                 return;
                             }
                             phases_acknowledged_at_ = executor_.now();
                             log::get(name_)->info("wrote {} phases to 1215", phases);
                         });
}

const std::vector<std::string>& alfen_driver_setting_keys() {
    static const std::vector<std::string> keys{"station_unit",     "socket_unit",
                                               "poll_interval",    "rewrite_interval",
                                               "validity_margin",  "station_info_interval",
                                               "verify_tolerance", "exceptions_before_reconnect",
                                               "backoff_initial",  "backoff_max"};
    return keys;
}

AlfenDriverSettings parse_alfen_driver_settings(const ConfigNode& node) {
    node.allow_keys(alfen_driver_setting_keys());
    using namespace std::chrono_literals;
    AlfenDriverSettings s;
    auto& sup = s.supervisor;
    s.station_unit = static_cast<std::uint8_t>(node.get_int("station_unit", s.station_unit, 1, 247));
    s.socket_unit = static_cast<std::uint8_t>(node.get_int("socket_unit", s.socket_unit, 1, 2));
    sup.poll_interval = node.get_duration("poll_interval", sup.poll_interval, 100ms, 60s);
    s.rewrite_interval = node.get_duration("rewrite_interval", s.rewrite_interval, 1s, 24h);
    s.validity_margin = node.get_duration("validity_margin", s.validity_margin, 0s, 1h);
    s.station_info_interval = node.get_duration("station_info_interval", s.station_info_interval, 1s, 24h);
    s.verify_tolerance_a = node.get_double("verify_tolerance", s.verify_tolerance_a, 0.0, 5.0);
    sup.exceptions_before_reconnect =
        static_cast<int>(node.get_int("exceptions_before_reconnect", sup.exceptions_before_reconnect, 1, 100));
    sup.backoff.initial = node.get_duration("backoff_initial", sup.backoff.initial, 10ms, 10min);
    sup.backoff.maximum = node.get_duration("backoff_max", sup.backoff.maximum, sup.backoff.initial, 1h);
    return s;
}

}  // namespace evhil::alfen
