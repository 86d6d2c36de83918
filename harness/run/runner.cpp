#include "harness/run/runner.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <set>

#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "drivers/station/charger_kinds.hpp"
#include "drivers/station/station.hpp"
#include "harness/devices/rig.hpp"
#include "harness/run/decision_events.hpp"
#include "harness/run/invariants.hpp"
#include "harness/run/judge.hpp"
#include "harness/run/testbed.hpp"
#include "harness/scenario/faults.hpp"
#include "harness/traces/latency.hpp"
#include "simulators/physics/site.hpp"

namespace evhil::harness {
namespace {

bool touches_model(const Action& action) {
    return action.what == "plug_in" || action.what == "unplug" || action.what == "set_soc" || action.what == "set_pv" ||
           action.what == "set_load" || action.what == "drive";
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
    if (action.what == "drive") {
        return fmt::format("drive the EV of {} for {:.1f} kWh", device, action.value);
    }
    return operator_prompt(*action.fault_spec, device, on);
}

class ScenarioPlayer {
public:
    ScenarioPlayer(const Scenario& scenario, const RunOptions& options, ScenarioResult& result)
        : scenario_(scenario), options_(options), result_(result), run_(scenario, options, result.seed) {}

    void run() {
        auto& executor = run_.executor;
        decision_events_.emplace(*run_.station, run_.tariff.get(), run_.executor,
                                 [this](const std::string& text) { record_event(text); });
        run_.station->start();
        if (run_.gx) {
            run_.gx->start();
        }
        if (run_.homeassistant) {
            run_.homeassistant->start();
        }
        run_.site_sample = run_.site.sample(scenario_.start, 0.0);
        executor.schedule_every(scenario_.physics_step, [this] {
            double ev_power = 0;
            for (auto& device : run_.devices) {
                device.rig->step(scenario_.physics_step);
                ev_power += device.ev->power_w();
            }
            run_.site_sample = run_.site.sample(run_.executor.now(), ev_power);
            if (run_.gx) {
                run_.gx->update(run_.gx_inputs(), scenario_.physics_step);
            }
            if (run_.tariff) {
                run_.tariff->step(scenario_.physics_step, ev_power, run_.site_sample.grid_w);
            }
        });
        for (const auto& action : scenario_.timeline) {
            executor.schedule_at(scenario_.start + action.at, [this, action] { perform(action, true); });
        }
        if (run_.tariff) {
            // After the timeline's actions at 0 s, so that a price API failing from the start fails the first request.
            executor.schedule_at(scenario_.start, [this] { run_.tariff->start(); });
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
        if (run_.homeassistant) {
            run_.homeassistant->stop();
        }
        if (run_.tariff) {
            run_.tariff->stop();
        }
        if (run_.gx) {
            run_.gx->stop();
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
            if (run_.gx) {
                collect_gx_trace();
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
        if (run_.gx) {
            result_.metrics.merge(run_.gx->metrics());
        }
        if (run_.homeassistant) {
            result_.metrics.merge(run_.homeassistant->metrics());
        }
        if (run_.tariff) {
            result_.metrics.merge(run_.tariff->metrics());
        }
        if (run_.broker) {
            result_.metrics["mqtt.restarts"] = static_cast<double>(run_.broker->restarts());
        }
        result_.metrics["timers_fired"] = static_cast<double>(run_.executor.timers_fired());
    }

    void perform(const Action& action, bool on) {
        if (action.device == gx_device || action.what == "gx_set") {
            perform_on_gx(action, on);
            return;
        }
        if (action.device == mqtt_device) {
            perform_on_broker(action, on);
            return;
        }
        if (action.device == tariff_device) {
            perform_on_tariff(action, on);
            return;
        }
        if (action.what.starts_with("mqtt_") || action.what.starts_with("ha_")) {
            perform_on_mqtt_client(action);
            return;
        }
        if (!action.device.empty() && !run_.find(action.device).rig->can_perform(action)) {
            ask_operator(action, on);
            return;
        }
        apply(action, on);
        if (on && action.what == "fault" && action.fault_for) {
            run_.executor.schedule_after(*action.fault_for, [this, action] { perform(action, false); });
        }
    }

    // The GX's faults and the GUI's writes; the answer to a write is an event of its own ("<id> answered").
    void perform_on_gx(const Action& action, bool on) {
        auto& gx = *run_.gx;
        if (action.what == "gx_set") {
            venus::BusValue value = action.text_value;
            if (!action.value_is_text) {
                bool integral = action.text_value.find_first_of(".eE") == std::string::npos;
                value = integral ? venus::BusValue(std::int64_t(std::stoll(action.text_value)))
                                 : venus::BusValue(std::stod(action.text_value));
            }
            record_event(action.id);
            gx.gui_set(action.service, action.path, value, [this, id = action.id](const std::string& outcome) {
                record_event(id + " answered: " + outcome);
            });
            return;
        }
        bool switch_on = on && action.what == "fault";
        if (!gx.set_fault(action, switch_on)) {
            throw std::runtime_error(
                fmt::format("{}:{}: fault '{}' is not applied by the GX", scenario_.file, action.line, action.fault));
        }
        record_event(on ? action.id : action.id + " ends");
        if (on && action.what == "fault" && action.fault_for) {
            run_.executor.schedule_after(*action.fault_for, [this, action] { perform(action, false); });
        }
    }

    // The run's broker restarts or goes away: the link of every device reached through it breaks and comes back.
    void perform_on_broker(const Action& action, bool on) {
        bool switch_on = on && action.what == "fault";
        run_.mqtt_broker().set_fault(action.fault, switch_on);
        if (restores_link(action, switch_on)) {
            for (auto& device : run_.devices) {
                if (device.rig->uses_mqtt_broker()) {
                    device.link_restored.push_back(run_.executor.now());
                }
            }
        }
        record_event(on ? action.id : action.id + " ends");
        if (on && action.what == "fault" && action.fault_for) {
            run_.executor.schedule_after(*action.fault_for, [this, action] { perform(action, false); });
        }
    }

    // The price API fails (outage, drop, slow, malformed) and recovers.
    void perform_on_tariff(const Action& action, bool on) {
        bool switch_on = on && action.what == "fault";
        if (!run_.tariff->set_fault(action, switch_on)) {
            throw std::runtime_error(fmt::format("{}:{}: fault '{}' is not applied by the price API", scenario_.file,
                                                 action.line, action.fault));
        }
        record_event(on ? action.id : action.id + " ends");
        if (on && action.what == "fault" && action.fault_for) {
            run_.executor.schedule_after(*action.fault_for, [this, action] { perform(action, false); });
        }
    }

    // What the GX's MQTT app and Home Assistant send; an app that cannot send says why in the events.
    void perform_on_mqtt_client(const Action& action) {
        std::string reason;
        bool sent = true;
        if (action.what == "mqtt_keepalive") {
            sent = run_.gx->mqtt_keepalive(action.payload, reason);
        } else if (action.what == "mqtt_write") {
            auto value = action.value_is_text ? nlohmann::json(action.text_value).dump() : action.text_value;
            sent = run_.gx->mqtt_write(action.service, action.path, value, reason);
        } else if (action.what == "ha_restart") {
            run_.homeassistant->restart();
        } else if (action.what == "ha_command") {
            run_.homeassistant->command(action.charger, action.command, action.payload);
        }
        record_event(sent ? action.id : action.id + " not sent: " + reason);
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
        } else if (action.what == "drive") {
            ev.set_soc(std::max(0.0, ev.soc() - action.value / ev.settings().capacity_kwh));
        }
    }

    void apply(const Action& action, bool on) {
        auto& station = *run_.station;
        if (touches_model(action)) {
            apply_to_model(action);
        } else if (action.what == "set_current") {
            station.set_current("", action.value);  // every charger: the action names no device
        } else if (action.what == "start") {
            station.set_enabled("", true);
        } else if (action.what == "stop") {
            station.set_enabled("", false);
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
        auto recorded = device.rig->take_trace();
        if (!recorded.codec) {
            return;  // a rig that records no frames yet (the MQTT-JSON rig): no trace, no baseline, no latencies
        }
        trace.codec = std::move(recorded.codec);
        trace.events = std::move(recorded.events);
        LatencyInputs inputs{trace.events, device.setpoint_changes, device.link_restored, *trace.codec};
        auto latencies = measure_latencies(inputs);
        bool several = run_.devices.size() > 1;
        for (auto& [key, value] : latencies) {
            result_.metrics[several ? device.spec->id + "." + key : key] = value;
        }
        result_.traces.push_back(std::move(trace));
    }

    // The messages between the station's Venus services and the bus, as the device "gx".
    void collect_gx_trace() {
        ProtocolTrace trace;
        trace.scenario = scenario_.name;
        trace.device = "gx";
        trace.target = options_.target;
        trace.start = scenario_.start;
        auto recorded = run_.gx->take_trace();
        trace.codec = std::move(recorded.codec);
        trace.events = std::move(recorded.events);
        // The monitor's record counts from the scenario's start, so that the baseline's time buckets fall with the
        // timeline's actions (whose effects come after them) and not with the few milliseconds set-up takes.
        if (!trace.events.empty() && trace.events.front().kind == FrameEvent::Kind::opened) {
            trace.events.front().time = scenario_.start;
        }
        result_.traces.push_back(std::move(trace));
    }

    const Scenario& scenario_;
    const RunOptions& options_;
    ScenarioResult& result_;
    Testbed run_;
    std::set<std::string> not_performed_;            // event labels of actions skipped or not confirmed on a bench
    std::optional<DecisionEvents> decision_events_;  // controllers' decisions and missing prices, as events
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
    Testbed run(scenario, check, 0);
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
    result.start = scenario.start;
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
