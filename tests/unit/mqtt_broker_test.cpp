// The in-process broker of the sim target behaves as the Mosquitto the wire target starts: retained messages, wills,
// persistent sessions, credentials, the ACL and a restart that loses everything. Driven through its raw transports, so
// each rule is the broker's and not MqttClient's.

#include <gtest/gtest.h>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/in_process_broker.hpp"

namespace evhil::mqtt {
namespace {

class MqttBrokerTest : public ::testing::Test {
protected:
    struct Peer {
        std::unique_ptr<MqttTransport> transport;
        std::vector<MqttMessage> received;
        std::vector<std::string> lost;
        std::optional<std::string> connect_error;
        bool session_present = false;
    };

    std::unique_ptr<Peer> connect(const std::string& client_id, bool clean = true,
                                  std::optional<MqttMessage> will = std::nullopt, const std::string& user = "",
                                  const std::string& password = "") {
        auto peer = std::make_unique<Peer>();
        peer->transport = broker_.connection();
        Peer* raw = peer.get();
        peer->transport->on_message = [raw](const MqttMessage& message) { raw->received.push_back(message); };
        peer->transport->on_lost = [raw](const std::string& reason) { raw->lost.push_back(reason); };
        MqttSettings settings;
        settings.client_id = client_id;
        settings.clean_session = clean;
        settings.will = std::move(will);
        settings.username = user;
        settings.password = password;
        peer->transport->connect(settings, [raw](std::optional<std::string> error, bool present) {
            raw->connect_error = std::move(error);
            raw->session_present = present;
        });
        settle();
        return peer;
    }
    void settle() { executor_.run_for(std::chrono::milliseconds(1)); }
    void publish(Peer& peer, const std::string& topic, const std::string& payload, int qos = 0, bool retain = false) {
        peer.transport->publish({topic, payload, qos, retain}, [](auto) {});
        settle();
    }
    void subscribe(Peer& peer, const std::string& filter, int qos = 0) {
        peer.transport->subscribe(filter, qos, [](auto) {});
        settle();
    }

