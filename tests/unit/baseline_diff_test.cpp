// Protocol baselines beyond normalising (baseline_test.cpp): the line diff, the baseline files and the HTML view
// of a difference.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "harness/reports/report_baseline_html.hpp"
#include "harness/traces/baseline.hpp"
#include "tests/unit/test_files.hpp"

namespace evhil::harness {
namespace {

using evhil::testing::TempDir;

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

void expect_rows_rebuild(const std::vector<DiffRow>& rows, const Lines& baseline, const Lines& current) {
    Lines rebuilt_baseline;
    Lines rebuilt_current;
    for (const auto& row : rows) {
        if (row.kind != DiffRow::Kind::added) {
            rebuilt_baseline.push_back(row.baseline);
        }
        if (row.kind != DiffRow::Kind::removed) {
            rebuilt_current.push_back(row.current);
        }
        if (row.kind == DiffRow::Kind::same) {
            EXPECT_EQ(row.baseline, row.current);
        }
    }
    EXPECT_EQ(rebuilt_baseline, baseline);
    EXPECT_EQ(rebuilt_current, current);
}

std::string kinds(const std::vector<DiffRow>& rows) {
    std::string out;
    for (const auto& row : rows) {
        out += row.kind == DiffRow::Kind::same ? '=' : row.kind == DiffRow::Kind::removed ? '-' : '+';
    }
    return out;
}

TEST(DiffLines, IdenticalInputsHaveNoDifferences) {
    const Lines lines{"# header", "a", "b"};
    const auto rows = diff_lines(lines, lines);
    EXPECT_EQ(kinds(rows), "===");
    EXPECT_FALSE(has_differences(rows));
    EXPECT_FALSE(has_differences(diff_lines({}, {})));
}

TEST(DiffLines, InsertedLine) {
    const Lines baseline{"a", "b", "d"};
    const Lines current{"a", "b", "c", "d"};
    const auto rows = diff_lines(baseline, current);
    EXPECT_EQ(kinds(rows), "==+=");
    EXPECT_EQ(rows[2].current, "c");
    EXPECT_TRUE(rows[2].baseline.empty());
    EXPECT_TRUE(has_differences(rows));
    expect_rows_rebuild(rows, baseline, current);
}

TEST(DiffLines, DeletedLine) {
    const Lines baseline{"a", "b", "c"};
    const Lines current{"a", "c"};
    const auto rows = diff_lines(baseline, current);
    EXPECT_EQ(kinds(rows), "=-=");
    EXPECT_EQ(rows[1].baseline, "b");
    expect_rows_rebuild(rows, baseline, current);
}

TEST(DiffLines, ReplacedLineShowsOldThenNew) {
    const Lines baseline{"# h", "t+0s > unit 1 FC3 read 1200 x16", "t+10s x"};
    const Lines current{"# h", "t+0s > unit 1 FC3 read 1201 x16", "t+10s x"};
    const auto rows = diff_lines(baseline, current);
    EXPECT_EQ(kinds(rows), "=-+=");
    expect_rows_rebuild(rows, baseline, current);
}

TEST(DiffLines, HeaderLinesAreCompared) {
    const auto rows = diff_lines({"# scenario a device charger bucket 10s"}, {"# scenario a device charger bucket 5s"});
    EXPECT_TRUE(has_differences(rows));
}

TEST(DiffLines, ScatteredChangesFindTheLongestCommonLines) {
    const Lines baseline{"a", "b", "c", "d", "e", "f", "g"};
    const Lines current{"b", "c", "x", "e", "f", "y", "g", "h"};
    const auto rows = diff_lines(baseline, current);
    EXPECT_EQ(
        std::count_if(rows.begin(), rows.end(), [](const DiffRow& row) { return row.kind == DiffRow::Kind::same; }), 5);
    expect_rows_rebuild(rows, baseline, current);
    expect_rows_rebuild(diff_lines(baseline, {}), baseline, {});
    expect_rows_rebuild(diff_lines({}, current), {}, current);
}

TEST(DiffLines, InputsTooLargeForTheTableStillGiveACorrectDiff) {
    Lines baseline{"# same header"};
    Lines current{"# same header"};
    for (int i = 0; i < 5000; ++i) {
        baseline.push_back(fmt::format("old {}", i));
        current.push_back(fmt::format("new {}", i));
    }
    baseline.emplace_back("same footer");
    current.emplace_back("same footer");
    const auto rows = diff_lines(baseline, current);
    EXPECT_EQ(rows.front().kind, DiffRow::Kind::same);
    EXPECT_EQ(rows.back().kind, DiffRow::Kind::same);
    expect_rows_rebuild(rows, baseline, current);
}

// ---------------------------------------------------------------------------------------------------------------

std::string file_content(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

TEST(BaselineFile, PathNamesScenarioAndDeviceAndStaysInTheDirectory) {
    EXPECT_EQ(baseline_path("reports/baselines", "alfen-link-drop", "charger"),
              fs::path("reports/baselines/alfen-link-drop.charger.baseline"));
    EXPECT_EQ(baseline_path("b", "../x", "a/b"), fs::path("b/.._x.a_b.baseline"));
}

TEST(BaselineFile, WriteThenReadRoundTripsAtomically) {
    TempDir dir("baseline");
    const fs::path path = baseline_path(dir.path() / "nested" / "baselines", "alfen-link-drop", "charger");
    const Lines lines{"# scenario alfen-link-drop device charger bucket 10s", "t+0s + connect", "", "t+10s x"};
    write_baseline(path, lines);
    EXPECT_EQ(file_content(path), "# scenario alfen-link-drop device charger bucket 10s\nt+0s + connect\n\nt+10s x\n");
    EXPECT_FALSE(fs::exists(fs::path(path.string() + ".tmp")));
    EXPECT_EQ(read_baseline(path), lines);

    // Overwriting replaces the whole file.
    write_baseline(path, {"only"});
    EXPECT_EQ(read_baseline(path), Lines{"only"});
    EXPECT_EQ(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()), 1);
}

TEST(BaselineFile, ReadIgnoresOnlyTheFinalNewline) {
    TempDir dir("baseline");
    fs::create_directories(dir.path());
    const fs::path path = dir.path() / "hand-edited.baseline";
    std::ofstream(path, std::ios::binary) << "a\nb";
    EXPECT_EQ(read_baseline(path), (Lines{"a", "b"}));
    std::ofstream(path, std::ios::binary) << "a\nb\n\n";
    EXPECT_EQ(read_baseline(path), (Lines{"a", "b", ""}));
    std::ofstream(path, std::ios::binary) << "";
    EXPECT_EQ(read_baseline(path), Lines{});
}

TEST(BaselineFile, MissingFileReadsAsNullopt) {
    TempDir dir("baseline");
    EXPECT_EQ(read_baseline(dir.path() / "nothing.baseline"), std::nullopt);
}

TEST(BaselineFile, UnreadableOrUnwritablePathThrowsNamingIt) {
    TempDir dir("baseline");
    fs::create_directories(dir.path() / "a-directory");
    try {
        read_baseline(dir.path() / "a-directory");
        FAIL() << "reading a directory should throw";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("cannot read " + (dir.path() / "a-directory").string() + ": "),
                  std::string::npos)
            << error.what();
    }
    std::ofstream(dir.path() / "a-file") << "x";
    const fs::path below_a_file = dir.path() / "a-file" / "x.baseline";
    try {
        write_baseline(below_a_file, {"x"});
        FAIL() << "writing below a file should throw";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("cannot write " + below_a_file.string() + ": "), std::string::npos)
            << error.what();
    }
    EXPECT_THROW(write_baseline(dir.path() / "x.baseline", {"two\nlines"}), std::runtime_error);
    EXPECT_FALSE(fs::exists(dir.path() / "x.baseline"));
}

