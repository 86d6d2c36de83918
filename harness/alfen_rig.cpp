// The Alfen NG9xx rig: AlfenStation simulator (sim, wire) or a real station (bench), the link for the target,
// and the production AlfenDriver.

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "drivers/chargers/alfen/alfen_driver.hpp"
#include "drivers/chargers/alfen/alfen_registers.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "harness/modbus_link.hpp"
#include "harness/rig.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"

namespace evhil::harness {
namespace {

const std::vector<std::string> mode3_labels{"A", "B1", "B2", "C1", "C2", "D1", "D2", "E", "F"};

double mode3_value(std::string_view state) {
    for (std::size_t i = 0; i < mode3_labels.size(); ++i) {
        if (mode3_labels[i] == state) {
            return static_cast<double>(i);
        }
    }
    return std::nan("");
}

const std::vector<std::string> driver_state_labels{"stopped", "connecting", "running", "backing_off"};

// On a bench only what the driver reads off the real station is known; these exist only in a simulator.
const std::set<std::string> simulator_only_signals{"charger.phases", "charger.writes_accepted", "charger.reboots"};

const BenchDevice* find_bench_device(const DeviceSpec& device, const RigContext& context) {
    if (context.target != "bench") {
        return nullptr;
    }
    auto found = context.bench->devices.find(device.id);
    if (found == context.bench->devices.end()) {
        device.node.fail(fmt::format("the bench file {} has no device '{}'", context.bench->file, device.id));
    }
    return &found->second;
}

alfen::AlfenDriverSettings driver_settings(const DeviceSpec& device, const BenchDevice* bench) {
    auto settings = device.driver ? alfen::parse_alfen_driver_settings(*device.driver) : alfen::AlfenDriverSettings{};
    if (bench != nullptr) {
        settings.station_unit = bench->station_unit.value_or(settings.station_unit);
        settings.socket_unit = bench->socket_unit.value_or(settings.socket_unit);
    }
    return settings;
}

class AlfenRig final : public ChargerRig {
public:
    AlfenRig(const DeviceSpec& device, RigContext& context)
        : context_(context),
          bench_(find_bench_device(device, context)),
          station_(make_station(device, context, bench_)),
          link_(make_link(device, context)),
          driver_(context.executor, link_->port(), driver_settings(device, bench_),
                  context.rng.fork("driver:" + device.id), device.id) {
        if (station_) {
            station_->set_on_reboot([this] { link_->drop_all_connections(); });
        }
    }
    ~AlfenRig() override { AlfenRig::stop(); }

    void start() override { driver_.start(); }
    void stop() override {
        // The link first: its tap then ends every connection itself, so a trace always ends the same way
        // rather than racing the driver's own disconnect.
        link_->stop();
        driver_.stop();
    }

    void step(Duration dt) override {
        if (station_) {
            station_->step(dt);
        }
        link_->step();
    }

    std::optional<double> set_current(double amps) override {
        if (bench_ != nullptr) {
            if (bench_->read_only) {
                ++suppressed_writes_;
                return std::nullopt;
            }
            if (amps > bench_->max_current_a) {
                ++capped_commands_;
                amps = bench_->max_current_a;
            }
        }
        driver_.set_current(amps);
        return amps;
    }
    double driver_station_limit_a() const override { return driver_.status().station_max_current_a; }
    double hard_limit_a() const override {
        if (station_) {
            return std::min(station_->station_max_current_a(), station_->settings().cable_max_current_a);
        }
        double station_max = driver_.status().station_max_current_a;
        return station_max > 0 ? std::min(station_max, bench_->max_current_a) : bench_->max_current_a;
    }
    void on_poll(std::function<void()> callback) override { driver_.on_update(std::move(callback)); }

    bool can_perform(const Action& action) const override {
        if (station_) {
            return true;
        }
        if (action.what == "fault" || action.what == "fault_off") {
            // The tap is ours on a bench too, and so is the driver.
            return action.fault == "link_down" || action.fault == "driver_stall";
        }
        return action.what != "plug_in" && action.what != "unplug" && action.what != "set_soc";
    }

    void set_fault(const Action& action, bool on) override {
        if (action.fault == "driver_stall") {
            driver_.suspend(on);
        } else if (action.fault == "reboot" || action.fault == "station_error") {
            if (action.fault == "station_error") {
                station_->set_error(on);
            } else if (on) {
                station_->reboot();
            }
        } else {
            link_->set_fault(action, on);
        }
    }

