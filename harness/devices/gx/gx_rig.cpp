#include "harness/devices/gx/gx_rig.hpp"

#include <fmt/format.h>

#include <limits>

#include "drivers/core/log.hpp"
#include "harness/traces/dbus/dbus_codec.hpp"

namespace evhil::harness {
namespace {

constexpr const char* prefix = "com.victronenergy.";

// gx.<service without the prefix>.<path with dots>
std::string signal_name(const std::string& service, const std::string& path) {
    auto name = "gx." + service.substr(std::string(prefix).size());
    std::string dotted = path.substr(1);
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    return dotted.empty() ? name : name + "." + dotted;
}

}  // namespace

GxRig::GxRig(Executor& executor, const std::string& target, station::Station& station,
             const venus::StationEvchargers& chargers, const sim::victron::GxSettings& settings, Rng rng,
             const std::optional<GxMqttSpec>& mqtt, RunBroker* broker, bool gui)
    : executor_(executor),
      buses_(make_gx_buses(executor, target)),
      address_(buses_->address()),
      chargers_(chargers),
      gx_(settings),
      // The output's back-off as evchargerd's, so a scenario measures the reconnect a user gets.
      output_(executor, buses_->station(), station, chargers, "evhil-harness", rng.fork("venus")),
      meter_(executor, buses_->meter(), rng.fork("meter")),
      gui_(buses_->gui()),
      last_set_result_(std::numeric_limits<double>::quiet_NaN()) {
    for (const auto& service : output_.services()) {
        services_.emplace_back(service->bus_name(), &service->tree());
    }
    for (auto& service : gx_.services()) {
        services_.emplace_back(service.first, service.second);
    }
    gui_enabled_ = gui;
    for (const auto& [name, tree] : services_) {
        if (gui_enabled_) {
            gui_.follow(name, tree->leaves());
        }
    }
    if (mqtt) {
        mqtt::MqttSettings bridge_settings;
        bridge_settings.client_id = "dbus-flashmq-" + settings.portal_id;
        bridge_client_ = broker->client(bridge_settings, rng.fork("bridge.mqtt"), "gx.bridge.mqtt");
        bridge_ = std::make_unique<venus::VenusMqttBridge>(
            executor, buses_->bridge(), *bridge_client_,
            venus::VenusMqttBridgeSettings{.portal_id = settings.portal_id, .keepalive_window = mqtt->keepalive_window},
            rng.fork("bridge"));
        mqtt::MqttSettings app_settings;
        app_settings.client_id = "vrm-app";
        app_ = std::make_unique<GxMqttApp>(
            executor, broker->client(app_settings, rng.fork("app.mqtt"), "gx.app.mqtt"), settings.portal_id,
            [this](const std::string& service) { return gui_.value(service, "/DeviceInstance"); });
        for (const auto& service : output_.services()) {
            app_->follow(service->bus_name(), service->tree().leaves());
        }
    }
    if (target != "sim") {
        std::vector<std::string> names;
        for (const auto& service : output_.services()) {
            names.push_back(service->bus_name());
        }
        monitor_ = std::make_unique<BusMonitor>(executor, address_, names);
    }
    intruder_tree_.add("/ProductName", {.value = std::string("an intruder holding the name"), .description = {}});
    buses_->gx().on_lost = [](const std::string& reason) { log::get("gx")->warn("virtual GX: {}", reason); };
    buses_->gui().on_lost = [](const std::string& reason) { log::get("gx")->warn("GX GUI: {}", reason); };
}

GxRig::~GxRig() {
    stop();
}

void GxRig::connect(venus::VenusBus& bus, const std::string& who, std::function<void()> then) {
    bus.connect([who, then = std::move(then), alive = std::weak_ptr<int>(alive_)](std::optional<std::string> error) {
        if (alive.expired()) {
            return;
        }
        if (error) {
            log::get("gx")->error("{}: {}", who, *error);
            return;
        }
        then();
    });
}

void GxRig::start() {
    if (monitor_) {
        // Everything starts once the monitor records, so that the trace holds the whole run.
        monitor_->on_ready([this] { start_services(); });
        return;
    }
    start_services();
}

void GxRig::start_services() {
    gx_.update({}, Duration{0});
    // The GX is up before evchargerd, as on a real installation: the output claims its instances from the GX's
    // settings service.
    connect(buses_->gx(), "virtual GX", [this] {
        gx_.publish(buses_->gx(), [this, alive = std::weak_ptr<int>(alive_)](std::optional<std::string> error) {
            if (alive.expired()) {
                return;
            }
            if (error) {
                log::get("gx")->error("virtual GX: {}", *error);
            }
            output_.start();
        });
    });
    if (gui_enabled_) {
        connect(buses_->gui(), "GX GUI", [this] { gui_.start(); });
    }
    connect(buses_->intruder(), "intruder", [] {});
    meter_.start();
    if (bridge_) {
        bridge_->start();
        app_->start();
    }
}

void GxRig::stop() {
    if (monitor_) {
        monitor_->stop();  // first: the trace ends with the run, not with the teardown
    }
    alive_ = std::make_shared<int>(0);
    if (bridge_) {
        app_->stop();
        bridge_->stop();
        bridge_client_->stop();
    }
    output_.stop();
    meter_.stop();
    buses_->gui().disconnect();
    buses_->gx().disconnect();
    buses_->intruder().disconnect();
}

void GxRig::update(const sim::victron::GxInputs& inputs, Duration dt) {
    if (!stale_) {
        gx_.update(inputs, dt);
    }
    account(inputs, dt);
}

// What flowed during `dt`, from the system service's values as the GX publishes them.
void GxRig::account(const sim::victron::GxInputs& inputs, Duration dt) {
    auto number = [this](const std::string& path) {
        double out = 0;
        return venus::as_number(gx_.system().value(path), out) ? out : 0.0;
    };
    const double hours = to_seconds(dt) / 3600.0;
    double grid = 0;
    double pv = number("/Dc/Pv/Power");
    for (const char* phase : {"L1", "L2", "L3"}) {
        grid += number(fmt::format("/Ac/Grid/{}/Power", phase));
        pv +=
            number(fmt::format("/Ac/PvOnOutput/{}/Power", phase)) + number(fmt::format("/Ac/PvOnGrid/{}/Power", phase));
    }
    const double battery = number("/Dc/Battery/Power");
    ledger_.grid_import_kwh += std::max(grid, 0.0) * hours / 1000.0;
    ledger_.grid_export_kwh += std::max(-grid, 0.0) * hours / 1000.0;
    ledger_.battery_charge_kwh += std::max(battery, 0.0) * hours / 1000.0;
    ledger_.battery_discharge_kwh += std::max(-battery, 0.0) * hours / 1000.0;
    ledger_.pv_kwh += pv * hours / 1000.0;
    double ev = 0;
    for (const auto& load : inputs.ev_loads) {
        ev += load.power_w;
    }
    ledger_.ev_kwh += ev * hours / 1000.0;
    ledger_.ev_solar_kwh += std::min(ev, std::max(0.0, inputs.pv_w - inputs.house_w)) * hours / 1000.0;
}

venus::AcPosition GxRig::position_of(const std::string& charger_id) const {
    for (const auto& [id, settings] : chargers_) {
        if (id == charger_id) {
            return settings.position;
        }
    }
    return venus::AcPosition::ac_input;
}

std::string GxRig::bus_name(const std::string& service) {
    return service.starts_with(prefix) ? service : prefix + service;
}

void GxRig::add_signals(const SignalAdder& add) {
    for (const auto& [name, tree] : gui_enabled_ ? services_ : decltype(services_){}) {
        for (const auto& path : tree->leaves()) {
            add(signal_name(name, path), "", [this, name = name, path] { return gui_.value(name, path); });
        }
        add(signal_name(name, "/") + ".present", "", [this, name = name] { return gui_.present(name) ? 1.0 : 0.0; });
    }
    add("gx.last_set_result", "", [this] { return last_set_result_; });
    add("gx.energy.grid_import", "kWh", [this] { return ledger_.grid_import_kwh; });
    add("gx.energy.grid_export", "kWh", [this] { return ledger_.grid_export_kwh; });
    add("gx.energy.battery_charge", "kWh", [this] { return ledger_.battery_charge_kwh; });
    add("gx.energy.battery_discharge", "kWh", [this] { return ledger_.battery_discharge_kwh; });
    add("gx.energy.pv", "kWh", [this] { return ledger_.pv_kwh; });
    add("gx.energy.ev", "kWh", [this] { return ledger_.ev_kwh; });
    add("gx.energy.ev_solar", "kWh", [this] { return ledger_.ev_solar_kwh; });
    if (bridge_) {
        add("gx.bridge.alive", "", [this] { return bridge_->alive() ? 1.0 : 0.0; });
        app_->add_signals(add);
    }
}

bool GxRig::mqtt_keepalive(const std::string& payload, std::string& reason) {
    if (!app_) {
        reason = "the GX runs no MQTT bridge (gx: {mqtt: ...})";
        return false;
    }
    app_->keepalive(payload);
    return true;
}

bool GxRig::mqtt_write(const std::string& service, const std::string& path, const std::string& json_value,
                       std::string& reason) {
    if (!app_) {
        reason = "the GX runs no MQTT bridge (gx: {mqtt: ...})";
        return false;
    }
    return app_->write(bus_name(service), path, json_value, reason);
}

void GxRig::gui_set(const std::string& service, const std::string& path, const venus::BusValue& value,
                    std::function<void(const std::string& outcome)> done) {
    ++gui_sets_;
    gui_.set_value(bus_name(service), path, value,
                   [this, done = std::move(done), alive = std::weak_ptr<int>(alive_)](
                       std::optional<venus::SetValueResult> result, const std::optional<std::string>& error) {
                       if (alive.expired()) {
                           return;
                       }
                       if (result) {
                           last_set_result_ = static_cast<double>(*result);
                           done(fmt::format("SetValue answered {}", static_cast<int>(*result)));
                       } else {
                           last_set_result_ = std::numeric_limits<double>::quiet_NaN();
                           done("SetValue failed: " + error.value_or("no answer"));
                       }
                   });
}

// While name_taken holds, the intruder tries to hold every charger's name, again every 100 ms until it has them
// (on a real bus the station's names are released only once the daemon has seen its socket close).
void GxRig::claim_for_intruder() {
    if (!intruding_) {
        return;
    }
    auto pending = std::make_shared<std::size_t>(output_.services().size());
    auto failed = std::make_shared<bool>(false);
    for (const auto& service : output_.services()) {
        buses_->intruder().publish(
            service->bus_name(), intruder_tree_,
            [this, pending, failed, alive = std::weak_ptr<int>(alive_)](const std::optional<std::string>& error) {
                if (alive.expired()) {
                    return;
                }
                *failed = *failed || error.has_value();
                if (--*pending == 0 && *failed) {
                    executor_.schedule_after(std::chrono::milliseconds(100), [this, alive] {
                        if (!alive.expired()) {
                            claim_for_intruder();
                        }
                    });
                }
            });
    }
}

bool GxRig::set_fault(const Action& action, bool on) {
    if (action.fault == "bus_drop") {
        if (on) {
            buses_->drop_station();
        }
        return true;
    }
    if (action.fault == "name_taken") {
        intruding_ = on;
        if (on) {
            buses_->drop_station();
            claim_for_intruder();
        } else {
            for (const auto& service : output_.services()) {
                buses_->intruder().withdraw(service->bus_name());
            }
        }
        return true;
    }
    if (action.fault == "system_stale") {
        stale_ = on;
        return true;
    }
    return false;
}

std::map<std::string, double> GxRig::metrics() const {
    std::map<std::string, double> metrics{{"venus.publish_attempts", static_cast<double>(output_.attempts())},
                                          {"gx.gui_reads", static_cast<double>(gui_.reads())},
                                          {"gx.gui_signals", static_cast<double>(gui_.signals())},
                                          {"gx.gui_sets", static_cast<double>(gui_sets_)}};
    if (bridge_) {
        metrics.merge(app_->metrics());
        const auto& stats = bridge_->stats();
        metrics["gx.bridge.published"] = static_cast<double>(stats.published);
        metrics["gx.bridge.full_publishes"] = static_cast<double>(stats.full_publishes);
        metrics["gx.bridge.writes"] = static_cast<double>(stats.writes);
        metrics["gx.bridge.refused_writes"] = static_cast<double>(stats.refused_writes);
    }
    return metrics;
}

LinkTrace GxRig::take_trace() {
    LinkTrace trace;
    trace.codec = make_dbus_codec();
    if (monitor_) {
        trace.events = monitor_->take_events();
    }
    return trace;
}

const std::vector<FaultSpec>& GxRig::faults() {
    static const std::vector<FaultSpec> faults{
        {.name = "bus_drop",
         .owner = FaultSpec::Owner::link,
         .kind = FaultSpec::Kind::instant,
         .prompt_on = "restart the GX's D-Bus connection of evchargerd (e.g. restart dbus on the GX)",
         .description = "the station's bus connection breaks: its names go; the output reconnects with back-off"},
        {.name = "name_taken",
         .owner = FaultSpec::Owner::link,
         .kind = FaultSpec::Kind::sustained,
         .prompt_on = "start another service that holds the charger's com.victronenergy.evcharger name",
         .description = "the connection breaks and another connection holds the charger names until switched off"},
        {.name = "system_stale",
         .owner = FaultSpec::Owner::device,
         .kind = FaultSpec::Kind::sustained,
         .prompt_on = "stop dbus-systemcalc-py on the GX",
         .description = "the virtual GX stops updating its services: every value holds still"},
    };
    return faults;
}

}  // namespace evhil::harness
