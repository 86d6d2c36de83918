// MqttClient keeps itself connected: back-off while the broker is away, subscriptions and owned retained state sent
// again after every reconnect, the will left behind on a broken link. On the in-process broker and the virtual clock.

#include <gtest/gtest.h>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/in_process_broker.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"

namespace evhil::mqtt {
namespace {

using namespace std::chrono_literals;

class MqttClientTest : public ::testing::Test {
protected:
    std::unique_ptr<MqttClient> client(const std::string& id, std::optional<MqttMessage> will = std::nullopt) {
        MqttSettings settings;
        settings.client_id = id;
        settings.will = std::move(will);
        settings.reconnect = {1s, 8s, 2.0, 0.0};
        return std::make_unique<MqttClient>(executor_, broker_.connection(), settings, Rng(7).fork(id));
    }

    VirtualClock clock_{TimePoint{}};
    Executor executor_{clock_};
    InProcessMqttBroker broker_{executor_};
};

TEST_F(MqttClientTest, ConnectsSubscribesAndDeliversToTheMatchingHandler) {
    auto receiver = client("receiver");
    auto sender = client("sender");
    std::vector<std::string> power;
    std::vector<std::string> other;
    receiver->subscribe("evc/+/power", 0, [&](const MqttMessage& m) { power.push_back(m.topic + "=" + m.payload); });
    receiver->subscribe("evc/+/status", 0, [&](const MqttMessage& m) { other.push_back(m.payload); });
    receiver->start();
    sender->start();
    executor_.run_for(10ms);
    ASSERT_TRUE(receiver->connected());
    EXPECT_TRUE(sender->publish("evc/1/power", "2300"));
    executor_.run_for(10ms);
    EXPECT_EQ(power, std::vector<std::string>{"evc/1/power=2300"});
    EXPECT_TRUE(other.empty());
}

TEST_F(MqttClientTest, KeepsRetryingWithBackOffWhileTheBrokerIsAwayThenConnects) {
    broker_.stop();
    auto patient = client("patient");
    patient->start();
    executor_.run_for(10s);
    EXPECT_FALSE(patient->connected());
    // Attempts at 0, 1, 3 and 7 s with a factor of 2 and no jitter.
    EXPECT_EQ(patient->stats().failed_attempts, 4U);
    EXPECT_NE(patient->last_error().find("refused"), std::string::npos);
    broker_.start();
    executor_.run_for(9s);  // the next attempt is due at 15 s: 7 s + the 8 s cap
    EXPECT_TRUE(patient->connected());
    EXPECT_TRUE(patient->last_error().empty());
}

TEST_F(MqttClientTest, AfterABrokerRestartItSubscribesAgainAndRepublishesItsRetainedState) {
    auto owner = client("owner");
    owner->retain("homeassistant/sensor/evc_power/config", "{\"name\": \"power\"}");
    std::vector<std::string> commands;
    owner->subscribe("evc/set", 1, [&](const MqttMessage& m) { commands.push_back(m.payload); });
    int connects = 0;
    owner->add_connected_listener([&] { ++connects; });
    owner->start();
    executor_.run_for(10ms);
    ASSERT_EQ(broker_.retained().size(), 1U);

    broker_.stop();
    broker_.start();
    executor_.run_for(10ms);
    EXPECT_FALSE(owner->connected());
    EXPECT_TRUE(broker_.retained().empty());
    executor_.run_for(2s);
    ASSERT_TRUE(owner->connected());
    EXPECT_EQ(connects, 2);
    EXPECT_EQ(broker_.retained().count("homeassistant/sensor/evc_power/config"), 1U);

    auto commander = client("commander");
    commander->start();
    executor_.run_for(10ms);
    commander->publish("evc/set", "10", 1);
    executor_.run_for(10ms);
    EXPECT_EQ(commands, std::vector<std::string>{"10"});
}

TEST_F(MqttClientTest, PublishingWhileDisconnectedIsDroppedAndCounted) {
    auto lonely = client("lonely");
    EXPECT_FALSE(lonely->publish("a/b", "1"));
    EXPECT_EQ(lonely->stats().dropped, 1U);
}

TEST_F(MqttClientTest, RetainedStateRemovedWhileAwayIsClearedOnTheBrokerAtTheNextConnect) {
    auto owner = client("owner");
    owner->retain("homeassistant/number/evc_current/config", "{}");
    owner->start();
    executor_.run_for(10ms);
    broker_.drop("owner");
    executor_.run_for(10ms);
    owner->retain("homeassistant/number/evc_current/config", "");
    executor_.run_for(2s);
    ASSERT_TRUE(owner->connected());
    EXPECT_TRUE(broker_.retained().empty());
    EXPECT_TRUE(owner->retained_state().empty());
}

TEST_F(MqttClientTest, ABrokenLinkLeavesTheWillAndAStopDoesNot) {
    auto watcher = client("watcher");
    std::vector<std::string> availability;
    watcher->subscribe("evc/availability", 1, [&](const MqttMessage& m) { availability.push_back(m.payload); });
    watcher->start();
    auto dropped = client("dropped", MqttMessage{"evc/availability", "offline", 1, true});
    dropped->start();
    executor_.run_for(10ms);
    broker_.drop("dropped");
    executor_.run_for(10ms);
    EXPECT_EQ(availability, std::vector<std::string>{"offline"});
    executor_.run_for(2s);
    EXPECT_TRUE(dropped->connected());  // and it came back by itself
    dropped->stop();
    executor_.run_for(10ms);
    EXPECT_EQ(availability.size(), 1U);
}

TEST_F(MqttClientTest, BadTopicsAreRefusedWithTheReason) {
    auto careless = client("careless");
    EXPECT_THROW(careless->publish("a/+/b", "1"), std::invalid_argument);
    EXPECT_THROW(careless->subscribe("a/#/b", 0, [](const MqttMessage&) {}), std::invalid_argument);
}

}  // namespace
}  // namespace evhil::mqtt
