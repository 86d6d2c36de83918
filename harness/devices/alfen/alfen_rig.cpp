// The Alfen NG9xx rig: AlfenStation simulator (sim, wire) or a real station (bench), the link for the target,
// and what the harness observes of the station's AlfenDriver.

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "drivers/chargers/alfen/alfen_driver.hpp"
#include "drivers/chargers/alfen/alfen_registers.hpp"
#include "harness/devices/alfen/alfen_rig.hpp"
#include "harness/devices/charger_signals.hpp"
#include "harness/devices/rig.hpp"
#include "harness/links/modbus_link.hpp"
#include "harness/traces/modbus_tcp/modbus_tcp_codec.hpp"
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

// On a bench only what the driver reads off the real station is known; these exist only in a simulator.
const std::set<std::string> simulator_only_signals{"charger.phases", "charger.writes_accepted", "charger.reboots"};

// The setpoint write the latencies look for: a float32 in amperes at holding register 1210 (docs/alfen.md).
const ModbusSetpointField setpoint_field{alfen::reg::setpoint, ModbusSetpointField::Format::float32};

class AlfenRig final : public ChargerRig, private PortProvider {
public:
    AlfenRig(const DeviceSpec& device, RigContext& context)
        : context_(context), id_(device.id), bench_(context.bench), station_(make_station(device, context, bench_)) {
        if (station_) {
            station_->set_on_reboot([this] {
                if (link_) {
                    link_->drop_all_connections();
                }
            });
        }
    }
    ~AlfenRig() override { AlfenRig::stop(); }

    void stop() override {
        // Before the station stops its driver: the tap then ends every connection itself, so a trace always ends
        // the same way rather than racing the driver's own disconnect.
        if (link_) {
            link_->stop();
        }
    }

    void step(Duration dt) override {
        if (station_) {
            station_->step(dt);
        }
        if (link_) {
            link_->step();
        }
    }

    PortProvider& ports() override { return *this; }
    void attach(chargers::ChargerDriver& driver) override {
        driver_ = dynamic_cast<alfen::AlfenDriver*>(&driver);
        if (driver_ == nullptr) {
            throw std::logic_error("the Alfen rig was given a driver that is not an AlfenDriver");
        }
    }
    double independent_limit_a() const override {
        if (station_) {
            return std::min(station_->station_max_current_a(), station_->settings().cable_max_current_a);
        }
        return bench_->max_current_a;
    }

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

    bool set_fault(const Action& action, bool on) override {
        if (action.fault == "driver_stall") {
            driver_->suspend(on);
            return true;
        }
        if (action.fault == "reboot" || action.fault == "station_error") {
            if (!station_) {
                return false;
            }
            if (action.fault == "station_error") {
                station_->set_error(on);
            } else if (on) {
                station_->reboot();
            }
            return true;
        }
        return link_->set_fault(action, on);
    }

    void add_signals(const SignalAdder& add) override {
        if (station_) {
            add_station_signals(add);
        } else {
            add_bench_station_signals(add);
        }
        add("charger.connections", "", [this] { return link_->open_connections(); });
        add_driver_signals(add, *driver_);
        add_alfen_driver_signals(add);
    }

    bool observable(const std::string& signal) const override {
        return station_ != nullptr || (!signal.starts_with("ev.") && simulator_only_signals.count(signal) == 0);
    }

    std::map<std::string, double> metrics() const override {
        auto result = driver_metrics(*driver_);
        result.merge(link_->metrics());
        if (station_) {
            result["charger.energy_kwh"] = station_->energy_delivered_wh() / 1000.0;
        }
        return result;
    }

    LinkTrace take_trace() override { return link_->take_trace(); }

private:
    // The Alfen driver reaches its station over Modbus TCP; the endpoint gives the timeouts (on the virtual clock
    // on sim) and, on a bench, the real device.
    modbus::ModbusPort& modbus_tcp(const std::string& /*device_id*/,
                                   const modbus::TcpClientSettings& endpoint) override {
        link_ = make_link(endpoint);
        return link_->port();
    }

    static std::unique_ptr<sim::alfen::AlfenStation> make_station(const DeviceSpec& device, RigContext& context,
                                                                  const BenchDevice* bench) {
        if (bench != nullptr) {
            return nullptr;  // the real station stands in for it
        }
        auto settings = device.station ? sim::alfen::parse_alfen_station_settings(*device.station)
                                       : sim::alfen::AlfenStationSettings{};
        return std::make_unique<sim::alfen::AlfenStation>(settings, context.executor.clock(), &context.ev);
    }

