#include "harness/reports/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <optional>

#include "harness/reports/report_format.hpp"

namespace evhil::harness::svg {

double nice_step(double span, int max_ticks) {
    const double raw = span / max_ticks;
    if (!(raw > 0) || !std::isfinite(raw)) {
        return 1;
    }
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double multiple : {1.0, 2.0, 5.0}) {
        if (multiple * magnitude >= raw * (1 - 1e-9)) {
            return multiple * magnitude;
        }
    }
    return 10 * magnitude;
}

int decimals_for(double step) {
    if (step >= 1) {
        return 0;
    }
    return std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
}

namespace {

using detail::escape_markup;

constexpr double top_margin_px = 8;
constexpr double header_px = 22;  // panel title and legend
constexpr double panel_height_px = 140;
constexpr double panel_gap_px = 12;
constexpr double bottom_margin_px = 40;  // time tick labels and axis title
constexpr int max_time_ticks = 8;
constexpr int target_value_ticks = 5;
// Legend layout needs text widths, which SVG cannot measure without script; an average glyph width at 11 px
// sans-serif is close enough to keep the items apart.
constexpr double glyph_width_px = 6.2;

struct TimeAxis {
    double unit_s = 1;
    const char* unit_name = "s";
    double step = 1;  // in units
};

// Tick steps people read without arithmetic: 15 or 30 minutes, 3 or 6 hours, rather than 20 or 5000 seconds.
TimeAxis choose_time_axis(double span_s) {
    if (span_s <= 180) {
        return {1, "s", nice_step(span_s, max_time_ticks)};
    }
    TimeAxis axis = span_s <= 3 * 3600 ? TimeAxis{60, "min", 1} : TimeAxis{3600, "h", 1};
    static constexpr std::array minute_steps{1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0};
    static constexpr std::array hour_steps{0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0};
    const double span = span_s / axis.unit_s;
    const auto candidates =
        axis.unit_s == 60 ? std::span<const double>(minute_steps) : std::span<const double>(hour_steps);
    for (double step : candidates) {
        if (span / step <= max_time_ticks) {
            axis.step = step;
            return axis;
        }
    }
    axis.step = nice_step(span, max_time_ticks);  // multi-day runs
    return axis;
}

struct PreparedLine {
    const Line* line = nullptr;
    std::vector<std::vector<Point>> segments;
};

struct PreparedPanel {
    const Panel* panel = nullptr;
    std::vector<PreparedLine> lines;
    double low = 0;
    double high = 1;
    double step = 1;
};

// Zero is always on the value axis: currents and power sit near it when idle, and a plot that zooms into
// 15.9..16.1 A makes measurement noise look like a fault.
void choose_value_axis(PreparedPanel& prepared) {
    double low = 0;
    double high = 0;
    for (const auto& line : prepared.lines) {
        for (const auto& segment : line.segments) {
            for (const auto& point : segment) {
                low = std::min(low, point.value);
                high = std::max(high, point.value);
            }
        }
    }
    if (prepared.panel->percent && low >= 0 && high <= 100) {
        high = 100;
    }
    if (high - low <= 0) {
        high = low + 1;
    }
    prepared.step = nice_step(high - low, target_value_ticks);
    prepared.low = std::floor(low / prepared.step + 1e-9) * prepared.step;
    prepared.high = std::ceil(high / prepared.step - 1e-9) * prepared.step;
}

template <typename... Args>
void append(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

void render_panel(std::string& out, const PreparedPanel& prepared, double header_top, TimeRange range,
                  const TimeAxis& axis) {
    const double top = header_top + header_px;
    const double bottom = top + panel_height_px;
    const double right = plot_left_px + plot_width_px;
    auto y_for = [&](double value) {
        return bottom - (value - prepared.low) / (prepared.high - prepared.low) * panel_height_px;
    };

    append(out, "<g class=\"panel\">\n");
    append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" font-weight=\"bold\">{}</text>\n", plot_left_px, header_top + 15,
           escape_markup(prepared.panel->title));
    double legend_x = plot_left_px + static_cast<double>(prepared.panel->title.size()) * glyph_width_px * 1.1 + 20;
    for (const auto& line : prepared.lines) {
        append(out,
               "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"{}/>",
               legend_x, header_top + 11, legend_x + 18, header_top + 11, escape_markup(line.line->colour, true),
               line.line->dashed ? " stroke-dasharray=\"5 3\"" : "");
        append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", legend_x + 22, header_top + 15,
               escape_markup(line.line->label));
        legend_x += 22 + static_cast<double>(line.line->label.size()) * glyph_width_px + 16;
    }

