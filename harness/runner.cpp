#include "harness/runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <set>

#include "drivers/control/manual_controller.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "harness/invariants.hpp"
#include "harness/judge.hpp"
#include "harness/latency.hpp"
#include "harness/rig.hpp"
#include "simulators/physics/site.hpp"

namespace evhil::harness {
namespace {

std::unique_ptr<Clock> make_clock(const Scenario& scenario, const std::string& target) {
    if (target == "sim") {
        return std::make_unique<VirtualClock>(scenario.start);
    }
    return std::make_unique<RealClock>(scenario.start);
}

// Everything one scenario run is made of, wired on one clock.
struct Bench {
    Bench(const Scenario& scenario, const RunOptions& options, std::uint64_t seed)
        : clock(make_clock(scenario, options.target)),
          executor(*clock),
          rng(seed),
          ev(scenario.ev.settings),
          site(scenario.pv, scenario.house, rng.fork("site")),
          context{executor, rng.fork("rig"), ev, options.target, options.bench},
          rig(make_charger_rig(scenario.devices.front(), context)),
          controller(control::parse_manual_settings(scenario.controller.node), [this](double amps) {
              // What the driver was told (after a bench's cap), which is what its writes carry.
              if (auto commanded = rig->set_current(amps)) {
                  setpoint_changes.push_back({executor.now(), *commanded});
              }
          }) {
        if (scenario.ev.plugged_in) {
            ev.plug_in();
        }
        add_signals();
        rig->add_signals(recorder);
    }

    void add_signals() {
        recorder.add("ev.soc", "%", [this] { return ev.soc() * 100.0; });
        recorder.add("ev.current", "A", [this] { return ev.current_a(); });
        recorder.add("ev.power", "W", [this] { return ev.power_w(); });
        recorder.add("ev.energy_received", "kWh", [this] { return ev.energy_received_kwh(); });
        recorder.add("ev.plugged_in", "", [this] { return ev.plugged_in() ? 1.0 : 0.0; });
        recorder.add("site.pv", "W", [this] { return site_sample.pv_w; });
        recorder.add("site.house", "W", [this] { return site_sample.house_w; });
        recorder.add("site.grid", "W", [this] { return site_sample.grid_w; });
        recorder.add("controller.enabled", "", [this] { return controller.enabled() ? 1.0 : 0.0; });
        recorder.add("controller.setpoint", "A", [this] { return controller.setpoint(); });
        recorder.add("controller.limit", "A", [this] { return controller.limit(); });
        recorder.add("charger.hard_limit", "A", [this] { return rig->hard_limit_a(); });
    }

    std::unique_ptr<Clock> clock;
    Executor executor;
    Rng rng;
    physics::Ev ev;
    physics::Site site;
    physics::SiteSample site_sample;
    RigContext context;
    std::unique_ptr<ChargerRig> rig;
    std::vector<SetpointChange> setpoint_changes;
    control::ManualController controller;
    Recorder recorder;
};

bool touches_model(const Action& action) {
    return action.what == "plug_in" || action.what == "unplug" || action.what == "set_soc" || action.what == "set_pv" ||
           action.what == "set_load";
}

// Faults after which the link is whole again at once (instant faults) or when they are switched off.
bool restores_link(const Action& action, bool on) {
    if (action.what != "fault" && action.what != "fault_off") {
        return false;
    }
    if (action.fault == "driver_stall" || action.fault == "station_error") {
        return false;
    }
    bool instant = action.fault == "close" || action.fault == "reboot";
    return instant ? on : !on;
}

// What the person at a bench is asked to do for an action only a simulator can perform by itself.
std::string operator_request(const Action& action, const std::string& device, bool on) {
    if (action.what == "plug_in") {
        return fmt::format("plug the EV into {}", device);
    }
    if (action.what == "unplug") {
        return fmt::format("unplug the EV from {}", device);
    }
    if (action.what == "set_soc") {
        return fmt::format("bring the EV at {} to {:.0f} % state of charge", device, action.value * 100.0);
    }
    if (action.fault == "reboot") {
        return fmt::format("power-cycle {}", device);
    }
    if (action.fault == "station_error") {
        return on ? fmt::format("put {} into an error state (Mode 3 state F)", device)
                  : fmt::format("clear the error on {}", device);
    }
    return fmt::format("{} fault '{}' on {}", on ? "bring about" : "end", action.fault, device);
}

class ScenarioPlayer {
public:
    ScenarioPlayer(const Scenario& scenario, const RunOptions& options, ScenarioResult& result)
        : scenario_(scenario), options_(options), result_(result), bench_(scenario, options, result.seed) {}

