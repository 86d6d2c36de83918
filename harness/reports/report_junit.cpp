#include <fmt/format.h>

#include <cmath>

#include "harness/reports/report.hpp"
#include "harness/reports/report_format.hpp"

namespace evhil::harness {
namespace {

using detail::escape_markup;

// Wall-clock time is the one non-deterministic figure allowed in junit.xml; CI dashboards chart it.
std::string junit_seconds(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) {
        seconds = 0;
    }
    return fmt::format("{:.3f}", seconds);
}

std::string failed_expectation_lines(const ScenarioResult& scenario) {
    std::string text;
    for (const auto& expectation : scenario.expectations) {
        if (expectation.passed || expectation.skipped) {
            continue;
        }
        const std::string when =
            expectation.failed_at_s ? "at t=" + detail::format_time(*expectation.failed_at_s) : "(no failure time)";
        const std::string where = expectation.line > 0 ? fmt::format("line {}, ", expectation.line) : "";
        text += fmt::format("FAILED {} [{}{}]: {}", when, where, expectation.kind, expectation.description);
        if (!expectation.detail.empty()) {
            text += " -- " + expectation.detail;
        }
        text += '\n';
    }
    return text;
}

std::size_t failed_count(const ScenarioResult& scenario) {
    std::size_t count = 0;
    for (const auto& expectation : scenario.expectations) {
        count += expectation.passed || expectation.skipped ? 0 : 1;
    }
    return count;
}

void write_testcase(const ScenarioResult& scenario, std::ostream& out) {
    out << fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", escape_markup(scenario.file, true),
                       escape_markup(scenario.name, true), junit_seconds(scenario.wall_s));
    const std::string status = detail::normalised_status(scenario.status);
    if (status == "passed") {
        out << "/>\n";
        return;
    }
    out << ">\n";
    if (status == "skipped") {
        const std::string message = scenario.message.empty() ? "skipped" : scenario.message;
        out << fmt::format("      <skipped message=\"{}\"/>\n", escape_markup(message, true));
    } else if (status == "failed") {
        const std::size_t failed = failed_count(scenario);
        std::string message = fmt::format("{} of {} expectations failed", failed, scenario.expectations.size());
        if (failed == 0) {
            message = scenario.message.empty() ? "scenario failed" : scenario.message;
        }
        std::string text = scenario.message.empty() || failed == 0 ? "" : scenario.message + '\n';
        text += failed_expectation_lines(scenario);
        out << fmt::format("      <failure message=\"{}\" type=\"expectation\">{}</failure>\n",
                           escape_markup(message, true), escape_markup(text));
    } else {
        std::string message = scenario.message.empty() ? "scenario error" : scenario.message;
        if (scenario.status != "error") {
            message = fmt::format("unknown scenario status '{}'", scenario.status);
        }
        std::string text = scenario.message.empty() ? "" : scenario.message + '\n';
        text += failed_expectation_lines(scenario);
        out << fmt::format("      <error message=\"{}\" type=\"error\">{}</error>\n", escape_markup(message, true),
                           escape_markup(text));
    }
    out << "    </testcase>\n";
}

}  // namespace

void write_junit_xml(const RunResult& run, std::ostream& out) {
    const detail::StatusCounts counts = detail::count_statuses(run);
    double wall_total = 0;
    for (const auto& scenario : run.scenarios) {
        if (std::isfinite(scenario.wall_s) && scenario.wall_s > 0) {
            wall_total += scenario.wall_s;
        }
    }
    const std::string totals =
        fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"", counts.total,
                    counts.failed, counts.error, counts.skipped, junit_seconds(wall_total));

    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << "<testsuites name=\"evhil\" " << totals << ">\n";
    out << "  <testsuite name=\"evhil\" " << totals << ">\n";
    out << "    <properties>\n";
    out << fmt::format("      <property name=\"seed\" value=\"{}\"/>\n", run.seed);
    out << fmt::format("      <property name=\"target\" value=\"{}\"/>\n", escape_markup(run.target, true));
    out << "    </properties>\n";
    for (const auto& scenario : run.scenarios) {
        write_testcase(scenario, out);
    }
    out << "  </testsuite>\n";
    out << "</testsuites>\n";
}

}  // namespace evhil::harness
