// The real MQTT adapter (paho-mqtt-cpp) under MqttClient against a real Mosquitto started by the test on loopback
// ports: retained state, credentials, TLS with a test CA, a broker restart and a broker that is not there yet; and the
// recording tap in front of the broker, as the wire target records a driver's MQTT.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "drivers/transport/modbus/tcp_tap.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"
#include "drivers/transport/mqtt/mqtt_packet.hpp"
#include "drivers/transport/mqtt/paho_transport.hpp"
#include "simulators/mqtt/mosquitto_broker.hpp"
#include "tests/support/executor_thread.hpp"

namespace evhil::mqtt {
namespace {

using namespace std::chrono_literals;

class MqttPahoTest : public ::testing::Test {
protected:
    void TearDown() override {
        loop_.on_loop([this] { clients_.clear(); });
        loop_.stop();
    }

    MqttClient& client(const std::string& id, const sim::mqtt::MosquittoBroker& broker,
                       const std::function<void(MqttSettings&)>& adjust = {}) {
        MqttSettings settings;
        settings.client_id = id;
        settings.port = broker.port();
        settings.reconnect = {200ms, 1s, 2.0, 0.1};
        settings.connect_timeout = 5s;
        if (adjust) {
            adjust(settings);
        }
        MqttClient* made = nullptr;
        loop_.on_loop([&] {
            clients_.push_back(std::make_unique<MqttClient>(
                loop_.executor(), std::make_unique<PahoMqttTransport>(loop_.executor()), settings, Rng(3).fork(id)));
            made = clients_.back().get();
        });
        return *made;
    }
    void start(MqttClient& c) {
        loop_.on_loop([&] { c.start(); });
    }
    // Waits (up to 10 s) on the executor for `ready`.
    template <typename F>
    bool eventually(F ready) {
        for (int i = 0; i < 500; ++i) {
            bool done = false;
            loop_.on_loop([&] { done = ready(); });
            if (done) {
                return true;
            }
            loop_.on_loop_async([this](auto finished) {
                loop_.executor().schedule_after(20ms, [finished] { finished(std::nullopt); });
            });
        }
        return false;
    }