    VirtualClock clock_{TimePoint{}};
    Executor executor_{clock_};
    InProcessMqttBroker broker_{executor_};
};

TEST_F(MqttBrokerTest, NothingIsDeliveredInline) {
    auto publisher = connect("pub");
    auto subscriber = connect("sub");
    subscribe(*subscriber, "a/#");
    publisher->transport->publish({"a/b", "1", 0, false}, [](auto) {});
    EXPECT_TRUE(subscriber->received.empty());
    settle();
    ASSERT_EQ(subscriber->received.size(), 1U);
}

TEST_F(MqttBrokerTest, RetainedMessagesReachNewSubscribersFlaggedAndEstablishedOnesUnflagged) {
    auto publisher = connect("pub");
    auto early = connect("early");
    subscribe(*early, "state/#");
    publish(*publisher, "state/power", "7360", 1, true);
    auto late = connect("late");
    subscribe(*late, "state/#");
    ASSERT_EQ(early->received.size(), 1U);
    EXPECT_FALSE(early->received[0].retained);
    ASSERT_EQ(late->received.size(), 1U);
    EXPECT_TRUE(late->received[0].retained);
    EXPECT_EQ(late->received[0].payload, "7360");

    publish(*publisher, "state/power", "", 1, true);  // an empty retained payload clears the topic
    auto later = connect("later");
    subscribe(*later, "state/#");
    EXPECT_TRUE(later->received.empty());
    EXPECT_TRUE(broker_.retained().empty());
}

TEST_F(MqttBrokerTest, EachMatchingSubscriptionGetsACopyAtTheLowerQos) {
    auto publisher = connect("pub");
    auto subscriber = connect("sub");
    subscribe(*subscriber, "a/#", 0);
    subscribe(*subscriber, "a/+", 1);
    publish(*publisher, "a/b", "x", 1);
    ASSERT_EQ(subscriber->received.size(), 2U);
    EXPECT_EQ(subscriber->received[0].qos + subscriber->received[1].qos, 1);
}

TEST_F(MqttBrokerTest, TheWillGoesOutOnABrokenLinkButNotAfterACleanDisconnect) {
    auto watcher = connect("watcher");
    subscribe(*watcher, "evc/availability");
    MqttMessage will{"evc/availability", "offline", 1, true};
    auto dropped = connect("dropped", true, will);
    broker_.drop("dropped");
    settle();
    ASSERT_EQ(watcher->received.size(), 1U);
    EXPECT_EQ(watcher->received[0].payload, "offline");
    ASSERT_EQ(dropped->lost.size(), 1U);
    EXPECT_EQ(broker_.retained().count("evc/availability"), 1U);

    auto polite = connect("polite", true, MqttMessage{"evc/availability", "gone", 1, false});
    polite->transport->disconnect();
    settle();
    EXPECT_EQ(watcher->received.size(), 1U);
    EXPECT_TRUE(polite->lost.empty());
}

TEST_F(MqttBrokerTest, ASecondConnectionWithTheSameIdTakesOverAndTheFirstLosesItsLink) {
    auto first = connect("same");
    auto second = connect("same");
    EXPECT_FALSE(second->connect_error);
    ASSERT_EQ(first->lost.size(), 1U);
    EXPECT_NE(first->lost[0].find("took over"), std::string::npos);
    EXPECT_FALSE(first->transport->connected());
    EXPECT_EQ(broker_.connected_clients(), 1U);
}

TEST_F(MqttBrokerTest, APersistentSessionKeepsSubscriptionsAndQueuesQos1WhileAway) {
    auto publisher = connect("pub");
    auto persistent = connect("keeper", false);
    subscribe(*persistent, "cmd/#", 1);
    persistent->transport->disconnect();
    settle();
    publish(*publisher, "cmd/current", "10", 1);
    publish(*publisher, "cmd/noise", "qos0 is not queued", 0);
    auto back = connect("keeper", false);
    EXPECT_TRUE(back->session_present);
    settle();
    ASSERT_EQ(back->received.size(), 1U);
    EXPECT_EQ(back->received[0].payload, "10");

    auto clean = connect("keeper", true);
    EXPECT_FALSE(clean->session_present);
    publish(*publisher, "cmd/current", "11", 1);
    EXPECT_TRUE(clean->received.empty());  // a clean session starts with no subscriptions
}

TEST_F(MqttBrokerTest, CredentialsAreCheckedOnceAUserExists) {
    broker_.add_user("evchargerd", "secret");
    EXPECT_NE(connect("anonymous")->connect_error->find("not authorised"), std::string::npos);
    EXPECT_TRUE(connect("wrong", true, std::nullopt, "evchargerd", "guess")->connect_error);
    EXPECT_FALSE(connect("right", true, std::nullopt, "evchargerd", "secret")->connect_error);
}

TEST_F(MqttBrokerTest, TheAclDropsARefusedPublishSilently) {
    broker_.set_publish_acl([](const std::string& user, const std::string& topic) {
        return user == "bridge" || topic.rfind("N/portal/", 0) != 0;
    });
    auto watcher = connect("watcher");
    subscribe(*watcher, "N/#");
    auto intruder = connect("intruder", true, std::nullopt, "someone");
    auto bridge = connect("bridge", true, std::nullopt, "bridge");
    publish(*intruder, "N/portal/system/0/Serial", "{\"value\": \"fake\"}");
    publish(*bridge, "N/portal/system/0/Serial", "{\"value\": \"portal\"}");
    publish(*intruder, "N/other/system/0/Serial", "{}");
    ASSERT_EQ(watcher->received.size(), 2U);
    EXPECT_EQ(watcher->received[0].payload, "{\"value\": \"portal\"}");
}

TEST_F(MqttBrokerTest, ARestartDropsEveryClientAndForgetsSessionsAndRetainedMessages) {
    auto publisher = connect("pub");
    auto persistent = connect("keeper", false);
    subscribe(*persistent, "x/#", 1);
    publish(*publisher, "x/state", "1", 1, true);
    broker_.stop();
    settle();
    EXPECT_EQ(publisher->lost.size(), 1U);
    EXPECT_EQ(persistent->lost.size(), 1U);
    EXPECT_NE(connect("early")->connect_error->find("refused"), std::string::npos);
    broker_.start();
    auto back = connect("keeper", false);
    EXPECT_FALSE(back->session_present);
    EXPECT_TRUE(broker_.retained().empty());
    EXPECT_FALSE(broker_.has_session("pub"));
}

}  // namespace
}  // namespace evhil::mqtt
