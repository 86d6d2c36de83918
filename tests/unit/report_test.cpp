#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "harness/reports/report.hpp"
#include "harness/reports/svg_plot.hpp"
#include "tests/unit/test_files.hpp"

namespace evhil::harness {
namespace {

using evhil::testing::slurp;
using evhil::testing::TempDir;

namespace fs = std::filesystem;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr const char* tricky_description = "applied <&>\"' current == 10";

Recording ramp_recording(double seconds) {
    Recording recording;
    SignalSeries setpoint{"controller.setpoint", "A", {}};
    SignalSeries applied{"charger.applied_current", "A", {}};
    SignalSeries power{"charger.power", "W", {}};
    SignalSeries voltage{"ev.voltage", "V", {}};
    for (int i = 0; i <= static_cast<int>(seconds); ++i) {
        recording.times_s.push_back(i);
        setpoint.values.push_back(i < 50 ? 16 : 10);
        // Absent for a while in the middle, as after a link drop.
        applied.values.push_back(i >= 30 && i < 40 ? nan : (i < 50 ? 16 : 10));
        power.values.push_back(230.0 * 3 * (i < 50 ? 16 : 10));
        voltage.values.push_back(nan);
    }
    recording.signals = {setpoint, applied, power, voltage};
    return recording;
}

RunResult sample_run() {
    RunResult run;
    run.seed = 42;
    run.target = "sim";

    ScenarioResult plug;
    plug.name = "plug and charge";
    plug.file = "scenarios/plug.yaml";
    plug.status = "passed";
    plug.seed = 42;
    plug.simulated_s = 100;
    plug.wall_s = 0.25;
    plug.expectations = {{"eventually: ev.state == charging", "eventually", true, std::nullopt, "at t=3s", 4},
                         {"always: charger.applied_current <= 16", "always", true, std::nullopt, "", 5}};
    plug.metrics = {{"modbus.requests", 200}, {"modbus.timeouts", 0}, {"energy_wh", nan}};
    plug.events = {{0, "plug_in"}, {50, "user-sets-10"}};
    plug.recording = ramp_recording(100);

    ScenarioResult drop = plug;
    drop.name = "link <drop> & fallback";
    drop.file = "scenarios/drop.yaml";
    drop.status = "failed";
    drop.wall_s = 0.75;
    drop.expectations = {{"eventually: ev.state == charging", "eventually", true, std::nullopt, "at t=3s", 4},
                         {tricky_description, "within", false, 42.0, "value 16 at t=42s", 9}};

    run.scenarios = {plug, drop};
    return run;
}

std::string json_of(const RunResult& run) {
    std::ostringstream out;
    write_results_json(run, out);
    return out.str();
}

std::string junit_of(const RunResult& run) {
    std::ostringstream out;
    write_junit_xml(run, out);
    return out.str();
}

std::string html_of(const RunResult& run) {
    std::ostringstream out;
    write_html_report(run, out);
    return out.str();
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
    std::size_t count = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) {
        ++count;
    }
    return count;
}

// Hourly samples from 1 January 2026 for `days` days, both ends included, as the runner records a long scenario: the
// EV's ledger grows 1 kWh an hour, its solar part 0.5, and the per-session phase switch counter goes 0, 1, 2, 0, ...
ScenarioResult long_scenario(int days) {
    ScenarioResult scenario;
    scenario.name = "a year";
    scenario.file = "tests/bench/year.yaml";
    scenario.status = "passed";
    scenario.start = std::chrono::sys_days{std::chrono::year{2026} / std::chrono::January / 1};
    scenario.simulated_s = days * 86'400.0;
    SignalSeries power{"garage.charger.power", "W", {}};
    SignalSeries ev{"gx.energy.ev", "kWh", {}};
    SignalSeries switches{"garage.controller.phase_switches", "", {}};
    for (int hour = 0; hour <= days * 24; ++hour) {
        scenario.recording.times_s.push_back(hour * 3600.0);
        power.values.push_back(hour % 24 < 12 ? 3000 : 0);
        ev.values.push_back(hour);
        switches.values.push_back(hour % 3);
    }
    scenario.recording.signals = {power, ev, switches};
    return scenario;
}

RunResult run_of(ScenarioResult scenario) {
    RunResult run;
    run.seed = 1;
    run.target = "sim";
    run.scenarios = {std::move(scenario)};
    return run;
}

TEST(ResultsJson, ParsesBackWithSummaryAndSignalStatistics) {
    const auto json = nlohmann::json::parse(json_of(sample_run()));

    EXPECT_EQ(json["seed"], 42);
    EXPECT_EQ(json["target"], "sim");
    EXPECT_EQ(json["summary"]["passed"], 1);
    EXPECT_EQ(json["summary"]["failed"], 1);
    EXPECT_EQ(json["summary"]["skipped"], 0);
    EXPECT_EQ(json["summary"]["error"], 0);
    EXPECT_EQ(json["summary"]["total"], 2);
    ASSERT_EQ(json["scenarios"].size(), 2u);

    const auto& plug = json["scenarios"][0];
    EXPECT_FALSE(plug.contains("message"));
    EXPECT_FALSE(plug.contains("wall_s"));
    EXPECT_TRUE(plug["signals"]["ev.voltage"]["min"].is_null());
    EXPECT_TRUE(plug["signals"]["ev.voltage"]["max"].is_null());
    EXPECT_TRUE(plug["signals"]["ev.voltage"]["final"].is_null());
    EXPECT_EQ(plug["signals"]["ev.voltage"]["unit"], "V");
    EXPECT_EQ(plug["signals"]["charger.applied_current"]["min"], 10.0);
    EXPECT_EQ(plug["signals"]["charger.applied_current"]["max"], 16.0);
    EXPECT_EQ(plug["signals"]["charger.applied_current"]["final"], 10.0);
    EXPECT_FALSE(plug["signals"]["charger.applied_current"].contains("values"));
    EXPECT_TRUE(plug["metrics"]["energy_wh"].is_null());
    EXPECT_EQ(plug["metrics"]["modbus.requests"], 200.0);
    EXPECT_EQ(plug["events"][1]["t"], 50.0);
    EXPECT_EQ(plug["events"][1]["text"], "user-sets-10");
    EXPECT_TRUE(plug["expectations"][0]["failed_at_s"].is_null());

    const auto& drop = json["scenarios"][1];
    EXPECT_EQ(drop["status"], "failed");
    EXPECT_EQ(drop["expectations"][1]["description"], tricky_description);
    EXPECT_EQ(drop["expectations"][1]["passed"], false);
    EXPECT_EQ(drop["expectations"][1]["failed_at_s"], 42.0);
    EXPECT_EQ(drop["expectations"][1]["line"], 9);
}

TEST(ResultsJson, KeepsTheDocumentedKeyOrder) {
    const auto json = nlohmann::ordered_json::parse(json_of(sample_run()));
    std::vector<std::string> keys;
    for (const auto& [key, value] : json["scenarios"][0].items()) {
        keys.push_back(key);
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"name", "file", "status", "seed", "simulated_s", "expectations",
                                              "metrics", "events", "signals"}));
}

