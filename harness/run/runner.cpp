#include "harness/run/runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <set>

#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "drivers/station/charger_kinds.hpp"
#include "drivers/station/station.hpp"
#include "harness/devices/rig.hpp"
#include "harness/run/invariants.hpp"
#include "harness/run/judge.hpp"
#include "harness/scenario/faults.hpp"
#include "harness/traces/latency.hpp"
#include "simulators/physics/site.hpp"

namespace evhil::harness {
namespace {

std::unique_ptr<Clock> make_clock(const Scenario& scenario, const std::string& target) {
    if (target == "sim") {
        return std::make_unique<VirtualClock>(scenario.start);
    }
    return std::make_unique<RealClock>(scenario.start);
}

const std::vector<std::string> bound_labels{"request",    "disabled", "cable",   "station",      "vehicle",
                                            "configured", "bench",    "circuit", "below_minimum"};

// The station reaches each device through its rig's link, as evchargerd reaches it through a real adapter.
class RigPorts final : public PortProvider {
public:
    void add(const std::string& id, ChargerRig& rig) { rigs_[id] = &rig; }
    modbus::ModbusPort& modbus_tcp(const std::string& device_id, const modbus::TcpClientSettings& endpoint) override {
        return rigs_.at(device_id)->modbus_port(endpoint);
    }

private:
    std::map<std::string, ChargerRig*> rigs_;
};

// One charger device of a run: its EV, its rig and what the runner counts about it.
struct Device {
    const DeviceSpec* spec = nullptr;
    std::unique_ptr<physics::Ev> ev;
    std::unique_ptr<RigContext> context;
    std::unique_ptr<ChargerRig> rig;
    std::vector<SetpointChange> setpoint_changes;
    std::vector<TimePoint> link_restored;
    std::uint64_t capped_by_bench = 0;
};

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

// Everything one scenario run is made of, wired on one clock.
struct Run {
    Run(const Scenario& scenario, const RunOptions& options, std::uint64_t seed)
        : clock(make_clock(scenario, options.target)),
          executor(*clock),
          rng(seed),
          site(scenario.pv, scenario.house, rng.fork("site")) {
        for (const auto& spec : scenario.devices) {
            auto& device = devices.emplace_back();
            device.spec = &spec;
            device.ev = std::make_unique<physics::Ev>(spec.ev.settings);
            if (spec.ev.plugged_in) {
                device.ev->plug_in();
            }
            // One device keeps the stream name it always had, so single-device runs reproduce earlier seeds.
            auto stream = scenario.devices.size() == 1 ? std::string("rig") : "rig:" + spec.id;
            device.context = std::make_unique<RigContext>(
                RigContext{executor, rng.fork(stream), *device.ev, options.target, find_bench_device(spec, options)});
            device.rig = make_charger_rig(spec, *device.context);
            ports.add(spec.id, *device.rig);
        }
        // The drivers' streams are forked from "rig", where they were before the station existed, so that seeds
        // reproduce the runs recorded then.
        station = std::make_unique<station::Station>(executor, station_config(scenario, options), ports,
                                                     rng.fork("rig"), options.station);
        for (auto& device : devices) {
            device.rig->attach(*station->driver(device.spec->id));
        }
        station->on_command([this](const station::Station::Charger& charger) {
            auto& device = find(charger.config.id);
            device.setpoint_changes.push_back({executor.now(), charger.command.current_a});
            device.capped_by_bench += charger.command.bound == station::Bound::bench ? 1 : 0;
        });
        if (scenario.devices.size() == 1) {
            recorder.set_default_prefix(scenario.devices.front().id + ".");
        }
        add_signals();
    }

    Device& find(const std::string& id) {
        return *std::find_if(devices.begin(), devices.end(), [&](const Device& d) { return d.spec->id == id; });
    }

