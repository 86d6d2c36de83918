#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "harness/reports/report.hpp"
#include "harness/reports/report_format.hpp"
#include "harness/reports/report_months.hpp"

namespace evhil::harness {
namespace {

using Json = nlohmann::ordered_json;

// nlohmann already dumps NaN as null, but converting here keeps the in-memory document equal to what a reader
// parses back, and treats infinities the same way.
Json number_or_null(double value) {
    if (!std::isfinite(value)) {
        return nullptr;
    }
    return value;
}

// The full series would make a 24 h run's results.json tens of megabytes; the html report has the plot.
Json signal_summary(const SignalSeries& signal) {
    bool any = false;
    double min = 0;
    double max = 0;
    double final = 0;
    for (double value : signal.values) {
        if (!std::isfinite(value)) {
            continue;
        }
        if (!any) {
            min = max = value;
            any = true;
        }
        min = std::min(min, value);
        max = std::max(max, value);
        final = value;
    }
    Json out = Json::object();
    out["unit"] = signal.unit;
    out["min"] = any ? Json(min) : Json(nullptr);
    out["max"] = any ? Json(max) : Json(nullptr);
    out["final"] = any ? Json(final) : Json(nullptr);
    return out;
}

Json expectation_json(const ExpectationResult& expectation) {
    Json out = Json::object();
    out["description"] = expectation.description;
    out["kind"] = expectation.kind;
    out["passed"] = expectation.passed;
    if (expectation.skipped) {
        out["skipped"] = true;
    }
    out["line"] = expectation.line;
    out["failed_at_s"] = expectation.failed_at_s ? number_or_null(*expectation.failed_at_s) : Json(nullptr);
    out["detail"] = expectation.detail;
    return out;
}

// Only for recordings long enough to have months (a simulated year): one object per month, keyed like the signals.
void add_months(Json& out, const ScenarioResult& scenario) {
    const detail::MonthTable table = detail::month_table(scenario);
    if (table.months.empty()) {
        return;
    }
    Json months = Json::array();
    for (std::size_t i = 0; i < table.months.size(); ++i) {
        Json month{{"month", table.months[i]}};
        for (const auto& column : table.columns) {
            month[column.key] = number_or_null(column.values[i]);
        }
        months.push_back(std::move(month));
    }
    out["months"] = std::move(months);
}

Json scenario_json(const ScenarioResult& scenario) {
    Json out = Json::object();
    out["name"] = scenario.name;
    out["file"] = scenario.file;
    out["status"] = scenario.status;
    if (!scenario.message.empty()) {
        out["message"] = scenario.message;
    }
    out["seed"] = scenario.seed;
    out["simulated_s"] = number_or_null(scenario.simulated_s);

    Json expectations = Json::array();
    for (const auto& expectation : scenario.expectations) {
        expectations.push_back(expectation_json(expectation));
    }
    out["expectations"] = std::move(expectations);

    Json metrics = Json::object();  // std::map iterates sorted, so the key order is stable
    for (const auto& [name, value] : scenario.metrics) {
        metrics[name] = number_or_null(value);
    }
    out["metrics"] = std::move(metrics);

    Json events = Json::array();
    for (const auto& event : scenario.events) {
        events.push_back(Json{{"t", number_or_null(event.time_s)}, {"text", event.text}});
    }
    out["events"] = std::move(events);
    if (!scenario.skipped_actions.empty()) {
        out["skipped_actions"] = scenario.skipped_actions;
    }
    if (!scenario.traces.empty()) {
        Json traces = Json::array();
        bool several = scenario.traces.size() > 1;
        for (const auto& trace : scenario.traces) {
            traces.push_back(Json{{"device", trace.device},
                                  {"text", trace_file_name(trace, ".trace", several)},
                                  {"pcapng", trace_file_name(trace, ".pcapng", several)}});
        }
        out["traces"] = std::move(traces);
    }
    if (!scenario.baselines.empty()) {
        Json baselines = Json::array();
        for (const auto& baseline : scenario.baselines) {
            baselines.push_back(Json{{"path", baseline.path}, {"status", baseline.status}});
        }
        out["baselines"] = std::move(baselines);
    }

    Json signals = Json::object();
    for (const auto& signal : scenario.recording.signals) {
        // A repeated name would otherwise silently overwrite; the first recording of a signal wins.
        if (!signals.contains(signal.name)) {
            signals[signal.name] = signal_summary(signal);
        }
    }
    out["signals"] = std::move(signals);
    add_months(out, scenario);
    return out;
}

}  // namespace

void write_results_json(const RunResult& run, std::ostream& out) {
    const detail::StatusCounts counts = detail::count_statuses(run);
    Json root = Json::object();
    root["seed"] = run.seed;
    root["target"] = run.target;
    root["summary"] = Json{{"passed", counts.passed},
                           {"failed", counts.failed},
                           {"skipped", counts.skipped},
                           {"error", counts.error},
                           {"total", counts.total}};
    Json scenarios = Json::array();
    for (const auto& scenario : run.scenarios) {
        scenarios.push_back(scenario_json(scenario));
    }
    root["scenarios"] = std::move(scenarios);
    // Text from devices can be arbitrary bytes; the default handler would throw on invalid UTF-8.
    out << root.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace evhil::harness