TEST(ResultsJson, IsByteIdenticalForIdenticalInputWhateverTheWallClock) {
    RunResult run = sample_run();
    const std::string first = json_of(run);
    EXPECT_EQ(first, json_of(run));
    run.scenarios[0].wall_s = 123.456;
    EXPECT_EQ(first, json_of(run));
    EXPECT_EQ(first.find("wall_s"), std::string::npos);
}

TEST(ResultsJson, SurvivesInvalidUtf8FromDevices) {
    RunResult run = sample_run();
    run.scenarios[0].expectations[0].detail = "model \xff\xfe";
    EXPECT_NO_THROW(nlohmann::json::parse(json_of(run)));
}

TEST(JunitXml, CountsFailuresAndEscapesText) {
    const std::string xml = junit_of(sample_run());
    EXPECT_NE(xml.find("<testsuites name=\"evhil\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\""),
              std::string::npos);
    EXPECT_NE(xml.find("failures=\"1\""), std::string::npos);
    EXPECT_EQ(count_of(xml, "<testcase "), 2u);
    EXPECT_EQ(count_of(xml, "<failure "), 1u);
    EXPECT_NE(xml.find("classname=\"scenarios/drop.yaml\" name=\"link &lt;drop&gt; &amp; fallback\" time=\"0.750\""),
              std::string::npos);
    EXPECT_NE(xml.find("applied &lt;&amp;&gt;&quot;&#39; current == 10"), std::string::npos);
    EXPECT_EQ(xml.find(tricky_description), std::string::npos);
    EXPECT_NE(xml.find("at t=42 s"), std::string::npos);
    EXPECT_NE(xml.find("value 16 at t=42s"), std::string::npos);
}

