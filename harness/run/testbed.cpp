#include "harness/run/testbed.hpp"

#include <fmt/format.h>

#include <cmath>

#include "drivers/station/charger_kinds.hpp"
#include "harness/devices/rig.hpp"

namespace evhil::harness {
namespace {

std::unique_ptr<Clock> make_clock(const Scenario& scenario, const std::string& target) {
    if (target == "sim") {
        return std::make_unique<VirtualClock>(scenario.start);
    }
    return std::make_unique<RealClock>(scenario.start);
}

// The limiter's Bound values in order, named as the limiter names them.
std::vector<std::string> bound_labels() {
    std::vector<std::string> labels;
    for (int b = 0; b <= static_cast<int>(station::Bound::below_minimum); ++b) {
        labels.emplace_back(station::to_string(static_cast<station::Bound>(b)));
    }
    return labels;
}

const BenchDevice* find_bench_device(const DeviceSpec& device, const RunOptions& options) {
    if (options.target != "bench") {
        return nullptr;
    }
    auto found = options.bench->devices.find(device.id);
    if (found == options.bench->devices.end()) {
        device.node.fail(fmt::format("the bench file {} has no device '{}'", options.bench->file, device.id));
    }
    return &found->second;
}

// The station's configuration for this run: the scenario's, plus on a bench the bench file's endpoint and caps,
// so the code that caps a bench is the code that caps a user's installation.
station::StationConfig station_config(const Scenario& scenario, const RunOptions& options) {
    auto config = scenario.station;
    for (auto& charger : config.chargers) {
        const auto& spec = *std::find_if(scenario.devices.begin(), scenario.devices.end(),
                                         [&](const DeviceSpec& d) { return d.id == charger.id; });
        if (const auto* bench = find_bench_device(spec, options)) {
            station::find_charger_kind(charger.type)->check(charger.driver, bench->node, bench_cap_keys());
            charger.endpoint = bench->node;
            charger.limits.bench_cap_a = bench->max_current_a;
            charger.read_only = bench->read_only;
        }
    }
    return config;
}

}  // namespace

Testbed::Testbed(const Scenario& scenario, const RunOptions& options, std::uint64_t seed)
    : clock(make_clock(scenario, options.target)),
      executor(*clock),
      rng(seed),
      site(scenario.pv, scenario.house, rng.fork("site")),
      target_(options.target) {
    for (const auto& action : scenario.timeline) {
        if (action.device == mqtt_device) {
            mqtt_broker();
        }
    }
    for (const auto& spec : scenario.devices) {
        auto& device = devices.emplace_back();
        device.spec = &spec;
        device.ev = std::make_unique<physics::Ev>(spec.ev.settings);
        if (spec.ev.plugged_in) {
            device.ev->plug_in();
        }
        // One device keeps the stream name it always had, so single-device runs reproduce earlier seeds.
        auto stream = scenario.devices.size() == 1 ? std::string("rig") : "rig:" + spec.id;
        device.context = std::make_unique<RigContext>(RigContext{executor, rng.fork(stream), *device.ev, options.target,
                                                                 find_bench_device(spec, options),
                                                                 [this]() -> RunBroker& { return mqtt_broker(); }});
        device.rig = make_charger_rig(spec, *device.context);
        ports.add(spec.id, *device.rig);
    }
    // The drivers' streams are forked from "rig", where they were before the station existed, so that seeds
    // reproduce the runs recorded then.
    station = std::make_unique<station::Station>(executor, station_config(scenario, options), ports, rng.fork("rig"),
                                                 options.station);
    for (auto& device : devices) {
        device.rig->attach(*station->driver(device.spec->id));
    }
    station->on_command([this](const station::Station::Charger& charger) {
        auto& device = find(charger.config.id);
        device.setpoint_changes.push_back({executor.now(), charger.command.current_a});
        device.capped_by_bench += charger.command.bound == station::Bound::bench ? 1 : 0;
    });
    if (scenario.gx) {
        gx = std::make_unique<GxRig>(executor, options.target, *station, scenario.venus_chargers, *scenario.gx,
                                     rng.fork("gx"), scenario.gx_mqtt, scenario.gx_mqtt ? &mqtt_broker() : nullptr,
                                     scenario.gx_gui);
    }
    if (gx && scenario.station.controller.solar) {
        station->set_site_meter(&gx->site_meter());  // before the station starts: type: auto needs it
    }
    if (scenario.tariff) {
        tariff = std::make_unique<TariffRig>(executor, options.target, parse_tariff_spec(*scenario.tariff),
                                             rng.fork("tariff"));
        station->set_price_source(&tariff->source());
    }
    // A vehicle API's view for the planner: the EV model's SOC, capacity, phases and current limit.
    station->set_vehicle_source([this](const std::string& id) {
        const auto& ev = *find(id).ev;
        return control::VehicleReading{ev.soc() * 100.0, ev.settings().capacity_kwh, ev.settings().phases,
                                       ev.settings().max_current_a};
    });
    if (scenario.homeassistant) {
        homeassistant = std::make_unique<HomeAssistantRig>(executor, *station, *scenario.homeassistant, mqtt_broker(),
                                                           rng.fork("homeassistant"));
    }
    if (scenario.devices.size() == 1) {
        recorder.set_default_prefix(scenario.devices.front().id + ".");
    }
    add_signals();
}

RunBroker& Testbed::mqtt_broker() {
    if (!broker) {
        broker = std::make_unique<RunBroker>(executor, target_, rng.fork("mqtt"));
    }
    return *broker;
}

Device& Testbed::find(const std::string& id) {
    return *std::find_if(devices.begin(), devices.end(), [&](const Device& d) { return d.spec->id == id; });
}

void Testbed::add_signals() {
    recorder.add("site.pv", "W", [this] { return site_sample.pv_w; });
    recorder.add("site.house", "W", [this] { return site_sample.house_w; });
    recorder.add("site.grid", "W", [this] { return site_sample.grid_w; });
    // 1 while the user has charging enabled on any charger (scenario actions start and stop them all).
    recorder.add("controller.enabled", "", [this] {
        for (const auto& charger : station->chargers()) {
            if (charger.user.enabled) {
                return 1.0;
            }
        }
        return 0.0;
    });
    SignalAdder add_site_signal{
        [this](std::string name, std::string unit, Recorder::Getter getter, std::vector<std::string> labels) {
            recorder.add(std::move(name), std::move(unit), std::move(getter), std::move(labels));
        }};
    if (gx) {
        gx->add_signals(add_site_signal);
    }
    if (homeassistant) {
        homeassistant->add_signals(add_site_signal);
    }
    if (tariff) {
        tariff->add_signals(add_site_signal);
    }
    if (broker) {
        add_site_signal("mqtt.restarts", "", [this] { return static_cast<double>(broker->restarts()); });
    }
    for (auto& device : devices) {
        auto prefix = device.spec->id + ".";
        SignalAdder add{[this, prefix](const std::string& name, std::string unit, Recorder::Getter getter,
                                       std::vector<std::string> labels) {
            recorder.add(prefix + name, std::move(unit), std::move(getter), std::move(labels));
        }};
        const auto& ev = *device.ev;
        add("ev.soc", "%", [&ev] { return ev.soc() * 100.0; });
        add("ev.current", "A", [&ev] { return ev.current_a(); });
        add("ev.power", "W", [&ev] { return ev.power_w(); });
        add("ev.energy_received", "kWh", [&ev] { return ev.energy_received_kwh(); });
        add("ev.plugged_in", "", [&ev] { return ev.plugged_in() ? 1.0 : 0.0; });
        const auto& charger = *station->find(device.spec->id);
        add("controller.setpoint", "A", [&charger] { return charger.request_a; });
        add("limiter.command", "A", [&charger] { return charger.command.current_a; });
        if (charger.solar || charger.schedule) {
            add("controller.starts", "", [&charger] { return static_cast<double>(charger.controller_starts); });
        }
        if (charger.solar) {
            add("controller.phase_switches", "",
                [&charger] { return static_cast<double>(charger.solar->phase_switches()); });
            add("controller.phases", "", [&charger] { return static_cast<double>(charger.decision.phases); });
        }
        if (charger.solar || charger.schedule) {
            add("controller.status", "", [&charger] { return static_cast<double>(charger.decision.status); });
        }
        add("limiter.ceiling", "A",
            [&charger] { return std::isinf(charger.command.ceiling_a) ? std::nan("") : charger.command.ceiling_a; });
        add(
            "limiter.bound", "", [&charger] { return static_cast<double>(charger.command.bound); }, bound_labels());
        const auto& rig = *device.rig;
        add("harness.limit", "A", [&rig] { return rig.independent_limit_a(); });
        device.rig->add_signals(add);
    }
}

sim::victron::GxInputs Testbed::gx_inputs() const {
    sim::victron::GxInputs inputs{.pv_w = site_sample.pv_w, .house_w = site_sample.house_w, .ev_loads = {}};
    for (const auto& device : devices) {
        inputs.ev_loads.push_back({.power_w = device.ev->power_w(),
                                   .phases = device.ev->active_phases(),
                                   .position = gx->position_of(device.spec->id)});
    }
    return inputs;
}

InvariantPlan Testbed::invariant_plan() const {
    InvariantPlan plan;
    plan.enabled = "controller.enabled";
    for (const auto& device : devices) {
        plan.chargers.push_back({device.spec->id + ".driver.commanded", device.spec->id + ".harness.limit"});
    }
    const auto& limiter = station->limiter();
    for (const auto& circuit : limiter.circuits()) {
        InvariantPlan::Circuit check{circuit.name, circuit.max_current_a, {}};
        for (const auto& charger : station->chargers()) {
            auto path = limiter.path_of(charger.config.limits.circuit);
            bool below = std::any_of(path.begin(), path.end(),
                                     [&](std::size_t c) { return limiter.circuits()[c].name == circuit.name; });
            if (below) {
                check.commanded.push_back(charger.config.id + ".driver.commanded");
            }
        }
        plan.circuits.push_back(std::move(check));
    }
    return plan;
}

}  // namespace evhil::harness
