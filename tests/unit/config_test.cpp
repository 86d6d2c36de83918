#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>

#include "drivers/core/config.hpp"
#include "harness/run/runner.hpp"

namespace evhil {
namespace {

using namespace std::chrono_literals;

// Writes a scenario to a temporary file and returns the ConfigError its loading raises.
std::string load_error(const std::string& yaml) {
    // One file per test: ctest runs the tests of this suite in parallel processes.
    auto path = std::filesystem::temp_directory_path() /
                fmt::format("evhil-config-{}-{}.yaml", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                            ::getpid());
    std::ofstream(path) << yaml;
    try {
        harness::load_scenario(path.string());
    } catch (const ConfigError& error) {
        std::filesystem::remove(path);
        return fmt::format("{}:{}: {}", error.line(), error.column(), error.message());
    }
    std::filesystem::remove(path);
    return "no error";
}

const std::string valid_head = R"(duration: 1h
devices:
  charger:
    type: alfen
controller:
  type: manual
)";

TEST(ConfigErrors, ValidScenarioLoads) {
    EXPECT_EQ(load_error(valid_head), "no error");
}

TEST(ConfigErrors, UnknownKeyPointsAtTheKey) {
    auto error = load_error(valid_head + "ev:\n  capacty: 60\n");
    EXPECT_EQ(error.substr(0, 5), "8:3: ");
    EXPECT_NE(error.find("unknown key 'capacty'"), std::string::npos) << error;
}

TEST(ConfigErrors, WrongTypePointsAtTheValue) {
    auto error = load_error(valid_head + "ev:\n  capacity: lots\n");
    EXPECT_EQ(error.substr(0, 6), "8:13: ");
    EXPECT_NE(error.find("expected a number, got 'lots'"), std::string::npos) << error;
}

TEST(ConfigErrors, OutOfRangeValue) {
    auto error = load_error(valid_head + "ev:\n  soc: 140\n");
    EXPECT_NE(error.find("ev.soc: 140 is out of range [0, 100]"), std::string::npos) << error;
    EXPECT_EQ(error.substr(0, 5), "8:8: ");
}

TEST(ConfigErrors, MissingRequiredField) {
    auto error = load_error("devices:\n  charger:\n    type: alfen\ncontroller:\n  type: manual\n");
    EXPECT_NE(error.find("missing required field 'duration'"), std::string::npos) << error;
}

TEST(ConfigErrors, SyntaxErrorGivesTheParserPosition) {
    auto error = load_error("duration: 1h\ndevices: [unclosed\n");
    EXPECT_NE(error, "no error");
    EXPECT_EQ(error.substr(0, 2), "3:") << error;
}

TEST(ConfigErrors, BadDurationAndUnknownAction) {
    EXPECT_NE(load_error(valid_head + "timeline:\n  - at: soon\n    do: plug_in\n").find("expected a duration"),
              std::string::npos);
    auto error = load_error(valid_head + "timeline:\n  - at: 1s\n    do: plug_out\n");
    EXPECT_EQ(error.substr(0, 5), "9:9: ") << error;
    EXPECT_NE(error.find("unknown action 'plug_out'"), std::string::npos);
}

TEST(ConfigErrors, ExpectationReferencingUnknownEvent) {
    auto error = load_error(valid_head + "expect:\n  - within: 1s\n    after: nothing\n    that: ev.soc > 1\n");
    EXPECT_NE(error.find("no timeline action has id 'nothing'"), std::string::npos) << error;
}

TEST(ConfigErrors, WhatReadsFileLineColumnMessage) {
    ConfigError error("a.yaml", 3, 7, "bad");
    EXPECT_STREQ(error.what(), "a.yaml:3:7: bad");
}

TEST(Durations, ParseUnitsAndCombinations) {
    EXPECT_EQ(parse_duration("90s"), Duration(90s));
    EXPECT_EQ(parse_duration("2m"), Duration(120s));
    EXPECT_EQ(parse_duration("1h30m"), Duration(5400s));
    EXPECT_EQ(parse_duration("250ms"), Duration(250ms));
    EXPECT_EQ(parse_duration("1d"), Duration(24h));
    EXPECT_EQ(parse_duration("12"), Duration(12s));
    EXPECT_FALSE(parse_duration("5 minutes"));
    EXPECT_FALSE(parse_duration("-3s"));
    EXPECT_FALSE(parse_duration(""));
}

}  // namespace
}  // namespace evhil

namespace evhil {
namespace {

TEST(ConfigNode, AssignmentRebindsAndLeavesTheDocumentAlone) {
    auto root = ConfigNode::load_string("a: 1\nb: 2\n", "test.yaml");
    auto a = root.required("a");
    auto b = root.required("b");
    a = b;
    EXPECT_EQ(a.as_string(), "2");
    EXPECT_EQ(root.required("a").as_string(), "1");  // YAML::Node's own operator= would have made this 2
    EXPECT_EQ(a.path(), "b");
}

}  // namespace
}  // namespace evhil
