// The MQTT-JSON charger on the in-process broker: the format's keys checked one by one, derived current and charging
// time, the last good state kept through garbage and partial payloads, disconnected (not gone) after a data timeout,
// and commands as retained JSON that survive a broker restart.

#include <gtest/gtest.h>

#include "drivers/chargers/mqtt_json/mqtt_json_driver.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/in_process_broker.hpp"

namespace evhil::mqtt_json {
namespace {

using namespace std::chrono_literals;

TEST(MqttJsonReport, TakesGoodKeysAndRefusesTheRestOneByOne) {
    auto parsed = parse_charger_message(
        R"({"Ac": {"Power": 7360, "L1": {"Power": "2450"}, "L4": {"Power": 1}}, "Status": 2.5, "Mode": 1, "Model": "X"})");
    ASSERT_TRUE(parsed.accepted);
    EXPECT_EQ(parsed.values.number("Ac.Power"), 7360);
    EXPECT_EQ(parsed.values.number("Mode"), 1);
    EXPECT_EQ(parsed.values.texts.at("Model"), "X");
    EXPECT_FALSE(parsed.values.number("Ac.L1.Power"));
    EXPECT_FALSE(parsed.values.number("Status"));
    ASSERT_EQ(parsed.refused.size(), 3U);
    EXPECT_NE(parsed.refused[0].find("Ac.L1.Power: expected a number"), std::string::npos) << parsed.refused[0];
    EXPECT_NE(parsed.refused[1].find("unknown key 'Ac.L4.Power'"), std::string::npos) << parsed.refused[1];
    EXPECT_NE(parsed.refused[2].find("Status: expected a whole number"), std::string::npos) << parsed.refused[2];
}

TEST(MqttJsonReport, AMessageWithoutAcPowerOrNotJsonIsRefusedWholeAndAnEmptyOneIgnored) {
    EXPECT_FALSE(parse_charger_message(R"({"Status": 2})").accepted);
    EXPECT_FALSE(parse_charger_message(R"({"Ac": {"Power": true}})").accepted);
    auto garbage = parse_charger_message("{\"Ac\": {\"Pow");
    EXPECT_FALSE(garbage.accepted);
    EXPECT_NE(garbage.refused.at(0).find("not JSON"), std::string::npos);
    EXPECT_NE(parse_charger_message("[1, 2]").refused.at(0).find("not a JSON object"), std::string::npos);
    EXPECT_NE(parse_charger_message(R"({"Ac": {"Power": 1e9}})").refused.at(0).find("outside"), std::string::npos);
    auto empty = parse_charger_message("");
    EXPECT_FALSE(empty.accepted);
    EXPECT_TRUE(empty.refused.empty());
}

class MqttJsonDriverTest : public ::testing::Test {
protected:
    void SetUp() override {
        settings_.command_topic = "custom/ev-charger/set";
        driver_ = std::make_unique<MqttJsonDriver>(executor_, client_, settings_, "diy");
        driver_->on_update([this] { ++updates_; });
        charger_.subscribe("custom/ev-charger/set", 1, [this](const mqtt::MqttMessage& m) { commands_.push_back(m); });
        charger_.start();
        driver_->start();
        executor_.run_for(10ms);
    }
    void report(const std::string& payload) {
        charger_.publish("custom/ev-charger", payload, 1);
        executor_.run_for(10ms);
    }
    const chargers::ChargerStatus& status() const { return driver_->status(); }

    VirtualClock clock_{TimePoint{}};
    Executor executor_{clock_};
    mqtt::InProcessMqttBroker broker_{executor_};
    mqtt::MqttClient client_{executor_, broker_.connection(), mqtt::MqttSettings{.client_id = "evchargerd-diy"},
                             Rng(1)};
    mqtt::MqttClient charger_{executor_, broker_.connection(), mqtt::MqttSettings{.client_id = "charger"}, Rng(2)};
    MqttJsonDriverSettings settings_;
    std::unique_ptr<MqttJsonDriver> driver_;
    std::vector<mqtt::MqttMessage> commands_;
    int updates_ = 0;
};

TEST_F(MqttJsonDriverTest, AReportBecomesTheStatusWithTheCurrentDerivedAsTheOriginalDoes) {
    EXPECT_EQ(driver_->health().state, chargers::DriverState::connecting);
    report(R"({"Ac": {"Power": 7360, "L1": {"Power": 2450}, "L2": {"Power": 2455}, "L3": {"Power": 2455},
               "Energy": {"Forward": 12.5}}, "Status": 2, "Model": "DIY 22"})");
    EXPECT_EQ(driver_->health().state, chargers::DriverState::running);
    EXPECT_TRUE(status().valid);
    EXPECT_DOUBLE_EQ(status().power_w, 7360);
    EXPECT_NEAR(status().phases[0].current_a, 7360.0 / 230 / 3, 1e-9);  // 10.7 A
    EXPECT_DOUBLE_EQ(status().phases[1].power_w, 2455);
    EXPECT_EQ(status().phase_count, 3);
    EXPECT_DOUBLE_EQ(status().energy_wh, 12500);
    EXPECT_EQ(status().vehicle, chargers::VehicleState::C);
    EXPECT_TRUE(status().charging);
    EXPECT_EQ(status().model, "DIY 22");
    EXPECT_GE(updates_, 1);