TEST(JunitXml, ReportsErrorsAndSkips) {
    RunResult run = sample_run();
    run.scenarios[0].status = "skipped";
    run.scenarios[0].message = "needs bench";
    run.scenarios[1].status = "error";
    run.scenarios[1].message = "driver threw";
    const std::string xml = junit_of(run);
    EXPECT_NE(xml.find("failures=\"0\" errors=\"1\" skipped=\"1\""), std::string::npos);
    EXPECT_NE(xml.find("<skipped message=\"needs bench\"/>"), std::string::npos);
    EXPECT_NE(xml.find("<error message=\"driver threw\""), std::string::npos);
}

TEST(HtmlReport, PlotsEachScenarioAndMarksTheFailure) {
    const std::string html = html_of(sample_run());
    EXPECT_EQ(count_of(html, "<svg"), 2u);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no external resources
    EXPECT_NE(html.find("applied &lt;&amp;&gt;&quot;&#39; current == 10"), std::string::npos);
    EXPECT_EQ(html.find(tricky_description), std::string::npos);
    EXPECT_NE(html.find("value 16 at t=42s"), std::string::npos);
    EXPECT_NE(html.find("link &lt;drop&gt; &amp; fallback"), std::string::npos);

    // Only the failed scenario gets a marker, at 42 % of the 0..100 s axis.
    EXPECT_EQ(count_of(html, "data-failed-at="), 1u);
    const auto marker = html.find("data-failed-at=\"42\"");
    ASSERT_NE(marker, std::string::npos);
    const double expected_x = svg::plot_left_px + 0.42 * svg::plot_width_px;
    EXPECT_NE(html.find(fmt::format("x1=\"{0:.1f}\" y1=", expected_x), marker), std::string::npos);

    // The signal with only NaN is not a key signal; the gap in the applied current splits its line.
    EXPECT_EQ(html.find("ev.voltage"), std::string::npos);
    const auto second_section = html.find("<section id=\"scenario-2\"");
    ASSERT_NE(second_section, std::string::npos);
    EXPECT_EQ(count_of(html.substr(0, second_section), "<polyline data-signal=\"charger.applied_current\""), 2u);
}

TEST(HtmlReport, IsDeterministic) {
    RunResult run = sample_run();
    const std::string first = html_of(run);
    run.scenarios[1].wall_s = 99;
    EXPECT_EQ(first, html_of(run));
}

TEST(HtmlReport, SaysSoWhenThereIsNothingToPlot) {
    RunResult run = sample_run();
    run.scenarios[0].recording = {};
    const std::string html = html_of(run);
    EXPECT_EQ(count_of(html, "<svg"), 1u);
    EXPECT_NE(html.find("No key signals recorded."), std::string::npos);
}

