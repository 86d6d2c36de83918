#include "harness/scenario/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "harness/scenario/faults.hpp"
#include "harness/scenario/scenario_actions.hpp"
#include "simulators/victron/gx_config.hpp"

namespace evhil::harness {
namespace {

using namespace std::chrono_literals;
constexpr Duration max_duration = std::chrono::days(400);  // a year-long run, with room

TimePoint parse_start(const ConfigNode& node) {
    // libstdc++ 12 has no std::chrono::parse, so the fixed ISO 8601 UTC form is read field by field.
    auto text = node.as_string();
    int year = 0;
    unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
    char zone = 0;
    int consumed = 0;
    bool parsed = std::sscanf(text.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%c%n", &year, &month, &day, &hour, &minute, &second,
                              &zone, &consumed) == 7 &&
                  zone == 'Z' && static_cast<std::size_t>(consumed) == text.size();
    std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
    if (!parsed || !date.ok() || hour > 23 || minute > 59 || second > 59) {
        node.fail("expected a UTC time such as 2026-06-21T06:00:00Z, got '" + text + "'");
    }
    return TimePoint(std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                     std::chrono::seconds(second));
}

physics::PvSettings parse_pv(const ConfigNode& node) {
    node.allow_keys({"peak", "sunrise", "sunset", "clouds", "clouds_per_hour", "cloud_depth", "cloud_duration",
                     "seasons", "winter_share", "day_length_swing", "daily_weather"});
    physics::PvSettings pv;
    pv.peak_w = node.get_double("peak", pv.peak_w, 0, 1e6);
    pv.sunrise_hour = node.get_double("sunrise", pv.sunrise_hour, 0, 24);
    pv.sunset_hour = node.get_double("sunset", pv.sunset_hour, pv.sunrise_hour, 24);
    pv.clouds = node.get_bool("clouds", pv.clouds);
    pv.clouds_per_hour = node.get_double("clouds_per_hour", pv.clouds_per_hour, 0, 60);
    pv.cloud_depth = node.get_double("cloud_depth", pv.cloud_depth, 0, 1);
    pv.cloud_mean_duration = node.get_duration("cloud_duration", pv.cloud_mean_duration, 1s, 24h);
    pv.seasons = node.get_bool("seasons", pv.seasons);
    pv.winter_share = node.get_double("winter_share", pv.winter_share, 0, 1);
    pv.day_length_swing_h = node.get_double("day_length_swing", pv.day_length_swing_h, 0, 12);
    pv.daily_weather = node.get_bool("daily_weather", pv.daily_weather);
    return pv;
}

physics::HouseSettings parse_house(const ConfigNode& node) {
    node.allow_keys({"base", "morning_peak", "evening_peak"});
    physics::HouseSettings house;
    house.base_w = node.get_double("base", house.base_w, 0, 1e6);
    house.morning_peak_w = node.get_double("morning_peak", house.morning_peak_w, 0, 1e6);
    house.evening_peak_w = node.get_double("evening_peak", house.evening_peak_w, 0, 1e6);
    return house;
}

EvSpec parse_ev(const ConfigNode& node) {
    node.allow_keys({"capacity", "soc", "target_soc", "max_current", "phases", "taper_start_soc", "ramp", "efficiency",
                     "start_delay", "plugged_in"});
    EvSpec ev;
    auto& s = ev.settings;
    s.capacity_kwh = node.get_double("capacity", s.capacity_kwh, 1, 300);
    s.initial_soc = node.get_double("soc", s.initial_soc * 100, 0, 100) / 100.0;
    s.target_soc = node.get_double("target_soc", s.target_soc * 100, 1, 100) / 100.0;
    s.max_current_a = node.get_double("max_current", s.max_current_a, 6, 80);
    s.phases = static_cast<int>(node.get_int("phases", s.phases, 1, 3));
    if (s.phases == 2) {
        node.required("phases").fail("phases must be 1 or 3");
    }
    s.taper_start_soc = node.get_double("taper_start_soc", s.taper_start_soc * 100, 0, 100) / 100.0;
    s.ramp_a_per_s = node.get_double("ramp", s.ramp_a_per_s, 0.1, 1000);
    s.efficiency = node.get_double("efficiency", s.efficiency, 0.5, 1.0);
    s.start_delay = node.get_duration("start_delay", s.start_delay, Duration{}, std::chrono::minutes(10));
    ev.plugged_in = node.get_bool("plugged_in", false);
    return ev;
}

Expectation parse_expectation(const ConfigNode& node, const std::vector<Action>& timeline, Duration duration) {
    node.expect_map();
    static const std::vector<std::string> kinds{"eventually", "within", "always", "never", "at_end"};
    Expectation expectation{.kind = "",
                            .condition = {},
                            .from = {},
                            .until = {},
                            .within = {},
                            .after_event = {},
                            .after_time = {},
                            .description = {},
                            .node = node};
    std::optional<ConfigNode> condition_node;
    for (const auto& kind : kinds) {
        if (node.has(kind)) {
            if (!expectation.kind.empty()) {
                node.fail(fmt::format("an expectation has one kind, found both '{}' and '{}'", expectation.kind, kind));
            }
            expectation.kind = kind;
        }
    }
    std::vector<std::string> allowed{"name"};
    if (expectation.kind.empty()) {
        node.fail("an expectation needs one of: eventually, within, always, never, at_end");
    } else if (expectation.kind == "within") {
        allowed.insert(allowed.end(), {"within", "after", "that"});
        expectation.within = node.required("within").as_duration(0s, duration);
        auto after = node.required("after");
        if (auto time = parse_duration(after.as_string())) {
            expectation.after_time = *time;
        } else {
            // "ID" is when the action happened; "ID ends" when a fault with for: switched itself off.
            expectation.after_event = after.as_string();
            const std::string ends = " ends";
            bool at_end = expectation.after_event.ends_with(ends);
            auto id = at_end ? expectation.after_event.substr(0, expectation.after_event.size() - ends.size())
                             : expectation.after_event;
            auto action = std::find_if(timeline.begin(), timeline.end(), [&](const Action& a) { return a.id == id; });
            if (action == timeline.end()) {
                after.fail(fmt::format("no timeline action has id '{}'", id));
            }
            if (at_end && !action->fault_for) {
                after.fail(fmt::format("'{}' has no end: only a fault with for: ends by itself", id));
            }
        }
        condition_node = node.required("that");
    } else {
        allowed.insert(allowed.end(), {expectation.kind, "from", "until", "by"});
        condition_node = node.required(expectation.kind);
        if (auto from = node.optional("from")) {
            expectation.from = from->as_duration(0s, duration);
        }
        for (const char* key : {"until", "by"}) {
            if (auto until = node.optional(key)) {
                expectation.until = until->as_duration(0s, duration);
            }
        }
    }
    node.allow_keys(allowed);
    auto parsed = parse_condition(condition_node->as_string());
    if (auto* error = std::get_if<std::string>(&parsed)) {
        condition_node->fail(*error);
    }
    expectation.condition = std::get<Condition>(parsed);
    std::string description =
        expectation.kind == "within"
            ? fmt::format(
                  "within {} after {}: {}", format_duration(*expectation.within),
                  expectation.after_event.empty() ? format_duration(*expectation.after_time) : expectation.after_event,
                  expectation.condition.text)
            : fmt::format("{} {}", expectation.kind, expectation.condition.text);
    if (expectation.from) {
        description += " from " + format_duration(*expectation.from);
    }
    if (expectation.until) {
        description += (expectation.kind == "eventually" ? " by " : " until ") + format_duration(*expectation.until);
    }
    expectation.description = node.get_string("name", description);
    return expectation;
}

}  // namespace

Scenario load_scenario(const std::string& path, const FaultCatalogue& faults) {
    auto root = ConfigNode::load_file(path);
    root.allow_keys({"name", "description", "targets", "duration", "start", "record_interval", "physics_step",
                     "devices", "circuits", "site", "ev", "controller", "timeline", "expect", "timing_tolerance", "gx",
                     "homeassistant", "tariff"});
    Scenario scenario;
    scenario.file = path;
    scenario.name = root.get_string("name", std::filesystem::path(path).stem().string());
    scenario.description = root.get_string("description", "");
    if (auto targets = root.optional("targets")) {
        for (const auto& target : targets->as_list()) {
            scenario.targets.push_back(target.as_enum({"sim", "wire", "bench"}));
        }
    } else {
        scenario.targets = {"sim"};
    }
    scenario.duration = root.required("duration").as_duration(1s, max_duration);
    if (auto tolerance = root.optional("timing_tolerance")) {
        tolerance->allow_keys({"wire", "bench"});
        for (const auto& target : tolerance->keys()) {
            scenario.timing_tolerance[target] = tolerance->required(target).as_duration(0ms, 10min);
        }
    }
    scenario.start = root.optional("start")
                         ? parse_start(root.required("start"))
                         : TimePoint(std::chrono::sys_days(std::chrono::year(2026) / std::chrono::June / 21));
    scenario.record_interval = root.get_duration("record_interval", scenario.record_interval, 100ms, 1h);
    scenario.physics_step = root.get_duration("physics_step", scenario.physics_step, 10ms, 1min);

    scenario.station =
        station::parse_station_config(root, {.extra_device_keys = {"station", "ev"}, .endpoint_required = false});
    auto top_level_ev = root.optional("ev");
    if (top_level_ev && scenario.station.chargers.size() != 1) {
        top_level_ev->fail("with several devices each has its own ev: under its entry");
    }
    for (const auto& charger : scenario.station.chargers) {
        const auto& node = charger.node;
        DeviceSpec device{.id = charger.id,
                          .type = charger.type,
                          .station = node.optional("station"),
                          .driver = charger.driver,
                          .ev = {},
                          .node = node};
        if (auto ev = node.optional("ev")) {
            device.ev = parse_ev(*ev);
        } else if (top_level_ev) {
            device.ev = parse_ev(*top_level_ev);
        }
        scenario.devices.push_back(device);
    }
    if (auto site = root.optional("site")) {
        site->allow_keys({"pv", "house"});
        if (auto pv = site->optional("pv")) {
            scenario.pv = parse_pv(*pv);
        }
        if (auto house = site->optional("house")) {
            scenario.house = parse_house(*house);
        }
    }

    scenario.venus_chargers = venus::parse_station_evchargers(scenario.station.chargers);
    if (auto gx = root.optional("gx")) {
        sim::victron::GxSettings settings;
        if (!gx->is_scalar() || !gx->as_string().empty()) {
            auto keys = sim::victron::gx_config_keys();
            keys.emplace_back("mqtt");
            keys.emplace_back("gui");
            gx->allow_keys(keys);
            scenario.gx_gui = gx->get_bool("gui", true);
            sim::victron::read_gx_config(*gx, settings);
            if (auto mqtt = gx->optional("mqtt")) {
                GxMqttSpec spec;
                if (!mqtt->is_scalar() || !mqtt->as_string().empty()) {
                    mqtt->allow_keys({"keepalive_window"});
                    spec.keepalive_window = mqtt->get_duration("keepalive_window", spec.keepalive_window, 1s, 1h);
                }
                scenario.gx_mqtt = spec;
            }
        }
        scenario.gx = settings;
    }
    if (auto homeassistant = root.optional("homeassistant")) {
        scenario.homeassistant = homeassistant->is_scalar() && homeassistant->as_string().empty()
                                     ? homeassistant::HomeAssistantSettings{}
                                     : [&] {
                                           homeassistant->allow_keys(homeassistant::home_assistant_setting_keys());
                                           return homeassistant::parse_home_assistant_settings(*homeassistant);
                                       }();
    }
    scenario.tariff = root.optional("tariff");
    const SiteParts site{.gx = scenario.gx.has_value(),
                         .gx_mqtt = scenario.gx_mqtt.has_value(),
                         .homeassistant = scenario.homeassistant.has_value(),
                         .tariff = scenario.tariff.has_value()};
    if (auto timeline = root.optional("timeline")) {
        for (const auto& entry : timeline->as_list()) {
            scenario.timeline.push_back(parse_action(entry, scenario.duration, scenario.devices, faults, site));
            repeat_action(entry, scenario);
            const auto& action = scenario.timeline.back();
            if (action.what == "gx_set" && !scenario.gx_gui) {
                entry.required("do").fail(
                    "gx_set writes through the GX GUI, which this scenario turned off (gui: false)");
            }
            bool on_sim = std::find(scenario.targets.begin(), scenario.targets.end(), "sim") != scenario.targets.end();
            if (on_sim && action.what == "fault" && action.fault_spec->needs_wire) {
                entry.required("fault").fail(
                    fmt::format("fault '{}' acts on bytes on a socket and has no sim form: list only wire and bench "
                                "in this scenario's targets",
                                action.fault));
            }
        }
    }
    std::stable_sort(scenario.timeline.begin(), scenario.timeline.end(),
                     [](const Action& a, const Action& b) { return a.at < b.at; });
    if (auto expect = root.optional("expect")) {
        for (const auto& entry : expect->as_list()) {
            scenario.expectations.push_back(parse_expectation(entry, scenario.timeline, scenario.duration));
        }
    }
    return scenario;
}

std::vector<std::string> expand_scenario_paths(const std::vector<std::string>& paths) {
    std::vector<std::string> files;
    for (const auto& path : paths) {
        if (std::filesystem::is_directory(path)) {
            std::vector<std::string> found;
            for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
                auto extension = entry.path().extension();
                if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml")) {
                    found.push_back(entry.path().string());
                }
            }
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else {
            files.push_back(path);
        }
    }
    return files;
}

}  // namespace evhil::harness