    const double time_step_s = axis.step * axis.unit_s;
    for (auto k = static_cast<long long>(std::ceil(range.start / time_step_s - 1e-9));
         k * time_step_s <= range.end + 1e-9 * time_step_s; ++k) {
        const double x = x_for_time(static_cast<double>(k) * time_step_s, range);
        append(out, "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#e8e8e8\"/>\n", x, top,
               bottom);
    }
    const int decimals = decimals_for(prepared.step);
    for (auto k = static_cast<long long>(std::llround(prepared.low / prepared.step));
         static_cast<double>(k) * prepared.step <= prepared.high + prepared.step * 1e-9; ++k) {
        const double value = static_cast<double>(k) * prepared.step;
        const double y = y_for(value);
        append(out, "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e8e8e8\"/>", plot_left_px,
               y, right, y);
        append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", plot_left_px - 6, y + 4,
               detail::format_number(value, decimals));
    }

    for (auto it = prepared.lines.rbegin(); it != prepared.lines.rend(); ++it) {
        const PreparedLine& line = *it;
        const std::string colour = escape_markup(line.line->colour, true);
        const std::string name = escape_markup(line.line->label, true);
        const char* dash = line.line->dashed ? " stroke-dasharray=\"5 3\"" : "";
        for (const auto& segment : line.segments) {
            if (segment.size() == 1) {  // a polyline of one point draws nothing
                append(out, "<circle data-signal=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"1.5\" fill=\"{}\"/>\n", name,
                       x_for_time(segment.front().t, range), y_for(segment.front().value), colour);
                continue;
            }
            append(out,
                   "<polyline data-signal=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"{} "
                   "stroke-linejoin=\"round\" points=\"",
                   name, colour, dash);
            for (std::size_t i = 0; i < segment.size(); ++i) {
                append(out, "{}{:.1f},{:.1f}", i == 0 ? "" : " ", x_for_time(segment[i].t, range),
                       y_for(segment[i].value));
            }
            append(out, "\"/>\n");
        }
    }
    append(out, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#999\"/>\n",
           plot_left_px, top, plot_width_px, panel_height_px);
    append(out, "</g>\n");
}

}  // namespace

TimeRange time_range(std::span<const double> times) {
    TimeRange range;
    const auto first = std::find_if(times.begin(), times.end(), [](double t) { return std::isfinite(t); });
    const auto last = std::find_if(times.rbegin(), times.rend(), [](double t) { return std::isfinite(t); });
    if (first != times.end()) {
        range.start = *first;
        range.end = *last;
    }
    if (!(range.end > range.start)) {
        range.end = range.start + 1;
    }
    return range;
}

double x_for_time(double t, TimeRange range) {
    const double fraction = std::clamp((t - range.start) / (range.end - range.start), 0.0, 1.0);
    return plot_left_px + fraction * plot_width_px;
}

