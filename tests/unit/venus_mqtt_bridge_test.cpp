// The Venus MQTT bridge on the in-process bus and broker, against dbus-flashmq's rules: the retained serial, the
// keep-alive window and its options, the heartbeat, the rate limit, full republishes, W/ and R/, and a service that
// leaves the bus.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/in_process_broker.hpp"
#include "drivers/venus/in_process_bus.hpp"
#include "drivers/venus/venus_mqtt_bridge.hpp"

namespace evhil::venus {
namespace {

using namespace std::chrono_literals;
using mqtt::MqttMessage;

constexpr const char* portal = "48e7da87942f";
constexpr const char* charger = "com.victronenergy.evcharger.garage";

class VenusMqttBridgeTest : public ::testing::Test {
protected:
    void SetUp() override {
        system_.add("/Serial", {.value = std::string(portal)});
        system_.add("/Dc/Battery/Soc", {.value = 71.0});
        charger_.add("/DeviceInstance", {.value = std::int64_t{40}});
        charger_.add("/Ac/Power", {.value = 0.0});
        charger_.add("/Ac/L1/Power", {.value = 0.0});
        charger_.add("/SetCurrent", {.value = 16.0, .writeable = true, .kind = ValueKind::number});
        charger_.add("/Model", {.value = Invalid{}, .writeable = true});
        services_.connect([](auto) {});
        services_.publish("com.victronenergy.system", system_, [](auto) {});
        services_.publish(charger, charger_, [](auto) {});
        observer_->subscribe("N/#", 0, [this](const MqttMessage& m) { seen_.push_back(m); });
        observer_->start();
        bridge_.start();
        run(100ms);
        seen_.clear();
    }
    void run(Duration span) { executor_.run_for(span); }
    void send(const std::string& topic, const std::string& payload) {
        observer_->publish(topic, payload);
        run(10ms);
    }
    std::vector<std::string> topics_seen() const {
        std::vector<std::string> out;
        for (const auto& m : seen_) {
            out.push_back(m.topic);
        }
        return out;
    }
    std::size_t count(const std::string& topic) const {
        std::size_t n = 0;
        for (const auto& m : seen_) {
            n += m.topic == topic ? 1 : 0;
        }
        return n;
    }
    std::string n(const std::string& rest) const { return std::string("N/") + portal + "/" + rest; }
    std::string keepalive_topic() const { return std::string("R/") + portal + "/keepalive"; }