    void run() {
        auto& executor = bench_.executor;
        auto& rig = *bench_.rig;
        rig.on_poll([this] { bench_.controller.set_charger_limit(bench_.rig->driver_station_limit_a()); });
        bench_.controller.update();
        rig.start();
        bench_.site_sample = bench_.site.sample(scenario_.start, 0.0);

        executor.schedule_every(scenario_.physics_step, [this] {
            bench_.rig->step(scenario_.physics_step);
            bench_.site_sample = bench_.site.sample(bench_.executor.now(), bench_.ev.power_w());
        });
        for (const auto& action : scenario_.timeline) {
            executor.schedule_at(scenario_.start + action.at, [this, action] { perform(action, true); });
        }
        auto samples = static_cast<std::size_t>(scenario_.duration / scenario_.record_interval) + 2;
        bench_.recorder.reserve(samples);
        sample();
        executor.schedule_every(scenario_.record_interval, [this] { sample(); });
        if (options_.console != nullptr) {
            options_.console->attach(&executor);
        }
        executor.run_until(scenario_.start + scenario_.duration);
        if (options_.console != nullptr) {
            options_.console->attach(nullptr);
        }
        rig.stop();
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
            if (!bench_.rig->observable(expectation.condition.signal)) {
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
            result_.expectations.push_back(
                judge(expectation, bench_.recorder, event_times, result_.simulated_s, slack));
        }
        for (auto& invariant : check_invariants(bench_.recorder.recording())) {
            result_.expectations.push_back(std::move(invariant));
        }
        result_.metrics = bench_.rig->metrics();
        result_.metrics["timers_fired"] = static_cast<double>(bench_.executor.timers_fired());
        if (options_.target != "sim") {
            collect_trace();
        }
        bool all_passed = std::all_of(result_.expectations.begin(), result_.expectations.end(),
                                      [](const ExpectationResult& e) { return e.passed || e.skipped; });
        result_.status = all_passed ? "passed" : "failed";
        result_.recording = bench_.recorder.take();
    }

    const Clock& clock() const { return *bench_.clock; }

private:
    double seconds_since_start() const { return to_seconds(bench_.executor.now() - scenario_.start); }

    void sample() { bench_.recorder.sample(seconds_since_start()); }

    void perform(const Action& action, bool on) {
        if (!bench_.rig->can_perform(action)) {
            ask_operator(action, on);
            return;
        }
        apply(action, on);
        if (on && action.what == "fault" && action.fault_for) {
            bench_.executor.schedule_after(*action.fault_for, [this, action] { perform(action, false); });
        }
    }

    // plug_in, unplug, set_soc, set_pv and set_load change the simulated EV or site.
    void apply_to_model(const Action& action) {
        auto& bench = bench_;
        if (action.what == "plug_in") {
            bench.ev.plug_in();
        } else if (action.what == "unplug") {
            bench.ev.unplug();
        } else if (action.what == "set_pv") {
            bench.site.pv().set_override(action.value_is_auto ? std::nullopt : std::optional(action.value));
        } else if (action.what == "set_load") {
            bench.site.house().set_override(action.value_is_auto ? std::nullopt : std::optional(action.value));
        } else if (action.what == "set_soc") {
            bench.ev.set_soc(action.value);
        }
    }

    void apply(const Action& action, bool on) {
        auto& bench = bench_;
        if (touches_model(action)) {
            apply_to_model(action);
        } else if (action.what == "set_current") {
            bench.controller.set_current(action.value);
        } else if (action.what == "start") {
            bench.controller.start();
        } else if (action.what == "stop") {
            bench.controller.stop();
        } else if (action.what == "fault" || action.what == "fault_off") {
            bool switch_on = on && action.what == "fault";
            bench.rig->set_fault(action, switch_on);
            if (restores_link(action, switch_on)) {
                link_restored_.push_back(bench.executor.now());
            }
        }
        record_event(on ? action.id : action.id + " ends");
    }

    void record_event(const std::string& text) { result_.events.push_back(TimelineEvent{seconds_since_start(), text}); }

    void ask_operator(const Action& action, bool on) {
        const auto& device = scenario_.devices.front().id;
        std::string request = operator_request(action, device, on);
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
                link_restored_.push_back(bench_.executor.now());
            }
            record_event(label);
            if (on && action.what == "fault" && action.fault_for) {
                bench_.executor.schedule_after(*action.fault_for, [this, action] { ask_operator(action, false); });
            }
        });
    }

    void collect_trace() {
        ProtocolTrace trace;
        trace.scenario = scenario_.name;
        trace.device = scenario_.devices.front().id;
        trace.target = options_.target;
        trace.start = scenario_.start;
        trace.events = bench_.rig->take_trace_events();
        LatencyInputs inputs{trace.events, bench_.setpoint_changes, link_restored_,
                             [this](const modbus::Request& request) { return bench_.rig->setpoint_in(request); }};
        result_.metrics.merge(measure_latencies(inputs));
        result_.traces.push_back(std::move(trace));
    }

    const Scenario& scenario_;
    const RunOptions& options_;
    ScenarioResult& result_;
    Bench bench_;
    std::vector<TimePoint> link_restored_;
    std::set<std::string> not_performed_;  // event labels of actions skipped or not confirmed on a bench
};

}  // namespace

std::uint64_t scenario_seed(std::uint64_t run_seed, const std::string& scenario_name) {
    return stable_hash(scenario_name, run_seed ^ 0xCBF29CE484222325ULL);
}

void validate_scenario(const Scenario& scenario, const RunOptions& options) {
    // Built on the sim target (no sockets, no threads) unless a bench file must be checked against it. A scenario
    // that does not list the bench is skipped there, so the bench file need not have its devices.
    RunOptions check = options;
    bool on_bench = options.target == "bench" &&
                    std::find(scenario.targets.begin(), scenario.targets.end(), "bench") != scenario.targets.end();
    check.target = on_bench ? "bench" : "sim";
    Bench bench(scenario, check, 0);
    for (const auto& expectation : scenario.expectations) {
        check_names(expectation, bench.recorder);
    }
    bench.rig->stop();
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
    bool virtual_time = options.target == "sim";
    if (virtual_time) {
        log::set_log_clock(&player.clock());
    }
    player.run();
    log::set_log_clock(nullptr);
    player.judge_run();
    result.wall_s = wall.elapsed_s();
    return result;
}

}  // namespace evhil::harness