// ---------------------------------------------------------------------------------------------------------------

TEST(BaselineDiffHtml, EscapesTextAndTintsRemovedAndAddedLines) {
    const auto rows = diff_lines({"t+0s - close <a> & \"b\"", "same"}, {"t+0s - close <c>", "same"});
    const std::string html = render_baseline_diff_html("alfen <charger>", rows);
    EXPECT_EQ(html.rfind("<section", 0), 0U);
    EXPECT_NE(html.find("alfen &lt;charger&gt;"), std::string::npos);
    EXPECT_NE(html.find("t+0s - close &lt;a&gt; &amp; &quot;b&quot;"), std::string::npos);
    EXPECT_EQ(html.find("<a>"), std::string::npos);
    EXPECT_EQ(html.find("<c>"), std::string::npos);
    EXPECT_NE(html.find("class=\"removed\""), std::string::npos);
    EXPECT_NE(html.find("class=\"added\""), std::string::npos);
    // Removed and added are side by side on one table row.
    const auto removed = html.find("class=\"removed\"");
    EXPECT_LT(html.find("class=\"added\""), html.find("</tr>", removed));
}

TEST(BaselineDiffHtml, UnchangedLinesFoldOutsideTheContext) {
    Lines baseline;
    for (int i = 0; i < 20; ++i) {
        baseline.push_back(fmt::format("line {}", i));
    }
    Lines current = baseline;
    current[10] = "changed";
    const std::string html = render_baseline_diff_html("t", diff_lines(baseline, current), 2);
    EXPECT_NE(html.find("&hellip; 8 unchanged lines &hellip;"), std::string::npos);  // lines 0..7
    EXPECT_NE(html.find("&hellip; 7 unchanged lines &hellip;"), std::string::npos);  // lines 13..19
    EXPECT_NE(html.find(">line 8<"), std::string::npos);
    EXPECT_EQ(html.find(">line 7<"), std::string::npos);
    EXPECT_NE(html.find(">line 12<"), std::string::npos);
    EXPECT_EQ(html.find(">line 13<"), std::string::npos);
}

