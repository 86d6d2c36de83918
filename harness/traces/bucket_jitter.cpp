// Tolerating a line that moved to the neighbouring time bucket (baseline.hpp, DiffRow::shifted).
//
// Normalised traces put each line in a bucket counted from its connection's connect ("  c+50s > ..."), and the
// buckets of one trace are all the same size (the header says which). A driver timer that fires at a multiple
// of the bucket (a 60 s station-info read, a 25 s refresh on its second firing) falls a few
// milliseconds before or after the edge from run to run: the tap stamps the connect when it accepts, not when
// the driver's connect completes. The wire suite failed on exactly that, once in three fresh-clone runs.

#include <charconv>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "harness/traces/baseline.hpp"

namespace evhil::harness {
namespace {

constexpr std::string_view block_start = "connection";
constexpr std::string_view bucket_prefix = "  c+";

// "10s", "500ms", "250us" or "7ns" in nanoseconds, as format_span in baseline.cpp writes them.
std::optional<std::int64_t> parse_span(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{}) {
        return std::nullopt;
    }
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    if (unit == "s") {
        return value * 1'000'000'000;
    }
    if (unit == "ms") {
        return value * 1'000'000;
    }
    if (unit == "us") {
        return value * 1'000;
    }
    if (unit == "ns") {
        return value;
    }
    return std::nullopt;
}

// A bucketed line split into its bucket and the rest; nullopt for headers and "connection".
struct BucketedLine {
    std::int64_t bucket_ns = 0;
    std::string_view text;
};

std::optional<BucketedLine> split(std::string_view line) {
    if (!line.starts_with(bucket_prefix)) {
        return std::nullopt;
    }
    const std::string_view rest = line.substr(bucket_prefix.size());
    const auto space = rest.find(' ');
    if (space == std::string_view::npos) {
        return std::nullopt;
    }
    auto span = parse_span(rest.substr(0, space));
    if (!span) {
        return std::nullopt;
    }
    return BucketedLine{*span, rest.substr(space + 1)};
}

// "# scenario <name> device <device> bucket <span> from each connect"
std::optional<std::int64_t> bucket_of_header(std::string_view line) {
    constexpr std::string_view marker = " bucket ";
    if (!line.starts_with("# scenario ")) {
        return std::nullopt;
    }
    const auto at = line.rfind(marker);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view rest = line.substr(at + marker.size());
    return parse_span(rest.substr(0, rest.find(' ')));
}

using Key = std::tuple<std::size_t, std::int64_t, std::string_view>;  // connection block, bucket, text

}  // namespace

void tolerate_bucket_jitter(std::vector<DiffRow>& rows) {
    // Each side's lines keyed by their connection block, counted on that side.
    std::set<Key> baseline_lines;
    std::set<Key> current_lines;
    std::vector<std::size_t> baseline_block(rows.size(), 0);
    std::vector<std::size_t> current_block(rows.size(), 0);
    std::optional<std::int64_t> bucket;
    std::size_t in_baseline = 0;
    std::size_t in_current = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const DiffRow& row = rows[i];
        if (row.kind != DiffRow::Kind::added) {
            in_baseline += row.baseline == block_start ? 1 : 0;
            baseline_block[i] = in_baseline;
            if (auto line = split(row.baseline)) {
                baseline_lines.emplace(in_baseline, line->bucket_ns, line->text);
            }
            if (!bucket) {
                bucket = bucket_of_header(row.baseline);
            }
        }
        if (row.kind != DiffRow::Kind::removed) {
            in_current += row.current == block_start ? 1 : 0;
            current_block[i] = in_current;
            if (auto line = split(row.current)) {
                current_lines.emplace(in_current, line->bucket_ns, line->text);
            }
        }
    }
    // Without a header naming the bucket size, nothing is known to be a neighbour: every difference stays.
    if (!bucket || *bucket <= 0) {
        return;
    }
    auto next_door = [&](const std::set<Key>& other, std::size_t block, const BucketedLine& line) {
        return other.contains({block, line.bucket_ns - *bucket, line.text}) ||
               other.contains({block, line.bucket_ns + *bucket, line.text});
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        DiffRow& row = rows[i];
        if (row.kind == DiffRow::Kind::removed) {
            auto line = split(row.baseline);
            row.shifted = line && next_door(current_lines, baseline_block[i], *line);
        } else if (row.kind == DiffRow::Kind::added) {
            auto line = split(row.current);
            row.shifted = line && next_door(baseline_lines, current_block[i], *line);
        }
    }
}

}  // namespace evhil::harness
