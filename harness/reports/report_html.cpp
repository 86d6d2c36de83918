#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "harness/reports/report.hpp"
#include "harness/reports/report_baseline_html.hpp"
#include "harness/reports/report_format.hpp"
#include "harness/reports/report_months.hpp"
#include "harness/reports/svg_plot.hpp"

namespace evhil::harness {
namespace {

using detail::escape_markup;

struct KeySignal {
    const char* name;
    const char* colour;
    bool dashed = false;
};

struct PanelSpec {
    const char* title;
    const char* default_unit;
    bool percent;
    std::vector<KeySignal> signals;
};

// Only the signals that tell whether charging did what the scenario asked; everything else is summarised in
// results.json. Colours avoid red, which marks failures.
const std::vector<PanelSpec>& panel_specs() {
    static const std::vector<PanelSpec> specs{
        {"Current",
         "A",
         false,
         {{"controller.setpoint", "#1f77b4", true}, {"charger.applied_current", "#ff7f0e"}, {"ev.current", "#2ca02c"}}},
        {"Power", "W", false, {{"charger.power", "#9467bd"}}},
        {"State of charge", "%", true, {{"ev.soc", "#8c564b"}}},
    };
    return specs;
}

constexpr const char* stylesheet = R"(body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
max-width:1000px;margin:24px auto;padding:0 12px}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:0;padding-top:16px}h3{font-size:1em;margin:16px 0 4px}
table{border-collapse:collapse;margin:4px 0 12px;font-size:0.9em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.status{font-weight:600}
.status.passed{background:#e6f4ea;color:#137333}.status.failed{background:#fce8e6;color:#c5221f}
.status.error{background:#fef3e0;color:#b06000}.status.skipped{background:#f1f3f4;color:#5f6368}
span.status{padding:1px 6px;border-radius:3px}
tr.fail td{background:#fff5f4}
tr.total td{font-weight:600;border-top:2px solid #999}
section{border-top:2px solid #ccc;margin-top:32px}
.meta,.note{color:#555}.message{white-space:pre-wrap}
svg.plot{max-width:100%;height:auto;display:block}
)";

template <typename... Args>
void append(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

// Counters are integers and read best without a decimal point; measured figures keep six significant digits.
std::string format_metric(double value) {
    if (!std::isfinite(value)) {
        return "n/a";
    }
    if (value == std::floor(value) && std::abs(value) < 1e15) {
        return fmt::format("{:.0f}", value);
    }
    return fmt::format("{:.6g}", value);
}

std::size_t passed_count(const ScenarioResult& scenario) {
    std::size_t count = 0;
    for (const auto& expectation : scenario.expectations) {
        count += expectation.passed || expectation.skipped ? 1 : 0;
    }
    return count;
}

std::string status_span(const std::string& status) {
    return fmt::format("<span class=\"status {}\">{}</span>", detail::normalised_status(status), escape_markup(status));
}

std::string failed_at_text(const ExpectationResult& expectation) {
    return expectation.failed_at_s ? detail::format_time(*expectation.failed_at_s) : "";
}

std::string line_text(const ExpectationResult& expectation) {
    return expectation.line > 0 ? std::to_string(expectation.line) : "built-in";
}

std::string render_plot(const ScenarioResult& scenario) {
    const Recording& recording = scenario.recording;
    std::vector<svg::Panel> panels;
    for (const auto& spec : panel_specs()) {
        svg::Panel panel;
        panel.percent = spec.percent;
        std::string unit;
        for (const auto& key : spec.signals) {
            // Signals are recorded per device ("garage.charger.applied_current"): every device's copy is drawn.
            for (const auto& signal : recording.signals) {
                if (signal.name != key.name && !signal.name.ends_with("." + std::string(key.name))) {
                    continue;
                }
                if (unit.empty()) {
                    unit = signal.unit;
                }
                panel.lines.push_back({signal.name, key.colour, signal.values, key.dashed});
            }
        }
        panel.title = fmt::format("{} ({})", spec.title, unit.empty() ? spec.default_unit : unit);
        if (!panel.lines.empty()) {
            panels.push_back(std::move(panel));
        }
    }
    std::vector<svg::Marker> markers;
    for (const auto& expectation : scenario.expectations) {
        if (!expectation.passed && expectation.failed_at_s && std::isfinite(*expectation.failed_at_s)) {
            markers.push_back({*expectation.failed_at_s,
                               fmt::format("failed at {}: {}", detail::format_time(*expectation.failed_at_s),
                                           expectation.description)});
        }
    }
    return svg::render_stacked_plot(recording.times_s, panels, markers);
}

void render_expectations(std::string& out, const ScenarioResult& scenario) {
    if (passed_count(scenario) < scenario.expectations.size()) {
        append(out, "<h3>Failed expectations</h3>\n<table class=\"failed\">\n");
        append(out, "<tr><th>Failed at</th><th>Expectation</th><th>Kind</th><th>Line</th><th>Detail</th></tr>\n");
        for (const auto& expectation : scenario.expectations) {
            if (expectation.passed || expectation.skipped) {
                continue;
            }
            append(out,
                   "<tr class=\"fail\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
                   "<td>{}</td></tr>\n",
                   escape_markup(failed_at_text(expectation)), escape_markup(expectation.description),
                   escape_markup(expectation.kind), line_text(expectation), escape_markup(expectation.detail));
        }
        append(out, "</table>\n");
    }

    append(out, "<h3>Expectations</h3>\n");
    if (scenario.expectations.empty()) {
        append(out, "<p class=\"note\">No expectations.</p>\n");
        return;
    }
    append(out,
           "<table class=\"expectations\">\n<tr><th>Result</th><th>Expectation</th><th>Kind</th><th>Line</th>"
           "<th>Failed at</th><th>Detail</th></tr>\n");
    for (const auto& expectation : scenario.expectations) {
        const char* result = expectation.passed ? "passed" : expectation.skipped ? "skipped" : "failed";
        append(out,
               "<tr{}><td class=\"status {}\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
               "<td class=\"num\">{}</td><td>{}</td></tr>\n",
               expectation.passed || expectation.skipped ? "" : " class=\"fail\"", result, result,
               escape_markup(expectation.description), escape_markup(expectation.kind), line_text(expectation),
               escape_markup(failed_at_text(expectation)), escape_markup(expectation.detail));
    }
    append(out, "</table>\n");
}

void render_events_and_metrics(std::string& out, const ScenarioResult& scenario) {
    append(out, "<h3>Timeline</h3>\n");
    if (scenario.events.empty()) {
        append(out, "<p class=\"note\">No timeline events.</p>\n");
    } else {
        append(out, "<table class=\"events\">\n<tr><th>Time</th><th>Event</th></tr>\n");
        for (const auto& event : scenario.events) {
            append(out, "<tr><td class=\"num\">{}</td><td>{}</td></tr>\n",
                   escape_markup(detail::format_time(event.time_s)), escape_markup(event.text));
        }
        append(out, "</table>\n");
    }

    append(out, "<h3>Metrics</h3>\n");
    if (scenario.metrics.empty()) {
        append(out, "<p class=\"note\">No metrics.</p>\n");
        return;
    }
    append(out, "<table class=\"metrics\">\n<tr><th>Metric</th><th>Value</th></tr>\n");
    for (const auto& [name, value] : scenario.metrics) {
        append(out, "<tr><td>{}</td><td class=\"num\">{}</td></tr>\n", escape_markup(name), format_metric(value));
    }
    append(out, "</table>\n");
}

void render_skipped_actions(std::string& out, const ScenarioResult& scenario) {
    if (scenario.skipped_actions.empty()) {
        return;
    }
    append(out, "<h3>Actions not performed</h3>\n<ul class=\"skipped\">\n");
    for (const auto& action : scenario.skipped_actions) {
        append(out, "<li>{}</li>\n", escape_markup(action));
    }
    append(out, "</ul>\n");
}

// Links to the traces and, for wire runs, the protocol compared with its baseline side by side.
void render_protocol(std::string& out, const ScenarioResult& scenario) {
    if (scenario.traces.empty()) {
        return;
    }
    append(out, "<h3>Protocol</h3>\n<ul>\n");
    bool several = scenario.traces.size() > 1;
    for (const auto& trace : scenario.traces) {
        append(out, "<li>{}: <a href=\"{}\">text trace</a> &middot; <a href=\"{}\">pcapng</a> ({} events)</li>\n",
               escape_markup(trace.device), escape_markup(trace_file_name(trace, ".trace", several)),
               escape_markup(trace_file_name(trace, ".pcapng", several)), trace.events.size());
    }
    append(out, "</ul>\n");
    for (const auto& baseline : scenario.baselines) {
        append(out, "<p class=\"meta\">Baseline <code>{}</code>: <b>{}</b></p>\n", escape_markup(baseline.path),
               escape_markup(baseline.status));
        if (baseline.status == "differs" || baseline.status == "missing") {
            out += render_baseline_diff_html("Protocol against baseline", baseline.rows);
        }
    }
}

void render_scenario(std::string& out, const ScenarioResult& scenario, std::size_t number) {
    append(out, "<section id=\"scenario-{}\">\n<h2>{} {}</h2>\n", number, escape_markup(scenario.name),
           status_span(scenario.status));
    append(out, "<p class=\"meta\">File <code>{}</code> &middot; seed {} &middot; simulated {}</p>\n",
           escape_markup(scenario.file), scenario.seed, escape_markup(detail::format_duration(scenario.simulated_s)));
    if (!scenario.message.empty()) {
        append(out, "<p class=\"message\">{}</p>\n", escape_markup(scenario.message));
    }
    const std::string plot = render_plot(scenario);
    if (plot.empty()) {
        append(out, "<p class=\"note\">No key signals recorded.</p>\n");
    } else {
        out += plot;
    }
    out += detail::render_months_html(detail::month_table(scenario));
    render_expectations(out, scenario);
    render_skipped_actions(out, scenario);
    render_events_and_metrics(out, scenario);
    render_protocol(out, scenario);
    append(out, "</section>\n");
}

}  // namespace

void write_html_report(const RunResult& run, std::ostream& out) {
    const detail::StatusCounts counts = detail::count_statuses(run);
    std::string html;
    append(html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    append(html, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    append(html, "<title>evhil report: {} seed {}</title>\n<style>\n{}</style>\n</head>\n<body>\n",
           escape_markup(run.target), run.seed, stylesheet);
    append(html, "<h1>evhil scenario report</h1>\n");
    append(html,
           "<p class=\"run\">Target <b>{}</b>, seed <b>{}</b>: {} scenarios, {} passed, {} failed, {} skipped, "
           "{} errors.</p>\n",
           escape_markup(run.target), run.seed, counts.total, counts.passed, counts.failed, counts.skipped,
           counts.error);

    append(html,
           "<table class=\"summary\">\n<tr><th>Scenario</th><th>Status</th><th>Seed</th><th>Simulated</th>"
           "<th>Expectations passed</th></tr>\n");
    for (std::size_t i = 0; i < run.scenarios.size(); ++i) {
        const ScenarioResult& scenario = run.scenarios[i];
        append(html,
               "<tr><td><a href=\"#scenario-{}\">{}</a></td><td class=\"status {}\">{}</td><td class=\"num\">{}</td>"
               "<td class=\"num\">{}</td><td class=\"num\">{}/{}</td></tr>\n",
               i + 1, escape_markup(scenario.name), detail::normalised_status(scenario.status),
               escape_markup(scenario.status), scenario.seed,
               escape_markup(detail::format_duration(scenario.simulated_s)), passed_count(scenario),
               scenario.expectations.size());
    }
    append(html, "</table>\n");

    for (std::size_t i = 0; i < run.scenarios.size(); ++i) {
        render_scenario(html, run.scenarios[i], i + 1);
    }
    append(html, "</body>\n</html>\n");
    out << html;
}

}  // namespace evhil::harness
