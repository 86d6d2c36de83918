#include "harness/reports/report_months.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <iterator>
#include <span>
#include <string_view>

#include "harness/reports/report_format.hpp"
#include "harness/reports/svg_plot.hpp"

namespace evhil::harness::detail {
namespace {

constexpr const char* solar_share_key = "ev_solar_share_percent";

struct LedgerSpec {
    const char* signal;
    const char* label;
    int decimals;
};

// The site's energy ledgers and the EV's cost, in the table's order; the solar share follows the EV's solar energy.
constexpr std::array<LedgerSpec, 7> ledgers{{{"gx.energy.ev", "EV charged", 1},
                                             {"gx.energy.ev_solar", "of it solar", 1},
                                             {"gx.energy.grid_import", "Grid import", 1},
                                             {"gx.energy.grid_export", "Grid export", 1},
                                             {"gx.energy.battery_discharge", "Battery discharge", 1},
                                             {"gx.energy.pv", "PV", 1},
                                             {"prices.ev_cost", "EV cost", 2}}};

// Samples [begin, end] of one month: `end` is the next month's first sample, which closes this month.
struct MonthSpan {
    std::string label;
    std::size_t begin = 0;
    std::size_t end = 0;
};

std::vector<MonthSpan> month_spans(TimePoint start, std::span<const double> times) {
    std::vector<MonthSpan> spans;
    if (times.size() < 2 || !(times.back() - times.front() >= months_min_span_s)) {
        return spans;
    }
    using namespace std::chrono;
    auto seconds_to = [start](year_month month) { return to_seconds(sys_days(month / 1) - start); };
    const year_month_day first{floor<days>(start + from_seconds(times.front()))};
    // A month that starts at the last sample has nothing in it: a year from 1 January ends at the next 1 January.
    for (year_month month{first.year(), first.month()}; seconds_to(month) < times.back(); month += months{1}) {
        // The tolerance keeps a sample taken exactly at midnight, whatever the rounding of its time, in its month.
        const auto begin = static_cast<std::size_t>(
            std::lower_bound(times.begin(), times.end(), seconds_to(month) - 1e-6) - times.begin());
        if (!spans.empty()) {
            spans.back().end = begin;
        }
        spans.push_back(
            {fmt::format("{:04}-{:02}", static_cast<int>(month.year()), static_cast<unsigned>(month.month())), begin,
             times.size() - 1});
    }
    return spans;
}

// The first finite value at or after `index`, else the last before it: a month's edge in a gap of the signal takes
// the value the signal comes back with.
double value_at(std::span<const double> values, std::size_t index) {
    for (std::size_t i = index; i < values.size(); ++i) {
        if (std::isfinite(values[i])) {
            return values[i];
        }
    }
    for (std::size_t i = std::min(index, values.size()); i-- > 0;) {
        if (std::isfinite(values[i])) {
            return values[i];
        }
    }
    return std::nan("");
}

// Sums the rises only, so a counter that restarts at zero with each session still adds up.
double sum_of_rises(std::span<const double> values, const MonthSpan& span) {
    double sum = 0;
    double last = std::nan("");
    for (std::size_t i = span.begin; i <= span.end && i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            continue;
        }
        if (std::isfinite(last) && values[i] > last) {
            sum += values[i] - last;
        }
        last = values[i];
    }
    return sum;
}

MonthColumn column_of(const SignalSeries& signal, std::string label, int decimals, bool resets,
                      const std::vector<MonthSpan>& spans) {
    MonthColumn column{signal.name, std::move(label), signal.unit, decimals, {}, 0};
    double total = std::nan("");
    for (const auto& span : spans) {
        const double value = resets ? sum_of_rises(signal.values, span)
                                    : value_at(signal.values, span.end) - value_at(signal.values, span.begin);
        column.values.push_back(value);
        if (std::isfinite(value)) {
            total = std::isfinite(total) ? total + value : value;
        }
    }
    column.total = total;
    return column;
}

double share_percent(double part, double whole) {
    return whole > 0 ? part / whole * 100 : std::nan("");
}

MonthColumn solar_share(const MonthColumn& ev, const MonthColumn& solar) {
    MonthColumn column{solar_share_key, "Solar share", "%", 0, {}, share_percent(solar.total, ev.total)};
    for (std::size_t i = 0; i < ev.values.size(); ++i) {
        column.values.push_back(share_percent(solar.values[i], ev.values[i]));
    }
    return column;
}

struct CounterSpec {
    std::string_view suffix;
    const char* label;      // without a device: "Starts"
    const char* of_device;  // after the device's id: "garage starts"
    bool resets;
};

constexpr std::array<CounterSpec, 2> counters{
    {{"controller.starts", "Starts", "starts", false},
     {"controller.phase_switches", "Phase switches", "phase switches", true}}};

// Every charger's counters, in recording order, labelled with the charger's id.
void add_counters(MonthTable& table, const Recording& recording, const std::vector<MonthSpan>& spans) {
    for (const auto& signal : recording.signals) {
        for (const auto& counter : counters) {
            const std::string_view name = signal.name;
            if (!name.ends_with(counter.suffix)) {
                continue;
            }
            const std::string_view device = name.substr(0, name.size() - counter.suffix.size());
            if (device.empty() || device.ends_with('.')) {
                const std::string label =
                    device.empty() ? counter.label
                                   : fmt::format("{} {}", device.substr(0, device.size() - 1), counter.of_device);
                table.columns.push_back(column_of(signal, label, 0, counter.resets, spans));
            }
        }
    }
}

}  // namespace