    std::unique_ptr<ModbusLink> make_link(const modbus::TcpClientSettings& endpoint) {
        auto codec = make_modbus_tcp_codec(setpoint_field);
        if (context_.target == "sim") {
            return make_in_process_link(*station_, context_.executor, id_,
                                        {endpoint.connect_timeout, endpoint.response_timeout}, codec);
        }
        WireLinkSettings settings;
        settings.client = endpoint;
        settings.codec = codec;
        if (bench_ != nullptr) {
            settings.device_host = endpoint.host;
            settings.device_port = endpoint.port;
        } else {
            settings.device = station_.get();
        }
        return make_socket_link(context_.executor, settings);
    }

    void add_station_signals(const SignalAdder& add) {
        const auto& st = *station_;
        add("charger.setpoint", "A", [&st] { return st.setpoint_a(); });
        add("charger.applied_current", "A", [&st] { return st.applied_current_a(); });
        add("charger.validity_remaining", "s", [&st] { return static_cast<double>(st.validity_remaining_s()); });
        add("charger.setpoint_accounted", "", [&st] { return st.setpoint_accounted() ? 1.0 : 0.0; });
        add(
            "charger.mode3", "", [&st] { return mode3_value(st.mode3_state()); }, mode3_labels);
        add("charger.power", "W", [&st] { return st.power_w(); });
        add("charger.energy", "kWh", [&st] { return st.energy_delivered_wh() / 1000.0; });
        add("charger.phases", "", [&st] { return static_cast<double>(st.phases()); });
        add("charger.writes_accepted", "", [&st] { return static_cast<double>(st.writes_accepted()); });
        add("charger.reboots", "", [&st] { return static_cast<double>(st.reboots()); });
    }

    // On a bench the station's side is what the driver last read from it.
    void add_bench_station_signals(const SignalAdder& add) {
        const auto& d = *driver_;
        auto read = [&d](double (*field)(const alfen::AlfenDriver&)) {
            return [&d, field] { return d.status().valid ? field(d) : std::nan(""); };
        };
        add("charger.setpoint", "A", read([](const auto& a) { return a.alfen().setpoint_readback_a; }));
        add("charger.applied_current", "A", read([](const auto& a) { return a.status().applied_current_a; }));
        add("charger.validity_remaining", "s", read([](const auto& a) { return a.alfen().validity_remaining_s; }));
        add("charger.setpoint_accounted", "",
            read([](const auto& a) { return a.alfen().setpoint_accounted ? 1.0 : 0.0; }));
        add("charger.mode3", "", read([](const auto& a) { return mode3_value(a.alfen().mode3_state); }), mode3_labels);
        add("charger.power", "W", read([](const auto& a) { return a.status().power_w; }));
        add("charger.energy", "kWh", read([](const auto& a) { return a.status().energy_wh / 1000.0; }));
        auto unknown = [] { return std::nan(""); };
        add("charger.phases", "", unknown);
        add("charger.writes_accepted", "", unknown);
        add("charger.reboots", "", unknown);
    }

    // The generic driver signals are add_driver_signals(); these are what only the Alfen registers tell.
    void add_alfen_driver_signals(const SignalAdder& add) {
        const auto& d = *driver_;
        auto valid = [&d](double value) { return d.status().valid ? value : std::nan(""); };
        add("driver.setpoint_readback", "A", [&d, valid] { return valid(d.alfen().setpoint_readback_a); });
        add(
            "driver.mode3", "", [&d, valid] { return valid(mode3_value(d.alfen().mode3_state)); }, mode3_labels);
    }

    RigContext& context_;
    std::string id_;
    const BenchDevice* bench_;
    std::unique_ptr<sim::alfen::AlfenStation> station_;
    std::unique_ptr<ModbusLink> link_;
    alfen::AlfenDriver* driver_ = nullptr;
};

}  // namespace

const std::vector<FaultSpec>& alfen_rig_faults() {
    static const std::vector<FaultSpec> faults = [] {
        std::vector<FaultSpec> all = modbus_link_faults();
        all.insert(all.end(), driver_faults().begin(), driver_faults().end());
        all.push_back({.name = "reboot",
                       .owner = FaultSpec::Owner::device,
                       .kind = FaultSpec::Kind::instant,
                       .restores_link = true,
                       .prompt_on = "power-cycle {device}",
                       .description = "the station restarts: the setpoint and its countdown are lost"});
        all.push_back({.name = "station_error",
                       .owner = FaultSpec::Owner::device,
                       .kind = FaultSpec::Kind::sustained,
                       .prompt_on = "put {device} into an error state (Mode 3 state F)",
                       .prompt_off = "clear the error on {device}",
                       .description = "the station reports Mode 3 state F and offers no current"});
        return all;
    }();
    return faults;
}

std::unique_ptr<ChargerRig> make_alfen_rig(const DeviceSpec& device, RigContext& context) {
    return std::make_unique<AlfenRig>(device, context);
}

}  // namespace evhil::harness