    void add_signals(Recorder& r) override {
        if (station_) {
            add_station_signals(r);
        } else {
            add_bench_station_signals(r);
        }
        r.add("charger.connections", "", [this] { return link_->open_connections(); });
        add_driver_signals(r);
    }

    bool observable(const std::string& signal) const override {
        return station_ != nullptr || (!signal.starts_with("ev.") && simulator_only_signals.count(signal) == 0);
    }

    std::map<std::string, double> metrics() const override {
        const auto& c = driver_.health().counters;
        std::map<std::string, double> result{
            {"driver.requests", static_cast<double>(c.requests)},
            {"driver.errors", static_cast<double>(c.errors)},
            {"driver.exceptions", static_cast<double>(c.exceptions)},
            {"driver.timeouts", static_cast<double>(c.timeouts)},
            {"driver.connects", static_cast<double>(c.connects)},
            {"driver.reconnects", static_cast<double>(c.reconnects)},
            {"driver.connect_failures", static_cast<double>(c.connect_failures)},
            {"driver.polls", static_cast<double>(c.polls)},
            {"driver.polls_skipped", static_cast<double>(c.polls_skipped)},
            {"driver.writes", static_cast<double>(c.writes)},
            {"driver.verified_writes", static_cast<double>(c.verified_writes)},
            {"driver.verify_failures", static_cast<double>(c.verify_failures)},
            {"driver.latency_mean_s", c.mean_latency_s()},
            {"driver.latency_max_s", c.max_latency_s},
            {"driver.sessions_completed", static_cast<double>(driver_.session().completed)},
        };
        result.merge(link_->metrics());
        if (station_) {
            result["charger.energy_kwh"] = station_->energy_delivered_wh() / 1000.0;
        }
        if (bench_ != nullptr) {
            result["bench.capped_commands"] = static_cast<double>(capped_commands_);
            result["bench.suppressed_writes"] = static_cast<double>(suppressed_writes_);
        }
        return result;
    }

    std::vector<modbus::TapEvent> take_trace_events() override { return link_->take_trace_events(); }

    std::optional<double> setpoint_in(const modbus::Request& request) const override {
        if (request.function != modbus::function::write_multiple_registers || request.address != alfen::reg::setpoint ||
            request.values.size() != 2) {
            return std::nullopt;
        }
        return modbus::decode_float32(request.values);
    }

private:
    static std::unique_ptr<sim::alfen::AlfenStation> make_station(const DeviceSpec& device, RigContext& context,
                                                                  const BenchDevice* bench) {
        if (bench != nullptr) {
            return nullptr;  // the real station stands in for it
        }
        auto settings = device.station ? sim::alfen::parse_alfen_station_settings(*device.station)
                                       : sim::alfen::AlfenStationSettings{};
        return std::make_unique<sim::alfen::AlfenStation>(settings, context.executor.clock(), &context.ev);
    }

    std::unique_ptr<ModbusLink> make_link(const DeviceSpec& device, RigContext& context) {
        if (context.target == "sim") {
            modbus::TcpClientSettings defaults;  // the same timeouts as the wire's client, on the virtual clock
            return make_in_process_link(*station_, context.executor, device.id,
                                        {defaults.connect_timeout, defaults.response_timeout});
        }
        WireLinkSettings settings;
        if (bench_ != nullptr) {
            settings.device_host = bench_->host;
            settings.device_port = bench_->port;
            settings.client.connect_timeout = bench_->connect_timeout;
            settings.client.response_timeout = bench_->response_timeout;
        } else {
            settings.device = station_.get();
        }
        return make_socket_link(context.executor, settings);
    }

    void add_station_signals(Recorder& r) {
        const auto& st = *station_;
        r.add("charger.setpoint", "A", [&st] { return st.setpoint_a(); });
        r.add("charger.applied_current", "A", [&st] { return st.applied_current_a(); });
        r.add("charger.validity_remaining", "s", [&st] { return static_cast<double>(st.validity_remaining_s()); });
        r.add("charger.setpoint_accounted", "", [&st] { return st.setpoint_accounted() ? 1.0 : 0.0; });
        r.add(
            "charger.mode3", "", [&st] { return mode3_value(st.mode3_state()); }, mode3_labels);
        r.add("charger.power", "W", [&st] { return st.power_w(); });
        r.add("charger.energy", "kWh", [&st] { return st.energy_delivered_wh() / 1000.0; });
        r.add("charger.phases", "", [&st] { return static_cast<double>(st.phases()); });
        r.add("charger.writes_accepted", "", [&st] { return static_cast<double>(st.writes_accepted()); });
        r.add("charger.reboots", "", [&st] { return static_cast<double>(st.reboots()); });
    }

