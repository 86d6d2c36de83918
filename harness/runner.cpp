#include "harness/runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "drivers/control/manual_controller.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "harness/judge.hpp"
#include "harness/rig.hpp"
#include "simulators/physics/site.hpp"

namespace evhil::harness {
namespace {

// Everything one scenario run is made of, wired on one clock.
struct Bench {
    Bench(const Scenario& scenario, const RunOptions& options, std::uint64_t seed)
        : clock(scenario.start),
          executor(clock),
          rng(seed),
          ev(scenario.ev.settings),
          site(scenario.pv, scenario.house, rng.fork("site")),
          context{executor, rng.fork("rig"), ev, options.target},
          rig(make_charger_rig(scenario.devices.front(), context)),
          controller(control::parse_manual_settings(scenario.controller.node),
                     [this](double amps) { rig->set_current(amps); }) {
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

    VirtualClock clock;
    Executor executor;
    Rng rng;
    physics::Ev ev;
    physics::Site site;
    physics::SiteSample site_sample;
    RigContext context;
    std::unique_ptr<ChargerRig> rig;
    control::ManualController controller;
    Recorder recorder;
};

void apply_action(Bench& bench, const Action& action, std::vector<TimelineEvent>& events, double now_s) {
    if (action.what == "plug_in") {
        bench.ev.plug_in();
    } else if (action.what == "unplug") {
        bench.ev.unplug();
    } else if (action.what == "set_current") {
        bench.controller.set_current(action.value);
    } else if (action.what == "start") {
        bench.controller.start();
    } else if (action.what == "stop") {
        bench.controller.stop();
    } else if (action.what == "set_pv") {
        bench.site.pv().set_override(action.value_is_auto ? std::nullopt : std::optional(action.value));
    } else if (action.what == "set_load") {
        bench.site.house().set_override(action.value_is_auto ? std::nullopt : std::optional(action.value));
    } else if (action.what == "set_soc") {
        bench.ev.set_soc(action.value);
    } else if (action.what == "fault" || action.what == "fault_off") {
        bench.rig->set_fault(action.fault, action.what == "fault", action.fault_params);
    }
    events.push_back(TimelineEvent{now_s, action.id});
}

// The safety invariants the harness checks on every run, whatever the scenario asserts.
std::vector<ExpectationResult> check_invariants(const Recording& recording) {
    struct Invariant {
        const char* description;
        std::function<bool(std::size_t)> holds;
        const char* signal;
    };
    auto series = [&](const char* name) -> const std::vector<double>& { return recording.find(name)->values; };
    const auto& setpoint = series("controller.setpoint");
    const auto& limit = series("controller.limit");
    const auto& applied = series("charger.applied_current");
    const auto& hard_limit = series("charger.hard_limit");
    const auto& enabled = series("controller.enabled");
    const auto& commanded = series("driver.commanded");
    constexpr double epsilon = 1e-3;
    std::vector<Invariant> invariants{
        {"invariant: the controller never asks for more than the lowest known limit",
         [&](std::size_t i) { return setpoint[i] <= limit[i] + epsilon; }, "controller.setpoint"},
        {"invariant: the station never applies more than its own and the cable's limit",
         [&](std::size_t i) { return std::isnan(applied[i]) || applied[i] <= hard_limit[i] + epsilon; },
         "charger.applied_current"},
        {"invariant: nothing but 0 A is commanded while the user has charging stopped",
         [&](std::size_t i) { return enabled[i] != 0.0 || std::isnan(commanded[i]) || commanded[i] == 0.0; },
         "driver.commanded"},
    };
    std::vector<ExpectationResult> results;
    for (const auto& invariant : invariants) {
        ExpectationResult result{invariant.description, "invariant", true, std::nullopt, "", 0};
        for (std::size_t i = 0; i < recording.times_s.size(); ++i) {
            if (!invariant.holds(i)) {
                result.passed = false;
                result.failed_at_s = recording.times_s[i];
                result.detail = fmt::format("{} was {} at t={}s", invariant.signal,
                                            recording.find(invariant.signal)->values[i], recording.times_s[i]);
                break;
            }
        }
        if (result.passed) {
            result.detail = fmt::format("held in {} samples", recording.times_s.size());
        }
        results.push_back(result);
    }
    return results;
}

}  // namespace

std::uint64_t scenario_seed(std::uint64_t run_seed, const std::string& scenario_name) {
    return stable_hash(scenario_name, run_seed ^ 0xCBF29CE484222325ULL);
}

void validate_scenario(const Scenario& scenario, const RunOptions& options) {
    Bench bench(scenario, options, 0);
    for (const auto& expectation : scenario.expectations) {
        check_names(expectation, bench.recorder);
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

    Bench bench(scenario, options, result.seed);
    log::set_log_clock(&bench.clock);
    auto& executor = bench.executor;
    const auto start = scenario.start;
    auto seconds_since_start = [&] { return to_seconds(executor.now() - start); };

    bench.rig->on_poll([&bench] { bench.controller.set_charger_limit(bench.rig->driver_station_limit_a()); });
    bench.controller.update();
    bench.rig->start();
    bench.site_sample = bench.site.sample(start, 0.0);

    executor.schedule_every(scenario.physics_step, [&] {
        bench.rig->step(scenario.physics_step);
        bench.site_sample = bench.site.sample(executor.now(), bench.ev.power_w());
    });
    for (const auto& action : scenario.timeline) {
        executor.schedule_at(start + action.at, [&, action] {
            apply_action(bench, action, result.events, seconds_since_start());
            if (action.what == "fault" && action.fault_for) {
                executor.schedule_after(*action.fault_for, [&, action] {
                    bench.rig->set_fault(action.fault, false, action.fault_params);
                    result.events.push_back(TimelineEvent{seconds_since_start(), action.id + " ends"});
                });
            }
        });
    }
    auto samples = static_cast<std::size_t>(scenario.duration / scenario.record_interval) + 2;
    bench.recorder.reserve(samples);
    bench.recorder.sample(0.0);
    executor.schedule_every(scenario.record_interval, [&] { bench.recorder.sample(seconds_since_start()); });
    executor.run_until(start + scenario.duration);
    log::set_log_clock(nullptr);

    result.simulated_s = to_seconds(scenario.duration);
    EventTimes event_times;
    for (const auto& event : result.events) {
        event_times.emplace(event.text, event.time_s);  // the first occurrence of an id counts
    }
    for (const auto& expectation : scenario.expectations) {
        result.expectations.push_back(judge(expectation, bench.recorder, event_times, result.simulated_s));
    }
    for (auto& invariant : check_invariants(bench.recorder.recording())) {
        result.expectations.push_back(std::move(invariant));
    }
    result.metrics = bench.rig->metrics();
    result.metrics["timers_fired"] = static_cast<double>(executor.timers_fired());
    bool all_passed = std::all_of(result.expectations.begin(), result.expectations.end(),
                                  [](const ExpectationResult& e) { return e.passed; });
    result.status = all_passed ? "passed" : "failed";
    result.recording = bench.recorder.take();
    result.wall_s = wall.elapsed_s();
    return result;
}

}  // namespace evhil::harness
