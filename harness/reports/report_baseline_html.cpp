#include "harness/reports/report_baseline_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <span>

#include "harness/reports/report_format.hpp"

namespace evhil::harness {
namespace {

using detail::escape_markup;

// Inline styles rather than classes in the page's stylesheet, so the fragment reads the same in any page that
// embeds it. The classes stay for whoever wants to restyle it.
constexpr const char* table_style =
    "width:100%;table-layout:fixed;white-space:pre-wrap;overflow-wrap:anywhere;"
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace";
constexpr const char* removed_style = "background:#fce8e6";
constexpr const char* added_style = "background:#e6f4ea";
constexpr const char* shifted_style = "background:#fef7e0";
constexpr const char* empty_style = "background:#f6f6f6";
constexpr const char* gap_style = "text-align:center;color:#5f6368;background:#f1f3f4;font-family:system-ui,sans-serif";
constexpr const char* number_style = "color:#80868b;user-select:none;margin-right:8px";

template <typename... Args>
void append(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

bool is_change(const DiffRow& row) {
    return row.kind != DiffRow::Kind::same;
}

// One side of a table row: a line with its number in its own file, or nothing (text == nullptr).
struct Cell {
    DiffRow::Kind kind = DiffRow::Kind::same;
    bool shifted = false;
    std::size_t number = 0;
    const std::string* text = nullptr;
};

std::string line_number(std::size_t number) {
    return fmt::format("<span class=\"ln\" style=\"{}\">{}</span>", number_style, number);
}

std::string render_cell(const Cell& cell) {
    if (cell.text == nullptr) {
        return fmt::format("<td class=\"empty\" style=\"{}\"></td>", empty_style);
    }
    if (cell.kind == DiffRow::Kind::same) {
        return fmt::format("<td class=\"same\">{}{}</td>", line_number(cell.number), escape_markup(*cell.text));
    }
    const bool removed = cell.kind == DiffRow::Kind::removed;
    if (cell.shifted) {
        return fmt::format("<td class=\"shifted\" style=\"{}\" title=\"one bucket off: timing, tolerated\">{}{}</td>",
                           shifted_style, line_number(cell.number), escape_markup(*cell.text));
    }
    return fmt::format("<td class=\"{}\" style=\"{}\">{}{}</td>", removed ? "removed" : "added",
                       removed ? removed_style : added_style, line_number(cell.number), escape_markup(*cell.text));
}

// Every change, and the unchanged rows within `context` of one, are shown; the rest is folded.
std::vector<bool> visible_rows(const std::vector<DiffRow>& rows, std::size_t context) {
    std::vector<bool> visible(rows.size(), false);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (is_change(rows[i])) {
            const std::size_t from = i - std::min(i, context);
            const std::size_t to = context >= rows.size() - i ? rows.size() : i + context + 1;
            std::fill(visible.begin() + static_cast<std::ptrdiff_t>(from),
                      visible.begin() + static_cast<std::ptrdiff_t>(to), true);
        }
    }
    return visible;
}

// Writes table rows while keeping each side's line number, folded lines included, so a number points at the
// line in the baseline file or in this run's normalised trace.
class TableWriter {
public:
    explicit TableWriter(std::string& out) : out_(out) {}

    void same(const DiffRow& row) {
        ++baseline_line_;
        ++current_line_;
        write_row({row.kind, false, baseline_line_, &row.baseline}, {row.kind, false, current_line_, &row.current});
    }

    // Only runs of two or more lines are folded, so the text is always plural.
    void fold(std::size_t count) {
        baseline_line_ += count;
        current_line_ += count;
        append(out_,
               "<tr class=\"gap\"><td colspan=\"2\" style=\"{}\">&hellip; {} unchanged lines &hellip;</td></tr>\n",
               gap_style, count);
    }

    // A run of changes: its removed lines go down the left, its added lines down the right, side by side.
    void changes(std::span<const DiffRow> block) {
        std::vector<Cell> left;
        std::vector<Cell> right;
        for (const auto& row : block) {
            if (row.kind == DiffRow::Kind::removed) {
                left.push_back({row.kind, row.shifted, ++baseline_line_, &row.baseline});
            } else {
                right.push_back({row.kind, row.shifted, ++current_line_, &row.current});
            }
        }
        for (std::size_t k = 0; k < std::max(left.size(), right.size()); ++k) {
            write_row(k < left.size() ? left[k] : Cell{}, k < right.size() ? right[k] : Cell{});
        }
    }

private:
    void write_row(const Cell& left, const Cell& right) {
        append(out_, "<tr>{}{}</tr>\n", render_cell(left), render_cell(right));
    }

    std::string& out_;
    std::size_t baseline_line_ = 0;
    std::size_t current_line_ = 0;
};

// Length of the run starting at `begin` whose rows all satisfy `keep`.
template <typename Predicate>
std::size_t run_length(const std::vector<DiffRow>& rows, std::size_t begin, Predicate keep) {
    std::size_t end = begin;
    while (end < rows.size() && keep(end)) {
        ++end;
    }
    return end - begin;
}

void render_table(std::string& out, const std::vector<DiffRow>& rows, std::size_t context) {
    append(out, "<table class=\"baseline-diff\" style=\"{}\">\n<tr><th>baseline</th><th>this run</th></tr>\n",
           table_style);
    const auto visible = visible_rows(rows, context);
    TableWriter writer(out);
    std::size_t i = 0;
    while (i < rows.size()) {
        if (is_change(rows[i])) {
            const std::size_t count = run_length(rows, i, [&](std::size_t k) { return is_change(rows[k]); });
            writer.changes(std::span(rows).subspan(i, count));
            i += count;
        } else if (visible[i]) {
            writer.same(rows[i++]);
        } else {
            const std::size_t count =
                run_length(rows, i, [&](std::size_t k) { return !is_change(rows[k]) && !visible[k]; });
            // A fold row is as tall as the one line it would hide, so a single line is shown instead.
            if (count == 1) {
                writer.same(rows[i]);
            } else {
                writer.fold(count);
            }
            i += count;
        }
    }
    append(out, "</table>\n");
}

}  // namespace

std::string render_baseline_diff_html(const std::string& title, const std::vector<DiffRow>& rows, std::size_t context) {
    std::string out;
    append(out, "<section class=\"baseline-diff\">\n<h3>{}</h3>\n", escape_markup(title));
    auto count = [&rows](DiffRow::Kind kind, bool shifted) {
        return static_cast<std::size_t>(std::count_if(
            rows.begin(), rows.end(), [&](const DiffRow& row) { return row.kind == kind && row.shifted == shifted; }));
    };
    const std::size_t removed = count(DiffRow::Kind::removed, false);
    const std::size_t added = count(DiffRow::Kind::added, false);
    const std::size_t shifted = count(DiffRow::Kind::removed, true) + count(DiffRow::Kind::added, true);
    if (removed + added + shifted == 0) {
        append(out, "<p class=\"note\">No differences from the baseline ({} lines).</p>\n</section>\n", rows.size());
        return out;
    }
    append(out, "<p class=\"meta\">{} line{} only in the baseline, {} line{} only in this run", removed,
           removed == 1 ? "" : "s", added, added == 1 ? "" : "s");
    if (shifted > 0) {
        append(out, "; {} line{} one bucket off (timing at a bucket edge, tolerated)", shifted,
               shifted == 1 ? "" : "s");
    }
    append(out, "</p>\n");
    render_table(out, rows, context);
    append(out, "</section>\n");
    return out;
}

}  // namespace evhil::harness
