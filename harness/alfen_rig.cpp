// The Alfen NG9xx rig: AlfenStation simulator, in-process Modbus link (sim target), AlfenDriver.

#include <fmt/format.h>

#include <cmath>

#include "drivers/chargers/alfen/alfen_driver.hpp"
#include "drivers/transport/modbus/in_process.hpp"
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

class AlfenRig final : public ChargerRig {
public:
    AlfenRig(const DeviceSpec& device, RigContext& context)
        : station_(device.station ? sim::alfen::parse_alfen_station_settings(*device.station)
                                  : sim::alfen::AlfenStationSettings{},
                   context.executor.clock(), &context.ev),
          server_(station_, context.executor.clock(), device.id),
          port_(server_),
          driver_(context.executor, port_,
                  device.driver ? alfen::parse_alfen_driver_settings(*device.driver) : alfen::AlfenDriverSettings{},
                  context.rng.fork("driver:" + device.id), device.id) {
        station_.set_on_reboot([this] { server_.drop_all_connections(); });
    }

    void start() override { driver_.start(); }

    void step(Duration dt) override {
        station_.step(dt);
        server_.expire_idle();
    }

    void set_current(double amps) override { driver_.set_current(amps); }
    double driver_station_limit_a() const override { return driver_.charger().station_max_current_a; }
    double hard_limit_a() const override {
        return std::min(station_.station_max_current_a(), station_.settings().cable_max_current_a);
    }
    void on_poll(std::function<void()> callback) override { driver_.on_poll(std::move(callback)); }

    void set_fault(const std::string& name, bool on, const std::map<std::string, std::string>& params) override {
        auto& faults = server_.faults();
        if (name == "link_down") {
            faults.link_down = on;
        } else if (name == "close") {
            if (on) {
                server_.drop_all_connections();
            }
        } else if (name == "hang") {
            faults.hang = on;
        } else if (name == "exception") {
            faults.exception.reset();
            if (on) {
                auto code = params.count("code") ? modbus::parse_exception_code(params.at("code"))
                                                 : modbus::ExceptionCode::server_device_busy;
                faults.exception = code.value_or(modbus::ExceptionCode::server_device_failure);
            }
        } else if (name == "reboot") {
            if (on) {
                station_.reboot();
            }
        } else if (name == "station_error") {
            station_.set_error(on);
        } else if (name == "driver_stall") {
            driver_.suspend(on);
        }
    }