TEST(ReportMonths, TotalsEachCalendarMonthAfterThePlots) {
    const std::string html = html_of(run_of(long_scenario(90)));  // 1 January to 1 April 00:00

    const auto months = html.find("<h3>Months</h3>");
    ASSERT_NE(months, std::string::npos);
    EXPECT_LT(html.find("<svg"), months);
    EXPECT_LT(months, html.find("<h3>Expectations</h3>"));
    EXPECT_NE(html.find("<tr><th>Month</th><th title=\"gx.energy.ev\">EV charged (kWh)</th>"
                        "<th title=\"garage.controller.phase_switches\">garage phase switches</th></tr>"),
              std::string::npos);
    // 31, 28 and 31 days of 24 kWh; two switches every three hours, counted across the resets to zero.
    EXPECT_NE(html.find("<tr><td>2026-01</td><td class=\"num\">744</td><td class=\"num\">496</td></tr>"),
              std::string::npos);
    EXPECT_NE(html.find("<tr><td>2026-02</td><td class=\"num\">672</td><td class=\"num\">448</td></tr>"),
              std::string::npos);
    EXPECT_NE(html.find("<tr><td>2026-03</td><td class=\"num\">744</td><td class=\"num\">496</td></tr>"),
              std::string::npos);
    EXPECT_NE(html.find("<tr class=\"total\"><td>Total</td><td class=\"num\">2160</td><td class=\"num\">1440</td>"),
              std::string::npos);
    // The last sample, at 1 April 00:00, closes March and opens no month of its own.
    EXPECT_EQ(html.find("2026-04"), std::string::npos);

    // Energy and switches; no cost chart without prices.ev_cost. No script, nothing fetched.
    EXPECT_EQ(count_of(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot bars\""), 2u);
    EXPECT_EQ(html.find("EV cost"), std::string::npos);
    EXPECT_EQ(count_of(html, "<rect data-series=\"EV charged\""), 3u);
    EXPECT_EQ(count_of(html, "<rect data-series=\"garage phase switches\""), 3u);
    EXPECT_NE(html.find("<title>2026-01 EV charged: 744</title>"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(count_of(html, "http://"), count_of(html, "http://www.w3.org/2000/svg"));
}

TEST(ReportMonths, EndsTheLastMonthAtTheLastSampleAndAddsShareCostAndStarts) {
    ScenarioResult scenario = long_scenario(70);  // to 12 March 00:00
    SignalSeries solar{"gx.energy.ev_solar", "kWh", {}};
    SignalSeries cost{"prices.ev_cost", "", {}};
    SignalSeries starts{"garage.controller.starts", "", {}};
    for (double hour : scenario.recording.signals[1].values) {
        solar.values.push_back(hour / 4);
        cost.values.push_back(hour * 0.25);
        starts.values.push_back(std::floor(hour / 24));  // one start a day, never reset
    }
    scenario.recording.signals.insert(scenario.recording.signals.end(), {solar, cost, starts});
    const RunResult run = run_of(scenario);
    const std::string html = html_of(run);

    EXPECT_NE(html.find("<th title=\"gx.energy.ev\">EV charged (kWh)</th><th title=\"gx.energy.ev_solar\">of it "
                        "solar (kWh)</th><th title=\"ev_solar_share_percent\">Solar share (%)</th><th "
                        "title=\"prices.ev_cost\">EV cost</th>"),
              std::string::npos);
    // EV, solar, share, cost, switches, starts (recording order for the counters).
    EXPECT_NE(html.find("<tr><td>2026-01</td><td class=\"num\">744</td><td class=\"num\">186</td><td "
                        "class=\"num\">25</td><td class=\"num\">186</td><td class=\"num\">496</td><td "
                        "class=\"num\">31</td></tr>"),
              std::string::npos);
    EXPECT_NE(html.find("<tr><td>2026-03</td><td class=\"num\">264</td><td class=\"num\">66</td><td "
                        "class=\"num\">25</td><td class=\"num\">66</td><td class=\"num\">176</td><td "
                        "class=\"num\">11</td></tr>"),
              std::string::npos);
    EXPECT_NE(html.find("<tr class=\"total\"><td>Total</td><td class=\"num\">1680</td><td class=\"num\">420</td>"
                        "<td class=\"num\">25</td><td class=\"num\">420</td><td class=\"num\">1120</td><td "
                        "class=\"num\">70</td></tr>"),
              std::string::npos);
    EXPECT_EQ(count_of(html, "class=\"plot bars\""), 3u);
    EXPECT_NE(html.find("EV cost per month"), std::string::npos);
    EXPECT_EQ(count_of(html, "<rect data-series=\"garage starts\""), 3u);

    const auto json = nlohmann::json::parse(json_of(run));
    const auto& months = json["scenarios"][0]["months"];
    ASSERT_EQ(months.size(), 3u);
    EXPECT_EQ(months[1]["month"], "2026-02");
    EXPECT_EQ(months[1]["gx.energy.ev"], 672.0);
    EXPECT_EQ(months[1]["ev_solar_share_percent"], 25.0);
    EXPECT_EQ(months[1]["garage.controller.phase_switches"], 448.0);
    EXPECT_EQ(months[2]["garage.controller.starts"], 11.0);
}

TEST(ReportMonths, AreLeftOutForAShortRecording) {
    const RunResult run = run_of(long_scenario(10));
    const std::string html = html_of(run);
    EXPECT_EQ(html.find("Months"), std::string::npos);
    EXPECT_EQ(html.find("class=\"plot bars\""), std::string::npos);
    EXPECT_NE(html.find("<svg"), std::string::npos);  // the line plot is still there
    EXPECT_FALSE(nlohmann::json::parse(json_of(run))["scenarios"][0].contains("months"));
}

TEST(ReportSvgBars, ScalesFromZeroAndSkipsMissingValues) {
    const svg::BarChart chart{"Energy (kWh)", {"2026-01", "2026-02"}, {{"EV", "#1f77b4", {100, nan}}}};
    const std::string svg = svg::render_bar_chart(chart);
    ASSERT_EQ(count_of(svg, "<rect data-series=\"EV\""), 1u);
    EXPECT_NE(svg.find(">2026-02</text>"), std::string::npos);
    // 100 is the axis' top: the bar fills the 160 px chart from zero up.
    EXPECT_NE(svg.find("height=\"160.0\" fill=\"#1f77b4\"><title>2026-01 EV: 100</title>"), std::string::npos);
    EXPECT_TRUE(svg::render_bar_chart({"Nothing", {"2026-01"}, {{"EV", "#1f77b4", {nan}}}}).empty());
}

TEST(SvgDecimation, KeepsSpikesAndBoundsThePointCount) {
    std::vector<double> times;
    std::vector<double> values;
    for (int i = 0; i < 86'400; ++i) {
        times.push_back(i);
        values.push_back(i == 40'001 ? 32 : 16);
    }
    const auto segments = svg::decimate(times, values, svg::time_range(times));
    ASSERT_EQ(segments.size(), 1u);
    EXPECT_LE(segments[0].size(), svg::max_points_per_line);
    bool spike = false;
    for (const auto& point : segments[0]) {
        spike = spike || (point.value == 32 && point.t == 40'001);
    }
    EXPECT_TRUE(spike);
}

TEST(SvgDecimation, BreaksTheLineAtGaps) {
    const std::vector<double> times{0, 1, 2, 3, 4, 5};
    const std::vector<double> values{1, 2, nan, nan, 5, 6};
    const auto segments = svg::decimate(times, values, svg::time_range(times));
    ASSERT_EQ(segments.size(), 2u);
    EXPECT_EQ(segments[0].back().t, 1);
    EXPECT_EQ(segments[1].front().t, 4);
}

TEST(WriteReports, CreatesTheThreeFilesAndNothingElse) {
    TempDir dir("report");
    const fs::path out = dir.path() / "nested" / "reports";
    const RunResult run = sample_run();
    write_reports(run, out);

    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(out)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"index.html", "junit.xml", "results.json"}));
    EXPECT_EQ(slurp(out / "results.json"), json_of(run));
    EXPECT_EQ(slurp(out / "index.html"), html_of(run));
    EXPECT_EQ(slurp(out / "junit.xml"), junit_of(run));

    write_reports(run, out);  // overwriting existing reports works too
    EXPECT_EQ(slurp(out / "results.json"), json_of(run));
}

TEST(WriteReports, ThrowsNamingThePathWhenTheDirectoryCannotBeCreated) {
    TempDir dir("report");
    fs::create_directories(dir.path());
    std::ofstream(dir.path() / "file") << "x";
    const fs::path out = dir.path() / "file" / "reports";
    try {
        write_reports(sample_run(), out);
        FAIL() << "expected std::runtime_error";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(out.string()), std::string::npos) << error.what();
    }
}

TEST(WriteReports, ThrowsNamingTheFileWhenItCannotBeReplacedAndLeavesNoTemporary) {
    TempDir dir("report");
    // Renaming a file over a non-empty directory fails even for root, unlike permission checks.
    fs::create_directories(dir.path() / "results.json" / "occupied");
    try {
        write_reports(sample_run(), dir.path());
        FAIL() << "expected std::runtime_error";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find((dir.path() / "results.json").string()), std::string::npos)
            << error.what();
    }
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        names.push_back(entry.path().filename().string());
    }
    EXPECT_EQ(names, std::vector<std::string>{"results.json"});
}

}  // namespace
}  // namespace evhil::harness