MonthTable month_table(const ScenarioResult& scenario) {
    const Recording& recording = scenario.recording;
    const std::vector<MonthSpan> spans = month_spans(scenario.start, recording.times_s);
    MonthTable table;
    if (spans.empty()) {
        return table;
    }
    for (const auto& ledger : ledgers) {
        if (const SignalSeries* signal = recording.find(ledger.signal)) {
            table.columns.push_back(column_of(*signal, ledger.label, ledger.decimals, false, spans));
        }
    }
    const MonthColumn* ev = table.find("gx.energy.ev");
    const MonthColumn* solar = table.find("gx.energy.ev_solar");
    if (ev != nullptr && solar != nullptr) {
        MonthColumn share = solar_share(*ev, *solar);
        table.columns.insert(table.columns.begin() + (solar - table.columns.data()) + 1, std::move(share));
    }
    add_counters(table, recording, spans);
    if (table.columns.empty()) {
        return table;
    }
    for (const auto& span : spans) {
        table.months.push_back(span.label);
    }
    return table;
}

namespace {

template <typename... Args>
void append(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

struct BarSpec {
    const char* key;
    const char* label;
    const char* colour;
};

// From the line plots' palette, which avoids red: it marks failures.
constexpr std::array<BarSpec, 3> energy_bars{{{"gx.energy.ev", "EV charged", "#1f77b4"},
                                              {"gx.energy.ev_solar", "of it solar", "#ff7f0e"},
                                              {"gx.energy.grid_import", "grid import", "#7f7f7f"}}};
constexpr std::array<const char*, 5> counter_colours{"#2ca02c", "#8c564b", "#17becf", "#bcbd22", "#e377c2"};

bool is_counter(const MonthColumn& column) {
    return column.key.ends_with("controller.starts") || column.key.ends_with("controller.phase_switches");
}

std::string render_charts(const MonthTable& table) {
    svg::BarChart energy{"Energy per month (kWh)", table.months, {}};
    for (const auto& bar : energy_bars) {
        if (const MonthColumn* column = table.find(bar.key)) {
            energy.series.push_back({bar.label, bar.colour, column->values});
        }
    }
    std::string out = svg::render_bar_chart(energy);
    if (const MonthColumn* cost = table.find("prices.ev_cost")) {
        out += svg::render_bar_chart({"EV cost per month" + (cost->unit.empty() ? "" : " (" + cost->unit + ")"),
                                      table.months,
                                      {{cost->label, "#9467bd", cost->values}}});
    }
    svg::BarChart switches{"Starts and phase switches per month", table.months, {}};
    for (const auto& column : table.columns) {
        if (is_counter(column)) {
            switches.series.push_back(
                {column.label, counter_colours[switches.series.size() % counter_colours.size()], column.values});
        }
    }
    return out + svg::render_bar_chart(switches);
}

}  // namespace

std::string render_months_html(const MonthTable& table) {
    if (table.months.empty()) {
        return {};
    }
    std::string out;
    append(out,
           "<h3>Months</h3>\n<p class=\"note\">What each ledger and counter grew by per calendar month (UTC); phase "
           "switches, which restart with each session, are summed.</p>\n<table class=\"months\">\n<tr><th>Month</th>");
    for (const auto& column : table.columns) {
        append(out, "<th title=\"{}\">{}</th>", escape_markup(column.key, true), escape_markup(column.header()));
    }
    append(out, "</tr>\n");
    for (std::size_t month = 0; month < table.months.size(); ++month) {
        append(out, "<tr><td>{}</td>", escape_markup(table.months[month]));
        for (const auto& column : table.columns) {
            append(out, "<td class=\"num\">{}</td>", format_number(column.values[month], column.decimals));
        }
        append(out, "</tr>\n");
    }
    append(out, "<tr class=\"total\"><td>Total</td>");
    for (const auto& column : table.columns) {
        append(out, "<td class=\"num\">{}</td>", format_number(column.total, column.decimals));
    }
    append(out, "</tr>\n</table>\n");
    return out + render_charts(table);
}

}  // namespace evhil::harness::detail
