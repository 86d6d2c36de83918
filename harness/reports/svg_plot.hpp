#pragma once
// Inline SVG plots for the html report: line plots in stacked panels sharing one time axis, with min/max decimation
// so a 24 h recording stays small without hiding short spikes, and grouped bar charts for per-month totals.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace evhil::harness::svg {

inline constexpr double image_width_px = 960;
inline constexpr double plot_left_px = 64;  // room for y tick labels such as "22000"
inline constexpr double plot_right_px = 16;
inline constexpr double plot_width_px = image_width_px - plot_left_px - plot_right_px;
// Two points (min and max) per bucket keep each line at or below max_points_per_line.
inline constexpr std::size_t buckets_per_line = 750;
inline constexpr std::size_t max_points_per_line = 2 * buckets_per_line;

// 1, 2 or 5 times a power of ten, the smallest that splits `span` into at most `max_ticks` intervals.
double nice_step(double span, int max_ticks);
// Decimals a tick label needs to show multiples of `step` exactly (0 for steps of 1 and more).
int decimals_for(double step);

struct Point {
    double t = 0;
    double value = 0;
};

struct TimeRange {
    double start = 0;
    double end = 1;  // always > start, so a single sample still maps to a valid x
};

// First and last finite time stamps; times are increasing by contract.
TimeRange time_range(std::span<const double> times);

// Horizontal pixel of time t, clamped to the plot area.
double x_for_time(double t, TimeRange range);

// Splits the series into polylines at gaps (non-finite values) and keeps, per time bucket, the samples holding
// the bucket's minimum and maximum in their original order. A gap shorter than one bucket is not shown: it would
// be narrower than a pixel anyway, and ignoring it is what bounds the point count.
std::vector<std::vector<Point>> decimate(std::span<const double> times, std::span<const double> values, TimeRange range,
                                         std::size_t buckets = buckets_per_line);

struct Line {
    std::string label;   // the signal name, shown in the legend
    std::string colour;  // any SVG colour
    std::span<const double> values;
    bool dashed = false;  // for a reference such as a setpoint, so the line under it stays visible
};

struct Panel {
    std::string title;        // "Current (A)"
    std::vector<Line> lines;  // legend order; the first is drawn on top
    bool percent = false;     // prefer a fixed 0..100 axis
};

struct Marker {
    double time_s = 0;
    std::string label;  // shown as the marker's tooltip
};

// Renders the panels stacked, time axis under the last one, and a red dashed vertical line across all panels per
// marker. Returns an empty string when no panel has a finite value to draw.
std::string render_stacked_plot(std::span<const double> times, const std::vector<Panel>& panels,
                                const std::vector<Marker>& markers);

struct BarSeries {
    std::string label;           // shown in the legend and in each bar's tooltip
    std::string colour;          // any SVG colour
    std::vector<double> values;  // one per category; a non-finite value draws no bar
};

struct BarChart {
    std::string title;                    // "Energy (kWh)"
    std::vector<std::string> categories;  // along the horizontal axis, e.g. "2026-01"
    std::vector<BarSeries> series;        // side by side within each category, in legend order
};

// Renders one panel of grouped bars in the style of the line plots, zero always on the value axis. Each bar carries
// a tooltip with its category, series and value, which is all the interaction a report without script can offer.
// Returns an empty string when no series has a finite value.
std::string render_bar_chart(const BarChart& chart);

}  // namespace evhil::harness::svg
