#pragma once
// Per calendar month (UTC) figures of a long scenario, from its cumulative signals (energy ledgers, cost, counters):
// the html report's "Months" section and the "months" array of results.json. Internal to the report writers.

#include <string>
#include <vector>

#include "harness/recording/result.hpp"

namespace evhil::harness::detail {

// A shorter recording spans at most three months, which its line plots already show well.
inline constexpr double months_min_span_s = 60 * 86400.0;

struct MonthColumn {
    std::string key;    // the signal's name; "ev_solar_share_percent" for the share of the EV's energy from the sun
    std::string label;  // "EV charged"
    std::string unit;   // "kWh", "%", "" for counts and a cost whose currency the recording does not know
    int decimals = 1;   // in the table
    std::vector<double> values;  // one per month; NaN where there is nothing to tell (no energy, no samples)
    double total = 0;            // of the whole recording; the share of the totals for the share

    std::string header() const { return unit.empty() ? label : label + " (" + unit + ")"; }
};

struct MonthTable {
    std::vector<std::string> months;  // "2026-01", in order
    std::vector<MonthColumn> columns;

    const MonthColumn* find(const std::string& key) const {
        for (const auto& column : columns) {
            if (column.key == key) {
                return &column;
            }
        }
        return nullptr;
    }
};

// A month's figure is the signal's value at the first sample at or after the next month's start (for the last
// month: the last sample) minus that at the first sample at or after the month's own start. Phase switches count
// per session and reset, so their positive steps are summed instead. No months when the recording spans less than
// months_min_span_s or holds none of the signals.
MonthTable month_table(const ScenarioResult& scenario);

// The "Months" heading, the table with a totals row and the bar charts; empty when the table has no months.
std::string render_months_html(const MonthTable& table);

}  // namespace evhil::harness::detail