    VirtualClock clock_{TimePoint{} + std::chrono::hours(24 * 365 * 56)};
    Executor executor_{clock_};
    InProcessBusDaemon daemon_{executor_};
    // Before the bus that publishes them: a published tree must outlive its publication.
    ItemTree system_;
    ItemTree charger_;
    InProcessVenusBus services_{daemon_, "services"};
    InProcessVenusBus bridge_bus_{daemon_, "flashmq"};
    mqtt::InProcessMqttBroker broker_{executor_};
    std::unique_ptr<mqtt::MqttClient> bridge_mqtt_ = std::make_unique<mqtt::MqttClient>(
        executor_, broker_.connection(), mqtt::MqttSettings{.client_id = "bridge"}, Rng(1));
    std::unique_ptr<mqtt::MqttClient> observer_ = std::make_unique<mqtt::MqttClient>(
        executor_, broker_.connection(), mqtt::MqttSettings{.client_id = "observer"}, Rng(2));
    VenusMqttBridge bridge_{executor_, bridge_bus_, *bridge_mqtt_, {.portal_id = portal}, Rng(3)};
    std::vector<MqttMessage> seen_;
};

TEST_F(VenusMqttBridgeTest, BeforeAnyKeepaliveOnlyTheRetainedSerialIsThere) {
    charger_.set("/Ac/Power", 2300.0);
    run(1s);
    EXPECT_TRUE(seen_.empty());
    auto retained = broker_.retained();
    ASSERT_EQ(retained.size(), 1U);
    EXPECT_EQ(retained.begin()->first, n("system/0/Serial"));
    EXPECT_EQ(retained.begin()->second.payload, std::string("{\"value\":\"") + portal + "\"}");
}

TEST_F(VenusMqttBridgeTest, AKeepaliveRepublishesEverythingThenCompletesAndChangesFlowForSixtySeconds) {
    send(keepalive_topic(), "");
    EXPECT_EQ(count(n("evcharger/40/Ac/Power")), 1U);
    EXPECT_EQ(count(n("evcharger/40/SetCurrent")), 1U);
    EXPECT_EQ(count(n("system/0/Dc/Battery/Soc")), 1U);
    EXPECT_EQ(count(n("heartbeat")), 1U);  // the first at once
    ASSERT_EQ(count(n("full_publish_completed")), 1U);
    auto completed = std::find_if(seen_.begin(), seen_.end(),
                                  [&](const MqttMessage& m) { return m.topic == n("full_publish_completed"); });
    for (auto it = completed + 1; it != seen_.end(); ++it) {
        EXPECT_EQ(it->topic, n("heartbeat")) << "published after full_publish_completed";
    }
    auto null_model = std::find_if(seen_.begin(), seen_.end(),
                                   [&](const MqttMessage& m) { return m.topic == n("evcharger/40/Model"); });
    ASSERT_NE(null_model, seen_.end());
    EXPECT_EQ(null_model->payload, "{\"value\":null}");
    EXPECT_FALSE(null_model->retained);

    seen_.clear();
    charger_.set("/Ac/Power", 2300.0);
    run(10ms);
    ASSERT_EQ(count(n("evcharger/40/Ac/Power")), 1U);
    EXPECT_EQ(seen_[0].payload, "{\"value\":2300.0}");
    run(9s);
    EXPECT_EQ(count(n("heartbeat")), 3U);  // every 3 s

    run(51s);  // 60 s after the keep-alive
    EXPECT_FALSE(bridge_.alive());
    seen_.clear();
    charger_.set("/Ac/Power", 0.0);
    run(10s);
    EXPECT_TRUE(seen_.empty()) << "published after the keep-alive expired: " << seen_[0].topic;
}

TEST_F(VenusMqttBridgeTest, EachKeepaliveReArmsTheWindowAndSuppressRepublishSkipsTheFullPublish) {
    send(keepalive_topic(), "");
    run(50s);
    seen_.clear();
    send(keepalive_topic(), R"({"keepalive-options": ["suppress-republish"]})");
    EXPECT_EQ(count(n("full_publish_completed")), 0U);
    EXPECT_EQ(count(n("evcharger/40/SetCurrent")), 0U);
    run(55s);  // 105 s after the first, 55 s after the second
    EXPECT_TRUE(bridge_.alive());
    run(6s);
    EXPECT_FALSE(bridge_.alive());
}

TEST_F(VenusMqttBridgeTest, TheEchoTokenComesBackInFullPublishCompleted) {
    send(keepalive_topic(), R"({"keepalive-options": [{"full-publish-completed-echo": "token-7"}]})");
    auto completed = std::find_if(seen_.begin(), seen_.end(),
                                  [&](const MqttMessage& m) { return m.topic == n("full_publish_completed"); });
    ASSERT_NE(completed, seen_.end());
    auto json = nlohmann::json::parse(completed->payload);
    EXPECT_EQ(json["full-publish-completed-echo"], "token-7");
    EXPECT_NEAR(json["value"].get<double>(), std::chrono::duration<double>(executor_.now().time_since_epoch()).count(),
                1.0);
}

TEST_F(VenusMqttBridgeTest, FullRepublishesAreLimitedToThreeASecond) {
    for (int i = 0; i < 5; ++i) {
        observer_->publish(keepalive_topic(), "");
    }
    run(10ms);
    EXPECT_EQ(count(n("full_publish_completed")), 3U);
    EXPECT_EQ(bridge_.stats().rate_limited, 2U);
    run(1s);
    send(keepalive_topic(), "");
    EXPECT_EQ(count(n("full_publish_completed")), 4U);
}

TEST_F(VenusMqttBridgeTest, WritesBecomeSetValueAndBadOnesAreRefusedWithoutHarm) {
    std::string w = std::string("W/") + portal + "/evcharger/40/";
    send(w + "SetCurrent", R"({"value": 10})");
    EXPECT_DOUBLE_EQ(std::get<double>(charger_.value("/SetCurrent")), 10.0);
    send(w + "Model", R"({"value": null})");
    EXPECT_FALSE(is_valid(charger_.value("/Model")));
    send(w + "SetCurrent", R"({"value": {"nested": 1}})");
    send(w + "SetCurrent", R"({"amps": 12})");
    send(w + "SetCurrent", "not json");
    send(std::string("W/") + portal + "/evcharger/41/SetCurrent", R"({"value": 12})");
    EXPECT_DOUBLE_EQ(std::get<double>(charger_.value("/SetCurrent")), 10.0);
    EXPECT_EQ(bridge_.stats().refused_writes, 4U);
    // Not alive: the write is carried out, but no N/ comes of it.
    EXPECT_EQ(count(n("evcharger/40/SetCurrent")), 0U);
}

TEST_F(VenusMqttBridgeTest, ReadsPublishALeafOrASubtreeEvenWhenNotAlive) {
    std::string r = std::string("R/") + portal + "/evcharger/40";
    send(r + "/SetCurrent", "");
    EXPECT_EQ(topics_seen(), std::vector<std::string>{n("evcharger/40/SetCurrent")});
    seen_.clear();
    send(r + "/Ac", "");
    EXPECT_EQ(topics_seen(), (std::vector<std::string>{n("evcharger/40/Ac/L1/Power"), n("evcharger/40/Ac/Power")}));
}

TEST_F(VenusMqttBridgeTest, AServiceThatLeavesIsPublishedEmptyAndOneThatComesIsMirrored) {
    send(keepalive_topic(), "");
    seen_.clear();
    services_.withdraw(charger);
    run(10ms);
    EXPECT_EQ(count(n("evcharger/40/Ac/Power")), 1U);
    for (const auto& m : seen_) {
        EXPECT_TRUE(m.payload.empty()) << m.topic;
    }
    EXPECT_EQ(bridge_.services(), 1U);

    seen_.clear();
    ItemTree carport;
    carport.add("/DeviceInstance", {.value = std::int64_t{41}});
    carport.add("/Ac/Power", {.value = 1100.0});
    services_.publish("com.victronenergy.evcharger.carport", carport, [](auto) {});
    run(10ms);
    EXPECT_EQ(count(n("evcharger/41/Ac/Power")), 1U);
    services_.withdraw("com.victronenergy.evcharger.carport");
    run(10ms);
}

TEST_F(VenusMqttBridgeTest, ALostBrokerEndsTheKeepaliveAndTheSerialComesBack) {
    send(keepalive_topic(), "");
    ASSERT_TRUE(bridge_.alive());
    broker_.stop();
    broker_.start();
    run(5s);
    EXPECT_FALSE(bridge_.alive());
    EXPECT_EQ(broker_.retained().count(n("system/0/Serial")), 1U);
}

}  // namespace
}  // namespace evhil::venus