std::vector<std::vector<Point>> decimate(std::span<const double> times, std::span<const double> values, TimeRange range,
                                         std::size_t buckets) {
    struct Bucket {
        std::size_t index = 0;
        Point min;
        Point max;
        std::size_t min_at = 0;
        std::size_t max_at = 0;
    };
    buckets = std::max<std::size_t>(1, buckets);
    const double scale = static_cast<double>(buckets) / (range.end - range.start);
    std::vector<std::vector<Point>> segments;
    std::vector<Point> segment;
    std::optional<Bucket> current;
    bool gap = false;

    auto flush = [&] {
        if (!current) {
            return;
        }
        if (current->min_at == current->max_at) {
            segment.push_back(current->min);
        } else if (current->min_at < current->max_at) {
            segment.insert(segment.end(), {current->min, current->max});
        } else {
            segment.insert(segment.end(), {current->max, current->min});
        }
        current.reset();
    };

    const std::size_t count = std::min(times.size(), values.size());
    for (std::size_t i = 0; i < count; ++i) {
        const double t = times[i];
        const double value = values[i];
        if (!std::isfinite(t)) {
            continue;
        }
        if (!std::isfinite(value)) {
            gap = true;
            continue;
        }
        const double position =
            std::clamp(std::floor((t - range.start) * scale), 0.0, static_cast<double>(buckets - 1));
        const auto index = static_cast<std::size_t>(position);
        if (current && current->index == index) {
            if (value < current->min.value) {
                current->min = {t, value};
                current->min_at = i;
            }
            if (value > current->max.value) {
                current->max = {t, value};
                current->max_at = i;
            }
            gap = false;
            continue;
        }
        flush();
        if (gap && !segment.empty()) {
            segments.push_back(std::move(segment));
            segment.clear();
        }
        gap = false;
        current = Bucket{index, {t, value}, {t, value}, i, i};
    }
    flush();
    if (!segment.empty()) {
        segments.push_back(std::move(segment));
    }
    return segments;
}

std::string render_stacked_plot(std::span<const double> times, const std::vector<Panel>& panels,
                                const std::vector<Marker>& markers) {
    const TimeRange range = time_range(times);
    std::vector<PreparedPanel> prepared;
    for (const auto& panel : panels) {
        PreparedPanel candidate{&panel, {}};
        for (const auto& line : panel.lines) {
            auto segments = decimate(times, line.values, range);
            if (!segments.empty()) {
                candidate.lines.push_back({&line, std::move(segments)});
            }
        }
        if (!candidate.lines.empty()) {
            choose_value_axis(candidate);
            prepared.push_back(std::move(candidate));
        }
    }
    if (prepared.empty()) {
        return {};
    }

    const auto panel_count = static_cast<double>(prepared.size());
    const double first_top = top_margin_px + header_px;
    const double last_bottom =
        top_margin_px + panel_count * (header_px + panel_height_px) + (panel_count - 1) * panel_gap_px;
    const double height = last_bottom + bottom_margin_px;
    const TimeAxis axis = choose_time_axis(range.end - range.start);

    std::string out;
    append(out,
           "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
           "viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n",
           image_width_px, height);
    append(out, "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    for (std::size_t i = 0; i < prepared.size(); ++i) {
        const double header_top = top_margin_px + static_cast<double>(i) * (header_px + panel_height_px + panel_gap_px);
        render_panel(out, prepared[i], header_top, range, axis);
    }

    const double time_step_s = axis.step * axis.unit_s;
    const int decimals = decimals_for(axis.step);
    for (auto k = static_cast<long long>(std::ceil(range.start / time_step_s - 1e-9));
         k * time_step_s <= range.end + 1e-9 * time_step_s; ++k) {
        const double t = static_cast<double>(k) * time_step_s;
        append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x_for_time(t, range),
               last_bottom + 14, detail::format_number(t / axis.unit_s, decimals));
    }
    append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">time ({})</text>\n",
           plot_left_px + plot_width_px / 2, last_bottom + 32, axis.unit_name);

    for (const auto& marker : markers) {
        const double x = x_for_time(marker.time_s, range);
        append(out, "<g class=\"failed-marker\" data-failed-at=\"{}\"><title>{}</title>",
               detail::format_number(marker.time_s), escape_markup(marker.label));
        append(out,
               "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#d62728\" "
               "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/></g>\n",
               x, first_top, last_bottom);
    }
    append(out, "</svg>\n");
    return out;
}

}  // namespace evhil::harness::svg