    void add_signals(Recorder& r) override {
        const auto& st = station_;
        r.add("charger.setpoint", "A", [&st] { return st.setpoint_a(); });
        r.add("charger.applied_current", "A", [&st] { return st.applied_current_a(); });
        r.add("charger.validity_remaining", "s", [&st] { return static_cast<double>(st.validity_remaining_s()); });
        r.add("charger.setpoint_accounted", "", [&st] { return st.setpoint_accounted() ? 1.0 : 0.0; });
        r.add(
            "charger.mode3", "", [&st] { return mode3_value(st.mode3_state()); }, mode3_labels);
        r.add("charger.power", "W", [&st] { return st.power_w(); });
        r.add("charger.energy", "kWh", [&st] { return st.energy_delivered_wh() / 1000.0; });
        r.add("charger.phases", "", [&st] { return static_cast<double>(st.phases()); });
        r.add("charger.connections", "", [this] { return static_cast<double>(server_.sessions().open_count()); });
        r.add("charger.writes_accepted", "", [&st] { return static_cast<double>(st.writes_accepted()); });
        r.add("charger.reboots", "", [&st] { return static_cast<double>(st.reboots()); });

        const auto& d = driver_;
        r.add(
            "driver.state", "", [&d] { return static_cast<double>(d.state()); }, driver_state_labels);
        r.add("driver.commanded", "A", [&d] { return d.commanded_current().value_or(std::nan("")); });
        r.add("driver.applied_current", "A",
              [&d] { return d.charger().valid ? d.charger().applied_current_a : std::nan(""); });
        r.add("driver.setpoint_readback", "A",
              [&d] { return d.charger().valid ? d.charger().setpoint_readback_a : std::nan(""); });
        r.add("driver.power", "W", [&d] { return d.charger().valid ? d.charger().power_total_w : std::nan(""); });
        r.add("driver.energy", "kWh",
              [&d] { return d.charger().valid ? d.charger().energy_wh / 1000.0 : std::nan(""); });
        r.add(
            "driver.mode3", "",
            [&d] { return d.charger().valid ? mode3_value(d.charger().mode3_state) : std::nan(""); }, mode3_labels);
        r.add("driver.station_max_current", "A", [&d] { return d.charger().station_max_current_a; });
        r.add("driver.requests", "", [&d] { return static_cast<double>(d.counters().requests); });
        r.add("driver.errors", "", [&d] { return static_cast<double>(d.counters().errors); });
        r.add("driver.connects", "", [&d] { return static_cast<double>(d.counters().connects); });
        r.add("driver.reconnects", "", [&d] { return static_cast<double>(d.counters().reconnects); });
        r.add("driver.writes", "", [&d] { return static_cast<double>(d.counters().writes); });
        r.add("driver.verify_failures", "", [&d] { return static_cast<double>(d.counters().verify_failures); });
        r.add("driver.latency", "s", [&d] { return d.counters().last_latency_s; });
        r.add("driver.session_active", "", [&d] { return d.session().active ? 1.0 : 0.0; });
        r.add("driver.session_energy", "kWh", [&d] { return d.session().energy_wh / 1000.0; });
        r.add("driver.session_duration", "s", [&d] { return d.session().duration_s; });
        r.add("driver.sessions_completed", "", [&d] { return static_cast<double>(d.session().completed); });
        r.add("driver.last_session_energy", "kWh", [&d] { return d.session().last_energy_wh / 1000.0; });
        r.add("driver.last_session_duration", "s", [&d] { return d.session().last_duration_s; });
    }

    std::map<std::string, double> metrics() const override {
        const auto& c = driver_.counters();
        return {
            {"driver.requests", static_cast<double>(c.requests)},
            {"driver.errors", static_cast<double>(c.errors)},
            {"driver.exceptions", static_cast<double>(c.exceptions)},
            {"driver.timeouts", static_cast<double>(c.timeouts)},
            {"driver.connects", static_cast<double>(c.connects)},
            {"driver.reconnects", static_cast<double>(c.reconnects)},
            {"driver.connect_failures", static_cast<double>(c.connect_failures)},
            {"driver.polls", static_cast<double>(c.polls)},
            {"driver.writes", static_cast<double>(c.writes)},
            {"driver.verified_writes", static_cast<double>(c.verified_writes)},
            {"driver.verify_failures", static_cast<double>(c.verify_failures)},
            {"driver.latency_mean_s", c.mean_latency_s()},
            {"driver.latency_max_s", c.max_latency_s},
            {"driver.sessions_completed", static_cast<double>(driver_.session().completed)},
            {"charger.requests_served", static_cast<double>(server_.requests_served())},
            {"charger.connections_refused", static_cast<double>(server_.sessions().refused_count())},
            {"charger.idle_disconnects", static_cast<double>(server_.sessions().idle_closed_count())},
            {"charger.energy_kwh", station_.energy_delivered_wh() / 1000.0},
        };
    }

private:
    sim::alfen::AlfenStation station_;
    modbus::InProcessServer server_;
    modbus::InProcessClient port_;
    alfen::AlfenDriver driver_;
};

}  // namespace

std::unique_ptr<ChargerRig> make_charger_rig(const DeviceSpec& device, RigContext& context) {
    if (context.target != "sim") {
        device.node.fail(fmt::format("target '{}' is not available yet for {}", context.target, device.type));
    }
    if (device.type == "alfen") {
        return std::make_unique<AlfenRig>(device, context);
    }
    device.node.fail(fmt::format("no rig for device type '{}'", device.type));
}

}  // namespace evhil::harness