TEST(BaselineDiffHtml, ASingleHiddenLineIsShownRatherThanFolded) {
    const Lines baseline{"0", "1", "2", "3", "4", "5", "6", "7", "8"};
    Lines current = baseline;
    current[1] = "one";
    current[7] = "seven";
    const std::string html = render_baseline_diff_html("t", diff_lines(baseline, current), 2);
    EXPECT_EQ(html.find("unchanged"), std::string::npos);
    EXPECT_NE(html.find(">4<"), std::string::npos);
}

TEST(BaselineDiffHtml, NoDifferencesSaysSo) {
    const Lines lines{"a", "b"};
    const std::string html = render_baseline_diff_html("t", diff_lines(lines, lines));
    EXPECT_NE(html.find("No differences"), std::string::npos);
    EXPECT_EQ(html.find("<table"), std::string::npos);
}

// A normalised trace with the header that names its bucket, one connection, and the given bucketed lines.
Lines trace_with(const Lines& lines) {
    Lines out{"# scenario s device d bucket 10s from each connect", "connection"};
    out.insert(out.end(), lines.begin(), lines.end());
    return out;
}

std::vector<DiffRow> jitter_tolerant_diff(const Lines& baseline, const Lines& current) {
    auto rows = diff_lines(trace_with(baseline), trace_with(current));
    tolerate_bucket_jitter(rows);
    return rows;
}

TEST(BucketJitter, ALineOneBucketOffIsShiftedNotADifference) {
    const auto rows = jitter_tolerant_diff({"  c+0s > read 1200 x16", "  c+60s > read 100 x79"},
                                           {"  c+0s > read 1200 x16", "  c+50s > read 100 x79"});
    EXPECT_FALSE(has_differences(rows));
    EXPECT_EQ(std::count_if(rows.begin(), rows.end(), [](const DiffRow& row) { return row.shifted; }), 2);
    const std::string html = render_baseline_diff_html("t", rows);
    EXPECT_NE(html.find("2 lines one bucket off"), std::string::npos);
    EXPECT_NE(html.find("class=\"shifted\""), std::string::npos);
}

TEST(BucketJitter, ALineThatMovedTwoBucketsIsADifference) {
    EXPECT_TRUE(has_differences(jitter_tolerant_diff({"  c+60s > read 100 x79"}, {"  c+40s > read 100 x79"})));
}

TEST(BucketJitter, AChangedLineInTheNextBucketIsADifference) {
    EXPECT_TRUE(
        has_differences(jitter_tolerant_diff({"  c+60s > write 1210 [0x4180]"}, {"  c+50s > write 1210 [0x4120]"})));
}

TEST(BucketJitter, ALineMissingFromItsBucketButPresentNextDoorIsTolerated) {
    // Polled every second, the read is in both buckets; the write moved from 50 s to 40 s, where a write
    // already was.
    const auto rows = jitter_tolerant_diff({"  c+40s > write 1210", "  c+50s > write 1210"}, {"  c+40s > write 1210"});
    EXPECT_FALSE(has_differences(rows));
}

TEST(BucketJitter, TheSameLineInAnotherConnectionDoesNotCount) {
    auto rows = diff_lines(
        trace_with({"  c+60s > read 100 x79"}),
        {"# scenario s device d bucket 10s from each connect", "connection", "connection", "  c+50s > read 100 x79"});
    tolerate_bucket_jitter(rows);
    EXPECT_TRUE(has_differences(rows));
}

TEST(BucketJitter, WithoutAHeaderEveryDifferenceStays) {
    auto rows = diff_lines({"connection", "  c+60s > a"}, {"connection", "  c+50s > a"});
    tolerate_bucket_jitter(rows);
    EXPECT_TRUE(has_differences(rows));
}

}  // namespace
}  // namespace evhil::harness
