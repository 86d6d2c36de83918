#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "harness/reports/report_format.hpp"
#include "harness/reports/svg_plot.hpp"

namespace evhil::harness::svg {
namespace {

using detail::escape_markup;

constexpr double top_margin_px = 8;
constexpr double header_px = 22;  // title and legend, as in the line plots
constexpr double chart_height_px = 160;
constexpr double bottom_margin_px = 24;  // category labels
constexpr int target_value_ticks = 5;
constexpr double glyph_width_px = 6.2;  // the line plots' estimate: SVG cannot measure text without script
// Part of each category's width the bars fill; the rest keeps neighbouring groups apart.
constexpr double group_fill = 0.8;

template <typename... Args>
void append(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

struct ValueAxis {
    double low = 0;
    double high = 1;
    double step = 1;
    bool any = false;  // whether any bar has a finite value
};

// Zero always on the axis: bars grow from it, and a bar that starts elsewhere misstates its value.
ValueAxis value_axis(const BarChart& chart) {
    ValueAxis axis;
    double low = 0;
    double high = 0;
    for (const auto& series : chart.series) {
        for (double value : series.values) {
            if (std::isfinite(value)) {
                low = std::min(low, value);
                high = std::max(high, value);
                axis.any = true;
            }
        }
    }
    if (high - low <= 0) {
        high = low + 1;
    }
    axis.step = nice_step(high - low, target_value_ticks);
    axis.low = std::floor(low / axis.step + 1e-9) * axis.step;
    axis.high = std::ceil(high / axis.step - 1e-9) * axis.step;
    return axis;
}

void render_legend(std::string& out, const BarChart& chart) {
    append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" font-weight=\"bold\">{}</text>\n", plot_left_px, top_margin_px + 15,
           escape_markup(chart.title));
    double x = plot_left_px + static_cast<double>(chart.title.size()) * glyph_width_px * 1.1 + 20;
    for (const auto& series : chart.series) {
        append(out, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"10\" fill=\"{}\"/>", x, top_margin_px + 6,
               escape_markup(series.colour, true));
        append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x + 16, top_margin_px + 15,
               escape_markup(series.label));
        x += 16 + static_cast<double>(series.label.size()) * glyph_width_px + 16;
    }
}

}  // namespace

std::string render_bar_chart(const BarChart& chart) {
    const ValueAxis axis = value_axis(chart);
    if (!axis.any || chart.categories.empty()) {
        return {};
    }
    const double top = top_margin_px + header_px;
    const double bottom = top + chart_height_px;
    const double right = plot_left_px + plot_width_px;
    const double height = bottom + bottom_margin_px;
    auto y_for = [&](double value) { return bottom - (value - axis.low) / (axis.high - axis.low) * chart_height_px; };

    std::string out;
    append(out,
           "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot bars\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
           "viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n",
           image_width_px, height);
    append(out, "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    render_legend(out, chart);

    const int decimals = decimals_for(axis.step);
    for (auto k = static_cast<long long>(std::llround(axis.low / axis.step));
         static_cast<double>(k) * axis.step <= axis.high + axis.step * 1e-9; ++k) {
        const double value = static_cast<double>(k) * axis.step;
        append(out, "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e8e8e8\"/>", plot_left_px,
               y_for(value), right, y_for(value));
        append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", plot_left_px - 6,
               y_for(value) + 4, detail::format_number(value, decimals));
    }

    const double group_px = plot_width_px / static_cast<double>(chart.categories.size());
    const double bar_px = group_px * group_fill / static_cast<double>(std::max<std::size_t>(1, chart.series.size()));
    std::size_t longest = 0;
    for (const auto& category : chart.categories) {
        longest = std::max(longest, category.size());
    }
    // Every n-th label only, when all of them would overlap (several years of months).
    const auto label_every = static_cast<std::size_t>(
        std::max(1.0, std::ceil((static_cast<double>(longest) * glyph_width_px + 8) / group_px)));
    for (std::size_t c = 0; c < chart.categories.size(); ++c) {
        const double group_left = plot_left_px + static_cast<double>(c) * group_px;
        for (std::size_t s = 0; s < chart.series.size(); ++s) {
            const BarSeries& series = chart.series[s];
            const double value = c < series.values.size() ? series.values[c] : std::nan("");
            if (!std::isfinite(value)) {
                continue;
            }
            const double x = group_left + group_px * (1 - group_fill) / 2 + static_cast<double>(s) * bar_px;
            const double y = std::min(y_for(value), y_for(0));
            append(out,
                   "<rect data-series=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
                   "<title>{} {}: {}</title></rect>\n",
                   escape_markup(series.label, true), x, y, bar_px, std::abs(y_for(value) - y_for(0)),
                   escape_markup(series.colour, true), escape_markup(chart.categories[c]), escape_markup(series.label),
                   detail::format_number(value, 2));
        }
        if (c % label_every == 0) {
            append(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", group_left + group_px / 2,
                   bottom + 16, escape_markup(chart.categories[c]));
        }
    }
    append(out, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#999\"/>\n",
           plot_left_px, top, plot_width_px, chart_height_px);
    append(out, "</svg>\n");
    return out;
}

}  // namespace evhil::harness::svg