    test::ExecutorThread loop_;
    std::vector<std::unique_ptr<MqttClient>> clients_;
};

TEST_F(MqttPahoTest, RetainedStateAndMessagesRoundTripThroughMosquitto) {
    sim::mqtt::MosquittoBroker broker;
    MqttClient& owner = client("owner", broker);
    MqttClient& reader = client("reader", broker);
    std::vector<MqttMessage> seen;
    loop_.on_loop([&] {
        owner.retain("evc/1/config", "{\"name\": \"garage\"}");
        reader.subscribe("evc/#", 1, [&](const MqttMessage& m) { seen.push_back(m); });
    });
    start(owner);
    ASSERT_TRUE(eventually([&] { return owner.connected(); })) << owner.last_error();
    start(reader);
    ASSERT_TRUE(eventually([&] { return !seen.empty(); })) << reader.last_error();
    EXPECT_EQ(seen[0].topic, "evc/1/config");
    EXPECT_TRUE(seen[0].retained);
    loop_.on_loop([&] { owner.publish("evc/1/power", "2300", 1); });
    ASSERT_TRUE(eventually([&] { return seen.size() == 2; }));
    EXPECT_EQ(seen[1].payload, "2300");
    EXPECT_FALSE(seen[1].retained);
}

TEST_F(MqttPahoTest, WrongCredentialsAreRefusedWithTheReasonAndRetriedWithoutThePassword) {
    sim::mqtt::MosquittoOptions options;
    options.users = {{"evchargerd", "right-password"}};
    sim::mqtt::MosquittoBroker broker(options);
    MqttClient& wrong = client("wrong", broker, [](MqttSettings& s) {
        s.username = "evchargerd";
        s.password = "wrong-password";
    });
    start(wrong);
    ASSERT_TRUE(eventually([&] { return wrong.stats().failed_attempts >= 2; }));
    std::string error;
    loop_.on_loop([&] { error = wrong.last_error(); });
    EXPECT_NE(error.find("username or password"), std::string::npos) << error;
    EXPECT_EQ(error.find("wrong-password"), std::string::npos);
    EXPECT_FALSE(wrong.connected());

    MqttClient& right = client("right", broker, [](MqttSettings& s) {
        s.username = "evchargerd";
        s.password = "right-password";
    });
    start(right);
    EXPECT_TRUE(eventually([&] { return right.connected(); })) << right.last_error();
}

// paho's packets through the tap, cut by the MQTT framing: every packet whole, in order, the password never recorded.
TEST_F(MqttPahoTest, TheTapInFrontOfTheBrokerRecordsWholePacketsWithoutThePassword) {
    sim::mqtt::MosquittoOptions options;
    options.users = {{"evchargerd", "tap-secret"}};
    sim::mqtt::MosquittoBroker broker(options);
    std::vector<FrameEvent> events;
    std::unique_ptr<modbus::TcpTap> tap;
    loop_.on_loop([&] {
        modbus::TcpTapSettings settings;
        settings.device_port = static_cast<std::uint16_t>(broker.port());
        settings.framing = packet::framing();
        tap = std::make_unique<modbus::TcpTap>(loop_.executor(), settings,
                                               [&](FrameEvent event) { events.push_back(std::move(event)); });
        tap->start();
    });
    MqttClient& driver = client("tapped", broker, [&](MqttSettings& s) {
        s.port = tap->port();
        s.username = "evchargerd";
        s.password = "tap-secret";
    });
    std::vector<MqttMessage> seen;
    loop_.on_loop([&] { driver.subscribe("evc/#", 1, [&](const MqttMessage& m) { seen.push_back(m); }); });
    start(driver);
    ASSERT_TRUE(eventually([&] { return driver.connected(); })) << driver.last_error();
    loop_.on_loop([&] { driver.publish("evc/big", std::string(1000, 'x'), 1); });  // a two-byte remaining length
    ASSERT_TRUE(eventually([&] { return !seen.empty(); }));
    loop_.on_loop([&] {
        driver.stop();
        tap.reset();
    });

    std::vector<std::pair<packet::Type, bool>> packets;  // type, to the broker
    std::string recorded;
    for (const auto& event : events) {
        EXPECT_NE(event.kind, FrameEvent::Kind::unframed);
        EXPECT_EQ(event.protocol, "mqtt");
        recorded.append(event.bytes.begin(), event.bytes.end());
        if (event.kind == FrameEvent::Kind::to_device || event.kind == FrameEvent::Kind::from_device) {
            packet::FixedHeader header{};
            ASSERT_EQ(packet::read_fixed_header(event.bytes, header), packet::HeaderState::complete);
            EXPECT_EQ(header.frame_size(), event.bytes.size());
            packets.emplace_back(header.type, event.kind == FrameEvent::Kind::to_device);
        }
    }
    EXPECT_EQ(recorded.find("tap-secret"), std::string::npos);
    ASSERT_GE(packets.size(), 5U);
    EXPECT_EQ(packets[0], std::make_pair(packet::Type::connect, true));
    EXPECT_EQ(packets[1], std::make_pair(packet::Type::connack, false));
    auto has = [&](packet::Type type, bool to_broker) {
        return std::find(packets.begin(), packets.end(), std::make_pair(type, to_broker)) != packets.end();
    };
    EXPECT_TRUE(has(packet::Type::subscribe, true));
    EXPECT_TRUE(has(packet::Type::suback, false));
    EXPECT_TRUE(has(packet::Type::publish, true));
    EXPECT_TRUE(has(packet::Type::publish, false));  // the broker's copy back to the subscriber
    EXPECT_TRUE(has(packet::Type::puback, false));
}

TEST_F(MqttPahoTest, TlsConnectsWithTheTestCaAndRefusesACertificateThatDoesNotVerify) {
    sim::mqtt::MosquittoOptions options;
    options.tls = true;
    sim::mqtt::MosquittoBroker broker(options);
    auto over_tls = [&](const std::string& ca, bool insecure) {
        return [&broker, ca, insecure](MqttSettings& s) {
            s.port = broker.tls_port();
            s.tls.enabled = true;
            s.tls.ca_file = ca;
            s.tls.insecure = insecure;
        };
    };
    MqttClient& trusted = client("trusted", broker, over_tls(broker.certificates().ca_file, false));
    start(trusted);
    EXPECT_TRUE(eventually([&] { return trusted.connected(); })) << trusted.last_error();

    MqttClient& mistrusted = client("mistrusted", broker, over_tls(broker.certificates().other_ca_file, false));
    start(mistrusted);
    ASSERT_TRUE(eventually([&] { return mistrusted.stats().failed_attempts >= 1; }));
    std::string error;
    loop_.on_loop([&] { error = mistrusted.last_error(); });
    EXPECT_NE(error.find("TLS"), std::string::npos) << error;
    EXPECT_NE(error.find("certificate verify failed"), std::string::npos) << error;

    // The explicit insecure switch accepts it.
    MqttClient& insecure = client("insecure", broker, over_tls(broker.certificates().other_ca_file, true));
    start(insecure);
    EXPECT_TRUE(eventually([&] { return insecure.connected(); })) << insecure.last_error();
}

TEST_F(MqttPahoTest, AfterABrokerRestartClientsReconnectResubscribeAndRepublish) {
    sim::mqtt::MosquittoBroker broker;
    MqttClient& owner = client("owner", broker);
    std::vector<std::string> commands;
    loop_.on_loop([&] {
        owner.retain("evc/1/availability", "online");
        owner.subscribe("evc/1/set", 1, [&](const MqttMessage& m) { commands.push_back(m.payload); });
    });
    start(owner);
    ASSERT_TRUE(eventually([&] { return owner.connected(); }));

    broker.stop();
    ASSERT_TRUE(eventually([&] { return !owner.connected(); }));
    broker.start();
    ASSERT_TRUE(eventually([&] { return owner.connected(); })) << owner.last_error();

    MqttClient& other = client("other", broker);
    std::vector<std::string> availability;
    loop_.on_loop([&] {
        other.subscribe("evc/1/availability", 1, [&](const MqttMessage& m) { availability.push_back(m.payload); });
    });
    start(other);
    ASSERT_TRUE(eventually([&] { return !availability.empty(); }));
    EXPECT_EQ(availability[0], "online");
    loop_.on_loop([&] { other.publish("evc/1/set", "12", 1); });
    ASSERT_TRUE(eventually([&] { return !commands.empty(); }));
    EXPECT_EQ(commands[0], "12");
}

TEST_F(MqttPahoTest, ABrokerThatIsNotThereYetIsReachedOnceItStarts) {
    sim::mqtt::MosquittoBroker broker;
    broker.stop();
    MqttClient& early = client("early", broker);
    start(early);
    ASSERT_TRUE(eventually([&] { return early.stats().failed_attempts >= 2; }));
    EXPECT_FALSE(early.connected());
    broker.start();
    EXPECT_TRUE(eventually([&] { return early.connected(); })) << early.last_error();
}

}  // namespace
}  // namespace evhil::mqtt
