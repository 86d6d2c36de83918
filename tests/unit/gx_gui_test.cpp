// The GX GUI of a scenario on the in-process bus: it reads a service when the service appears, follows its
// signals, forgets its values when it leaves and reads it again when it comes back; and a scenario's gx: section
// and gx_set actions are checked at load.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "drivers/core/executor.hpp"
#include "drivers/venus/in_process_bus.hpp"
#include "harness/devices/gx/gx_gui.hpp"
#include "harness/run/runner.hpp"
#include "harness/scenario/faults.hpp"

namespace evhil::harness {
namespace {

using namespace std::chrono_literals;
constexpr const char* service = "com.victronenergy.evcharger.test";

class GxGuiTest : public ::testing::Test {
protected:
    void SetUp() override {
        tree_.add("/Ac/Power", {.value = 100.0});
        tree_.add("/ProductName", {.value = std::string("a charger")});
        publisher_.connect([](auto) {});
        gui_bus_.connect([](auto) {});
        gui_.follow(service, tree_.leaves());
        executor_.run_for(1ms);
        gui_.start();
        executor_.run_for(1ms);
    }
    void publish() {
        publisher_.publish(service, tree_, [](auto) {});
        executor_.run_for(1ms);
    }

    VirtualClock clock_{TimePoint{}};
    Executor executor_{clock_};
    venus::InProcessBusDaemon daemon_{executor_};
    venus::ItemTree tree_;
    venus::InProcessVenusBus publisher_{daemon_, "publisher"};
    venus::InProcessVenusBus gui_bus_{daemon_, "gui"};
    GxGui gui_{gui_bus_};
};

TEST_F(GxGuiTest, ReadsAServiceWhenItAppearsAndFollowsItsSignals) {
    EXPECT_FALSE(gui_.present(service));
    EXPECT_TRUE(std::isnan(gui_.value(service, "/Ac/Power")));
    publish();
    EXPECT_TRUE(gui_.present(service));
    EXPECT_EQ(gui_.value(service, "/Ac/Power"), 100.0);
    EXPECT_TRUE(std::isnan(gui_.value(service, "/ProductName")));  // a text is not a number
    tree_.set("/Ac/Power", 250.0);
    executor_.run_for(1ms);
    EXPECT_EQ(gui_.value(service, "/Ac/Power"), 250.0);
    EXPECT_EQ(gui_.signals(), 1U);
}

TEST_F(GxGuiTest, ForgetsAServiceThatLeavesAndReadsItAgainWhenItComesBack) {
    publish();
    daemon_.drop(publisher_);
    executor_.run_for(1ms);
    EXPECT_FALSE(gui_.present(service));
    EXPECT_TRUE(std::isnan(gui_.value(service, "/Ac/Power")));
    tree_.set("/Ac/Power", 300.0);  // changed while away: no signal reaches the GUI
    publisher_.connect([](auto) {});
    executor_.run_for(1ms);
    publish();
    EXPECT_TRUE(gui_.present(service));
    EXPECT_EQ(gui_.value(service, "/Ac/Power"), 300.0);
    EXPECT_EQ(gui_.reads(), 2U * 2U);
}

std::string write_scenario(const std::string& name, const std::string& text) {
    auto path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

const char* const scenario_head = R"(name: t
duration: 10s
devices:
  garage: {type: alfen}
ev: {capacity: 60, soc: 30, max_current: 16, phases: 3, plugged_in: true}
controller: {type: manual, enabled: true, current: 10}
)";

TEST(GxScenarioTest, AGuiWriteNeedsAGxSection) {
    auto path = write_scenario("no_gx.yaml", std::string(scenario_head) + R"(timeline:
  - {at: 1s, do: gx_set, service: evcharger.garage, path: /SetCurrent, value: 8}
)");
    try {
        load_scenario(path);
        FAIL() << "loaded";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("gx_set needs a gx: section"), std::string::npos) << e.what();
    }
}

TEST(GxScenarioTest, AGuiWriteTakesANumberOrQuotedTextAndAGxFaultNamesTheGx) {
    auto path = write_scenario("gx.yaml", std::string(scenario_head) + R"(gx: {min_soc: 20}
timeline:
  - {at: 1s, do: gx_set, service: evcharger.garage, path: /SetCurrent, value: 8, id: eight}
  - {at: 2s, do: gx_set, service: evcharger.garage, path: /CustomName, value: "16"}
  - {at: 3s, do: fault, device: gx, fault: name_taken, for: 2s, id: taken}
expect:
  - within: 3s
    after: taken ends
    that: garage.driver.commanded == 8
)");
    auto scenario = load_scenario(path);
    ASSERT_TRUE(scenario.gx);
    EXPECT_EQ(scenario.gx->minimum_soc_percent, 20.0);
    EXPECT_FALSE(scenario.timeline[0].value_is_text);
    EXPECT_TRUE(scenario.timeline[1].value_is_text);
    EXPECT_EQ(scenario.timeline[2].fault_spec->name, "name_taken");
    EXPECT_EQ(scenario.expectations[0].after_event, "taken ends");

    auto bad = write_scenario("gx_bad.yaml", std::string(scenario_head) + R"(gx: {}
timeline:
  - {at: 1s, do: gx_set, service: evcharger.garage, path: /SetCurrent, value: eight}
)");
    EXPECT_THROW(load_scenario(bad), ConfigError);
    auto no_end = write_scenario("gx_no_end.yaml", std::string(scenario_head) + R"(gx: {}
timeline:
  - {at: 1s, do: fault, device: gx, fault: bus_drop, id: drop}
expect:
  - within: 3s
    after: drop ends
    that: garage.driver.commanded == 8
)");
    EXPECT_THROW(load_scenario(no_end), ConfigError);
}

}  // namespace
}  // namespace evhil::harness