    report(R"({"Ac": {"Power": 2300}, "Current": 10})");
    EXPECT_DOUBLE_EQ(status().phases[0].current_a, 10);
}

TEST_F(MqttJsonDriverTest, GarbageAndPartialPayloadsKeepTheLastGoodState) {
    report(R"({"Ac": {"Power": 3680, "Energy": {"Forward": 2.0}}, "Status": 2, "MaxCurrent": 16})");
    report("{garbage");
    report(R"({"Ac": {"Power": "lots"}})");
    EXPECT_DOUBLE_EQ(status().power_w, 3680);
    report(R"({"Ac": {"Power": 3000}})");  // partial: only the power changes
    EXPECT_DOUBLE_EQ(status().power_w, 3000);
    EXPECT_DOUBLE_EQ(status().energy_wh, 2000);
    EXPECT_DOUBLE_EQ(status().station_max_current_a, 16);
    EXPECT_EQ(driver_->counters().refused_messages, 2U);
    EXPECT_EQ(driver_->counters().accepted, 2U);
}

TEST_F(MqttJsonDriverTest, SilenceForTheTimeoutShowsDisconnectedAndDataBringsItBack) {
    report(R"({"Ac": {"Power": 3680}, "Status": 2})");
    executor_.run_for(59s);
    EXPECT_EQ(driver_->health().state, chargers::DriverState::running);
    executor_.run_for(3s);
    EXPECT_EQ(driver_->health().state, chargers::DriverState::connecting);
    EXPECT_FALSE(status().valid);
    EXPECT_FALSE(status().connected);
    report("{not json");  // garbage is not data
    EXPECT_FALSE(status().valid);
    report(R"({"Ac": {"Power": 3500}, "Status": 2})");
    EXPECT_EQ(driver_->health().state, chargers::DriverState::running);
    EXPECT_TRUE(status().valid);
    EXPECT_EQ(driver_->counters().timeouts, 1U);
}

TEST_F(MqttJsonDriverTest, WithoutStatusTheSessionRunsWithPowerAndEndsThreeHundredSecondsAfterIt) {
    report(R"({"Ac": {"Power": 0}})");
    EXPECT_FALSE(driver_->session().active);
    report(R"({"Ac": {"Power": 3680}})");
    EXPECT_TRUE(driver_->session().active);
    for (int i = 0; i < 10; ++i) {
        executor_.run_for(30s);
        report(R"({"Ac": {"Power": 0}})");
    }
    EXPECT_TRUE(driver_->session().active);  // 270 s at 0 W
    executor_.run_for(40s);
    report(R"({"Ac": {"Power": 0}})");
    EXPECT_FALSE(driver_->session().active);
    EXPECT_EQ(driver_->session().completed, 1U);
    EXPECT_NEAR(driver_->session().last_duration_s, 340, 1);
}

TEST_F(MqttJsonDriverTest, CommandsGoOutAsRetainedJsonAndSurviveABrokerRestart) {
    driver_->command({10, 0});
    executor_.run_for(10ms);
    ASSERT_EQ(commands_.size(), 1U);
    EXPECT_EQ(commands_[0].payload, R"({"SetCurrent":10.0,"StartStop":1})");
    driver_->command({0, 0});
    executor_.run_for(10ms);
    EXPECT_EQ(commands_.back().payload, R"({"SetCurrent":0.0,"StartStop":0})");
    EXPECT_TRUE(driver_->command_settled());

    broker_.stop();
    broker_.start();
    executor_.run_for(5s);
    ASSERT_EQ(broker_.retained().count("custom/ev-charger/set"), 1U);
    EXPECT_EQ(broker_.retained().at("custom/ev-charger/set").payload, R"({"SetCurrent":0.0,"StartStop":0})");
}

}  // namespace
}  // namespace evhil::mqtt_json
