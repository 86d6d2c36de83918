// The line diff behind baseline comparisons: a longest-common-subsequence diff of two normalised texts, with the
// common prefix and suffix taken first.

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/traces/baseline.hpp"

namespace evhil::harness {
namespace {

// Above this many cells the LCS table (one byte per cell) would cost more memory than a report is worth; the
// middle part is then shown as removed-then-added, which is still a correct, if coarse, diff.
constexpr std::size_t max_table_cells = 20'000'000;

enum class Step : std::uint8_t { same, remove, add };

// Lines become small integers once, so the O(n*m) inner loop compares integers, not long strings that share
// their "  c+10s > unit 1 FC3" prefix.
std::pair<std::vector<std::uint32_t>, std::vector<std::uint32_t>> intern(std::span<const std::string> a,
                                                                         std::span<const std::string> b) {
    std::unordered_map<std::string_view, std::uint32_t> ids;
    auto to_ids = [&ids](std::span<const std::string> lines) {
        std::vector<std::uint32_t> out;
        out.reserve(lines.size());
        for (const auto& line : lines) {
            out.push_back(ids.try_emplace(line, static_cast<std::uint32_t>(ids.size())).first->second);
        }
        return out;
    };
    auto a_ids = to_ids(a);
    auto b_ids = to_ids(b);
    return {std::move(a_ids), std::move(b_ids)};
}

// steps[i * m + j] is the first step of an LCS diff of a[i..] against b[j..]. Built from the end with two rows
// of lengths, so the walk from the start reads it forwards. Ties prefer removing, so a replaced line shows as
// the old line followed by the new one.
std::vector<Step> lcs_steps(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<Step> steps(n * m);
    std::vector<std::uint32_t> below(m + 1, 0);
    std::vector<std::uint32_t> row(m + 1, 0);
    for (std::size_t i = n; i-- > 0;) {
        row[m] = 0;
        for (std::size_t j = m; j-- > 0;) {
            Step& step = steps[i * m + j];
            if (a[i] == b[j]) {
                row[j] = below[j + 1] + 1;
                step = Step::same;
            } else if (below[j] >= row[j + 1]) {
                row[j] = below[j];
                step = Step::remove;
            } else {
                row[j] = row[j + 1];
                step = Step::add;
            }
        }
        std::swap(row, below);
    }
    return steps;
}

void diff_middle(std::span<const std::string> a, std::span<const std::string> b, std::vector<DiffRow>& out) {
    std::size_t i = 0;
    std::size_t j = 0;
    if (!a.empty() && b.size() <= max_table_cells / a.size()) {
        const auto [a_ids, b_ids] = intern(a, b);
        const auto steps = lcs_steps(a_ids, b_ids);
        while (i < a.size() && j < b.size()) {
            switch (steps[i * b.size() + j]) {
                case Step::same:
                    out.push_back({DiffRow::Kind::same, a[i++], b[j++]});
                    break;
                case Step::remove:
                    out.push_back({DiffRow::Kind::removed, a[i++], {}});
                    break;
                case Step::add:
                    out.push_back({DiffRow::Kind::added, {}, b[j++]});
                    break;
            }
        }
    }
    for (; i < a.size(); ++i) {
        out.push_back({DiffRow::Kind::removed, a[i], {}});
    }
    for (; j < b.size(); ++j) {
        out.push_back({DiffRow::Kind::added, {}, b[j]});
    }
}

}  // namespace

std::vector<DiffRow> diff_lines(const std::vector<std::string>& baseline, const std::vector<std::string>& current) {
    // The common prefix and suffix are taken first: cheap, and usually most of a baseline.
    const auto first_difference = std::mismatch(baseline.begin(), baseline.end(), current.begin(), current.end());
    const auto prefix = static_cast<std::size_t>(first_difference.first - baseline.begin());
    std::size_t suffix = 0;
    while (suffix < baseline.size() - prefix && suffix < current.size() - prefix &&
           baseline[baseline.size() - 1 - suffix] == current[current.size() - 1 - suffix]) {
        ++suffix;
    }

    std::vector<DiffRow> rows;
    rows.reserve(std::max(baseline.size(), current.size()));
    for (std::size_t i = 0; i < prefix; ++i) {
        rows.push_back({DiffRow::Kind::same, baseline[i], current[i]});
    }
    const std::span<const std::string> baseline_middle(baseline.data() + prefix, baseline.size() - prefix - suffix);
    const std::span<const std::string> current_middle(current.data() + prefix, current.size() - prefix - suffix);
    diff_middle(baseline_middle, current_middle, rows);
    for (std::size_t k = suffix; k > 0; --k) {
        rows.push_back({DiffRow::Kind::same, baseline[baseline.size() - k], current[current.size() - k]});
    }
    return rows;
}

bool has_differences(const std::vector<DiffRow>& rows) {
    return std::any_of(rows.begin(), rows.end(),
                       [](const DiffRow& row) { return row.kind != DiffRow::Kind::same && !row.shifted; });
}

}  // namespace evhil::harness