    void add_signals() {
        recorder.add("site.pv", "W", [this] { return site_sample.pv_w; });
        recorder.add("site.house", "W", [this] { return site_sample.house_w; });
        recorder.add("site.grid", "W", [this] { return site_sample.grid_w; });
        recorder.add("controller.enabled", "", [this] { return station->user().enabled ? 1.0 : 0.0; });
        for (auto& device : devices) {
            auto prefix = device.spec->id + ".";
            SignalAdder add{[this, prefix](std::string name, std::string unit, Recorder::Getter getter,
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
            add("limiter.ceiling", "A", [&charger] {
                return std::isinf(charger.command.ceiling_a) ? std::nan("") : charger.command.ceiling_a;
            });
            add(
                "limiter.bound", "", [&charger] { return static_cast<double>(charger.command.bound); }, bound_labels);
            const auto& rig = *device.rig;
            add("harness.limit", "A", [&rig] { return rig.independent_limit_a(); });
            device.rig->add_signals(add);
        }
    }

    // The safety invariants: every charger against its independent limit, every circuit against its sum.
    InvariantPlan invariant_plan() const {
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

    std::unique_ptr<Clock> clock;
    Executor executor;
    Rng rng;
    physics::Site site;
    physics::SiteSample site_sample;
    std::vector<Device> devices;
    RigPorts ports;
    std::unique_ptr<station::Station> station;
    Recorder recorder;
};

bool touches_model(const Action& action) {
    return action.what == "plug_in" || action.what == "unplug" || action.what == "set_soc" || action.what == "set_pv" ||
           action.what == "set_load";
}

// Faults after which the link is whole again at once (instant faults) or when they are switched off.
bool restores_link(const Action& action, bool on) {
    if ((action.what != "fault" && action.what != "fault_off") || !action.fault_spec->restores_link) {
        return false;
    }
    return action.fault_spec->kind == FaultSpec::Kind::instant ? on : !on;
}

// What the person at a bench is asked to do for an action only a simulator can perform by itself.
std::string operator_request(const Action& action, bool on) {
    const auto& device = action.device;
    if (action.what == "plug_in") {
        return fmt::format("plug the EV into {}", device);
    }
    if (action.what == "unplug") {
        return fmt::format("unplug the EV from {}", device);
    }
    if (action.what == "set_soc") {
        return fmt::format("bring the EV at {} to {:.0f} % state of charge", device, action.value * 100.0);
    }
    return operator_prompt(*action.fault_spec, device, on);
}

class ScenarioPlayer {
public:
    ScenarioPlayer(const Scenario& scenario, const RunOptions& options, ScenarioResult& result)
        : scenario_(scenario), options_(options), result_(result), run_(scenario, options, result.seed) {}

    void run() {
        auto& executor = run_.executor;
        run_.station->start();
        run_.site_sample = run_.site.sample(scenario_.start, 0.0);
        executor.schedule_every(scenario_.physics_step, [this] {
            double ev_power = 0;
            for (auto& device : run_.devices) {
                device.rig->step(scenario_.physics_step);
                ev_power += device.ev->power_w();
            }
            run_.site_sample = run_.site.sample(run_.executor.now(), ev_power);
        });
        for (const auto& action : scenario_.timeline) {
            executor.schedule_at(scenario_.start + action.at, [this, action] { perform(action, true); });
        }
        auto samples = static_cast<std::size_t>(scenario_.duration / scenario_.record_interval) + 2;
        run_.recorder.reserve(samples);
        sample();
        executor.schedule_every(scenario_.record_interval, [this] { sample(); });
        if (options_.console != nullptr) {
            options_.console->attach(&executor);
        }
        executor.run_until(scenario_.start + scenario_.duration);
        if (options_.console != nullptr) {
            options_.console->attach(nullptr);
        }
        for (auto& device : run_.devices) {
            device.rig->stop();
        }
        run_.station->stop();
    }

    void judge_run() {
        result_.simulated_s = to_seconds(scenario_.duration);
        EventTimes event_times;
        for (const auto& event : result_.events) {
            event_times.emplace(event.text, event.time_s);  // the first occurrence of an id counts
        }
        auto tolerance = scenario_.timing_tolerance.find(options_.target);
        double slack = tolerance == scenario_.timing_tolerance.end() ? 0.0 : to_seconds(tolerance->second);
        for (const auto& expectation : scenario_.expectations) {
            std::string not_judged;
            auto signal = run_.recorder.resolve(expectation.condition.signal);
            if (!observable(signal)) {
                not_judged = fmt::format("not judged: {} exists only in a simulator", expectation.condition.signal);
            } else if (not_performed_.count(expectation.after_event) != 0) {
                not_judged = fmt::format("not judged: action '{}' was not performed", expectation.after_event);
            }
            if (!not_judged.empty()) {
                ExpectationResult skipped{expectation.description,
                                          expectation.kind,
                                          false,
                                          std::nullopt,
                                          not_judged,
                                          expectation.node.line(),
                                          true};
                result_.expectations.push_back(std::move(skipped));
                continue;
            }
            result_.expectations.push_back(judge(expectation, run_.recorder, event_times, result_.simulated_s, slack));
        }
        for (auto& invariant : check_invariants(run_.recorder.recording(), run_.invariant_plan())) {
            result_.expectations.push_back(std::move(invariant));
        }
        collect_metrics();
        if (options_.target != "sim") {
            for (auto& device : run_.devices) {
                collect_trace(device);
            }
        }
        bool all_passed = std::all_of(result_.expectations.begin(), result_.expectations.end(),
                                      [](const ExpectationResult& e) { return e.passed || e.skipped; });
        result_.status = all_passed ? "passed" : "failed";
        result_.recording = run_.recorder.take();
    }

    const Clock& clock() const { return *run_.clock; }

private:
    double seconds_since_start() const { return to_seconds(run_.executor.now() - scenario_.start); }

    void sample() { run_.recorder.sample(seconds_since_start()); }

    // Whether a signal (full name) can be observed on this target: on a bench what exists only in a simulator
    // cannot.
    bool observable(const std::string& signal) const {
        for (const auto& device : run_.devices) {
            auto prefix = device.spec->id + ".";
            if (signal.starts_with(prefix)) {
                return device.rig->observable(signal.substr(prefix.size()));
            }
        }
        return true;
    }

    // Single-device runs keep their metric names; with several devices each is prefixed with its id.
    void collect_metrics() {
        bool several = run_.devices.size() > 1;
        for (auto& device : run_.devices) {
            auto metrics = device.rig->metrics();
            if (options_.target == "bench") {
                metrics["bench.capped_commands"] = static_cast<double>(device.capped_by_bench);
                metrics["bench.suppressed_writes"] =
                    static_cast<double>(run_.station->find(device.spec->id)->suppressed_commands);
            }
            for (auto& [key, value] : metrics) {
                result_.metrics[several ? device.spec->id + "." + key : key] = value;
            }
        }
        result_.metrics["timers_fired"] = static_cast<double>(run_.executor.timers_fired());
    }

    void perform(const Action& action, bool on) {
        if (!action.device.empty() && !run_.find(action.device).rig->can_perform(action)) {
            ask_operator(action, on);
            return;
        }
        apply(action, on);
        if (on && action.what == "fault" && action.fault_for) {
            run_.executor.schedule_after(*action.fault_for, [this, action] { perform(action, false); });
        }
    }

    // plug_in, unplug, set_soc, set_pv and set_load change the simulated EV or site.
    void apply_to_model(const Action& action) {
        if (action.what == "set_pv") {
            run_.site.pv().set_override(action.value_is_auto ? std::nullopt : std::optional(action.value));
        } else if (action.what == "set_load") {
            run_.site.house().set_override(action.value_is_auto ? std::nullopt : std::optional(action.value));
            return;
        }
        if (action.device.empty()) {
            return;
        }
        auto& ev = *run_.find(action.device).ev;
        if (action.what == "plug_in") {
            ev.plug_in();
        } else if (action.what == "unplug") {
            ev.unplug();
        } else if (action.what == "set_soc") {
            ev.set_soc(action.value);
        }
    }

    void apply(const Action& action, bool on) {
        auto& station = *run_.station;
        if (touches_model(action)) {
            apply_to_model(action);
        } else if (action.what == "set_current") {
            station.set_current(action.value);
        } else if (action.what == "start") {
            station.set_enabled(true);
        } else if (action.what == "stop") {
            station.set_enabled(false);
        } else if (action.what == "fault" || action.what == "fault_off") {
            bool switch_on = on && action.what == "fault";
            auto& device = run_.find(action.device);
            if (!device.rig->set_fault(action, switch_on)) {
                throw std::runtime_error(fmt::format("{}:{}: fault '{}' is not applied by any part of device '{}'",
                                                     scenario_.file, action.line, action.fault, action.device));
            }
            if (restores_link(action, switch_on)) {
                device.link_restored.push_back(run_.executor.now());
            }
        }
        record_event(on ? action.id : action.id + " ends");
    }

    void record_event(const std::string& text) { result_.events.push_back(TimelineEvent{seconds_since_start(), text}); }

    void ask_operator(const Action& action, bool on) {
        std::string request = operator_request(action, on);
        std::string label = on ? action.id : action.id + " ends";
        if (options_.console == nullptr) {
            not_performed_.insert(label);
            result_.skipped_actions.push_back(fmt::format(
                "{} at t={:.1f}s: {} (needs an operator: run with --operator)", label, seconds_since_start(), request));
            return;
        }
        options_.console->ask(request, options_.bench->prompt_timeout, [this, action, on, label, request](bool done) {
            if (!done) {
                not_performed_.insert(label);
                result_.skipped_actions.push_back(fmt::format("{} at t={:.1f}s: {} (operator did not confirm in time)",
                                                              label, seconds_since_start(), request));
                return;
            }
            // The operator did it: the model follows so the recording stays coherent, and the event is stamped
            // with the time of the confirmation, which is what `within ... after:` expectations measure from.
            if (touches_model(action)) {
                apply_to_model(action);
            }
            if (restores_link(action, on && action.what == "fault")) {
                run_.find(action.device).link_restored.push_back(run_.executor.now());
            }
            record_event(label);
            if (on && action.what == "fault" && action.fault_for) {
                run_.executor.schedule_after(*action.fault_for, [this, action] { ask_operator(action, false); });
            }
        });
    }

    void collect_trace(Device& device) {
        ProtocolTrace trace;
        trace.scenario = scenario_.name;
        trace.device = device.spec->id;
        trace.target = options_.target;
        trace.start = scenario_.start;
        trace.events = device.rig->take_trace_events();
        const auto& rig = *device.rig;
        LatencyInputs inputs{trace.events, device.setpoint_changes, device.link_restored,
                             [&rig](const modbus::Request& request) { return rig.setpoint_in(request); }};
        auto latencies = measure_latencies(inputs);
        bool several = run_.devices.size() > 1;
        for (auto& [key, value] : latencies) {
            result_.metrics[several ? device.spec->id + "." + key : key] = value;
        }
        result_.traces.push_back(std::move(trace));
    }

    const Scenario& scenario_;
    const RunOptions& options_;
    ScenarioResult& result_;
    Run run_;
    std::set<std::string> not_performed_;  // event labels of actions skipped or not confirmed on a bench
};

}  // namespace

Scenario load_scenario(const std::string& path) {
    return load_scenario(path, rig_faults);
}

std::uint64_t scenario_seed(std::uint64_t run_seed, const std::string& scenario_name) {
    return stable_hash(scenario_name, run_seed ^ 0xCBF29CE484222325ULL);
}

void validate_scenario(const Scenario& scenario, const RunOptions& options) {
    // Built on the sim target (no sockets) unless a bench file must be checked against it. A scenario that does
    // not list the bench is skipped there, so the bench file need not have its devices.
    RunOptions check = options;
    bool on_bench = options.target == "bench" &&
                    std::find(scenario.targets.begin(), scenario.targets.end(), "bench") != scenario.targets.end();
    check.target = on_bench ? "bench" : "sim";
    Run run(scenario, check, 0);
    for (const auto& expectation : scenario.expectations) {
        check_names(expectation, run.recorder);
    }
    for (auto& device : run.devices) {
        device.rig->stop();
    }
}

ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options) {
    ScenarioResult result;
    result.name = scenario.name;
    result.file = scenario.file;
    result.seed = scenario_seed(options.seed, scenario.name);
    if (std::find(scenario.targets.begin(), scenario.targets.end(), options.target) == scenario.targets.end()) {
        result.status = "skipped";
        result.message = fmt::format("scenario does not support target '{}'", options.target);
        return result;
    }
    WallStopwatch wall;  // wall time of the run, for the report only
    ScenarioPlayer player(scenario, options, result);
    log::set_log_clock(&player.clock());  // this thread's log lines carry the scenario's time
    try {
        player.run();
    } catch (...) {
        log::set_log_clock(nullptr);
        throw;
    }
    log::set_log_clock(nullptr);
    player.judge_run();
    result.wall_s = wall.elapsed_s();
    return result;
}

}  // namespace evhil::harness