    // On a bench the station's side is what the driver last read from it.
    void add_bench_station_signals(Recorder& r) {
        const auto& d = driver_;
        auto read = [&d](double (*field)(const alfen::AlfenDriver&)) {
            return [&d, field] { return d.status().valid ? field(d) : std::nan(""); };
        };
        r.add("charger.setpoint", "A", read([](const auto& a) { return a.alfen().setpoint_readback_a; }));
        r.add("charger.applied_current", "A", read([](const auto& a) { return a.status().applied_current_a; }));
        r.add("charger.validity_remaining", "s", read([](const auto& a) { return a.alfen().validity_remaining_s; }));
        r.add("charger.setpoint_accounted", "",
              read([](const auto& a) { return a.alfen().setpoint_accounted ? 1.0 : 0.0; }));
        r.add("charger.mode3", "", read([](const auto& a) { return mode3_value(a.alfen().mode3_state); }),
              mode3_labels);
        r.add("charger.power", "W", read([](const auto& a) { return a.status().power_w; }));
        r.add("charger.energy", "kWh", read([](const auto& a) { return a.status().energy_wh / 1000.0; }));
        auto unknown = [] { return std::nan(""); };
        r.add("charger.phases", "", unknown);
        r.add("charger.writes_accepted", "", unknown);
        r.add("charger.reboots", "", unknown);
    }

    void add_driver_signals(Recorder& r) {
        const auto& d = driver_;
        auto valid = [&d](double value) { return d.status().valid ? value : std::nan(""); };
        r.add(
            "driver.state", "", [&d] { return static_cast<double>(d.health().state); }, driver_state_labels);
        r.add("driver.commanded", "A", [&d] { return d.commanded_current().value_or(std::nan("")); });
        r.add("driver.applied_current", "A", [&d, valid] { return valid(d.status().applied_current_a); });
        r.add("driver.setpoint_readback", "A", [&d, valid] { return valid(d.alfen().setpoint_readback_a); });
        r.add("driver.power", "W", [&d, valid] { return valid(d.status().power_w); });
        r.add("driver.energy", "kWh", [&d, valid] { return valid(d.status().energy_wh / 1000.0); });
        r.add(
            "driver.mode3", "", [&d, valid] { return valid(mode3_value(d.alfen().mode3_state)); }, mode3_labels);
        r.add("driver.station_max_current", "A", [&d] { return d.status().station_max_current_a; });
        const auto& c = d.health().counters;
        r.add("driver.requests", "", [&c] { return static_cast<double>(c.requests); });
        r.add("driver.errors", "", [&c] { return static_cast<double>(c.errors); });
        r.add("driver.connects", "", [&c] { return static_cast<double>(c.connects); });
        r.add("driver.reconnects", "", [&c] { return static_cast<double>(c.reconnects); });
        r.add("driver.writes", "", [&c] { return static_cast<double>(c.writes); });
        r.add("driver.verify_failures", "", [&c] { return static_cast<double>(c.verify_failures); });
        r.add("driver.latency", "s", [&c] { return c.last_latency_s; });
        r.add("driver.session_active", "", [&d] { return d.session().active ? 1.0 : 0.0; });
        r.add("driver.session_energy", "kWh", [&d] { return d.session().energy_wh / 1000.0; });
        r.add("driver.session_duration", "s", [&d] { return d.session().duration_s; });
        r.add("driver.sessions_completed", "", [&d] { return static_cast<double>(d.session().completed); });
        r.add("driver.last_session_energy", "kWh", [&d] { return d.session().last_energy_wh / 1000.0; });
        r.add("driver.last_session_duration", "s", [&d] { return d.session().last_duration_s; });
    }

    RigContext& context_;
    const BenchDevice* bench_;
    std::unique_ptr<sim::alfen::AlfenStation> station_;
    std::unique_ptr<ModbusLink> link_;
    alfen::AlfenDriver driver_;
    std::uint64_t capped_commands_ = 0;
    std::uint64_t suppressed_writes_ = 0;
};

}  // namespace

std::unique_ptr<ChargerRig> make_charger_rig(const DeviceSpec& device, RigContext& context) {
    if (device.type == "alfen") {
        return std::make_unique<AlfenRig>(device, context);
    }
    device.node.fail(fmt::format("no rig for device type '{}'", device.type));
}

}  // namespace evhil::harness
