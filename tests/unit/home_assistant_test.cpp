// Home Assistant discovery for a station's Alfen on the in-process broker: the configs Home Assistant requires (per
// component, unique ids, the device block, availability), the number bounded by the cable's 13 A, commands through
// the station with refusals that say why, the birth message, the will, and removal of a charger no longer configured.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "drivers/homeassistant/home_assistant.hpp"
#include "drivers/transport/mqtt/in_process_broker.hpp"
#include "harness/run/testbed.hpp"

namespace evhil::homeassistant {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class HomeAssistantTest : public ::testing::Test {
protected:
    void SetUp() override {
        ha_.subscribe("homeassistant/#", 1, [this](const mqtt::MqttMessage& m) { seen_[m.topic] = m.payload; });
        ha_.subscribe("evchargerd/#", 1, [this](const mqtt::MqttMessage& m) { seen_[m.topic] = m.payload; });
        ha_.start();
        bed_.station->start();
        discovery_.start();
        run(5s);
    }
    void run(Duration span) { bed_.executor.run_for(span); }
    json config(const std::string& component, const std::string& entity) {
        auto topic = "homeassistant/" + component + "/evchargerd_charger_" + entity + "/config";
        EXPECT_EQ(seen_.count(topic), 1U) << topic;
        return seen_.count(topic) != 0 ? json::parse(seen_[topic]) : json{};
    }
    json state() { return json::parse(seen_.at("evchargerd/charger/state")); }
    void command(const std::string& what, const std::string& payload) {
        ha_.publish("evchargerd/charger/" + what + "/set", payload, 1);
        run(1s);
    }

    harness::Scenario scenario_ = harness::load_scenario(EVHIL_SOURCE_DIR "/scenarios/station/cable-limit.yaml");
    harness::RunOptions options_;
    harness::Testbed bed_{scenario_, options_, 1};
    mqtt::InProcessMqttBroker broker_{bed_.executor};
    HomeAssistantSettings settings_;
    mqtt::MqttClient client_{bed_.executor, broker_.connection(),
                             mqtt::MqttSettings{.client_id = "evchargerd", .will = home_assistant_will(settings_)},
                             Rng(1)};
    mqtt::MqttClient ha_{bed_.executor, broker_.connection(), mqtt::MqttSettings{.client_id = "homeassistant"}, Rng(2)};
    HomeAssistantDiscovery discovery_{bed_.executor, *bed_.station, client_, settings_};
    std::map<std::string, std::string> seen_;
};

TEST_F(HomeAssistantTest, EveryEntityHasTheKeysHomeAssistantRequiresAndOneDevice) {
    const std::map<std::string, std::vector<std::string>> required{{"sensor", {}},
                                                                   {"switch", {"command_topic"}},
                                                                   {"number", {"command_topic"}},
                                                                   {"select", {"command_topic", "options"}}};
    std::set<std::string> unique_ids;
    int entities = 0;
    for (const auto& [topic, payload] : broker_.retained()) {
        if (topic.rfind("homeassistant/", 0) != 0) {
            continue;
        }
        ++entities;
        std::string component = topic.substr(14, topic.find('/', 14) - 14);
        ASSERT_EQ(required.count(component), 1U) << topic;
        json c = json::parse(payload.payload);
        for (const auto& key : required.at(component)) {
            EXPECT_TRUE(c.contains(key)) << topic << " lacks " << key;
        }
        EXPECT_TRUE(unique_ids.insert(c["unique_id"].get<std::string>()).second) << "duplicate unique_id in " << topic;
        EXPECT_EQ(topic, "homeassistant/" + component + "/" + c["unique_id"].get<std::string>() + "/config");
        EXPECT_EQ(c["device"]["identifiers"], json::array({"evchargerd_charger"}));
        EXPECT_EQ(c["device"]["manufacturer"], "Alfen");
        EXPECT_EQ(c["availability"].size(), 2U);
        EXPECT_EQ(c["availability_mode"], "all");
        EXPECT_TRUE(payload.retained);
    }
    EXPECT_EQ(entities, 9);
    EXPECT_EQ(config("sensor", "energy")["state_class"], "total_increasing");
    EXPECT_EQ(config("sensor", "power")["unit_of_measurement"], "W");
    EXPECT_EQ(config("number", "set_current")["max"], 13.0);  // the cable, not the 100 of Home Assistant's default
    EXPECT_EQ(config("number", "set_current")["min"], 6.0);
    EXPECT_EQ(seen_["evchargerd/status"], "online");
    EXPECT_EQ(seen_["evchargerd/charger/availability"], "online");
    EXPECT_EQ(state()["enabled"], "ON");
    EXPECT_TRUE(state().contains("power"));
    EXPECT_EQ(state()["set_current"], 13.0);  // the user's 16 A, as the cable clamps it
}

TEST_F(HomeAssistantTest, CommandsGoThroughTheStationAndRefusalsLeaveItAsItWas) {
    command("current", "10");
    EXPECT_DOUBLE_EQ(bed_.station->user("charger").current_a, 10);
    EXPECT_EQ(state()["set_current"], 10.0);
    command("current", "40");  // above the cable
    command("current", "ten");
    EXPECT_DOUBLE_EQ(bed_.station->user("charger").current_a, 10);
    command("charging", "OFF");
    EXPECT_FALSE(bed_.station->user("charger").enabled);
    run(3s);
    EXPECT_EQ(bed_.station->find("charger")->sent_a, 0.0);
    command("mode", "Auto");  // no controller for Auto yet: refused
    EXPECT_EQ(bed_.station->user("charger").mode, station::ChargeMode::manual);
    EXPECT_EQ(state()["mode"], "Manual");
    EXPECT_EQ(discovery_.stats().refused_commands, 3U);
}

TEST_F(HomeAssistantTest, TheBirthMessageBringsEveryConfigBackAndTheWillSaysOffline) {
    seen_.clear();
    ha_.publish("homeassistant/status", "online", 1);
    run(1s);
    EXPECT_EQ(discovery_.stats().births, 1U);
    EXPECT_EQ(config("select", "mode")["options"], json::array({"Manual", "Auto", "Scheduled"}));
    EXPECT_EQ(seen_.count("evchargerd/charger/state"), 1U);

    broker_.drop("evchargerd");
    run(100ms);
    EXPECT_EQ(broker_.retained().at("evchargerd/status").payload, "offline");
    run(5s);  // back by itself, and online again
    EXPECT_EQ(broker_.retained().at("evchargerd/status").payload, "online");
}

TEST_F(HomeAssistantTest, AChargerNoLongerConfiguredIsRemovedFromHomeAssistant) {
    discovery_.stop();
    client_.stop();
    run(100ms);
    // Retained configs of an earlier run's charger "carport", and another publisher's entity.
    ha_.publish("homeassistant/sensor/evchargerd_carport_power/config", R"({"name": "Power"})", 1, true);
    ha_.publish("homeassistant/sensor/someone_else_power/config", R"({"name": "Power"})", 1, true);
    run(100ms);
    discovery_.start();  // as evchargerd starting with carport gone from its configuration
    run(1s);
    auto retained = broker_.retained();
    EXPECT_EQ(retained.count("homeassistant/sensor/evchargerd_carport_power/config"), 0U);
    EXPECT_EQ(retained.count("homeassistant/sensor/someone_else_power/config"), 1U);
    EXPECT_EQ(retained.count("homeassistant/sensor/evchargerd_charger_power/config"), 1U);
    EXPECT_EQ(discovery_.stats().removed_configs, 1U);
}

}  // namespace
}  // namespace evhil::homeassistant
