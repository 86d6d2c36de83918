// The MQTT 3.1.1 packet framing of the recording tap and the MQTT trace codec: what traces, baselines, latencies
// and pcapng learn from a packet. The packets are built here byte by byte from the standard's layouts, not by the
// code under test.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "drivers/transport/mqtt/mqtt_packet.hpp"
#include "harness/traces/mqtt/mqtt_codec.hpp"

namespace evhil::harness {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put_string(Bytes& out, const std::string& text) {
    out.push_back(static_cast<std::uint8_t>(text.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(text.size() & 0xFF));
    out.insert(out.end(), text.begin(), text.end());
}

// A fixed header with the remaining length as a variable byte integer, then `body`.
Bytes packet(std::uint8_t first, const Bytes& body) {
    Bytes out{first};
    std::size_t length = body.size();
    do {
        std::uint8_t digit = length % 128;
        length /= 128;
        out.push_back(length > 0 ? (digit | 0x80) : digit);
    } while (length > 0);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes connect(const std::string& client, const std::string& user, const std::string& password) {
    Bytes body;
    put_string(body, "MQTT");
    body.push_back(4);     // protocol level 3.1.1
    body.push_back(0xC2);  // username, password, clean session
    body.push_back(0);
    body.push_back(60);  // keepalive
    put_string(body, client);
    put_string(body, user);
    put_string(body, password);
    return packet(0x10, body);
}

Bytes publish(const std::string& topic, const std::string& payload, int qos, std::uint16_t id, bool retain) {
    Bytes body;
    put_string(body, topic);
    if (qos > 0) {
        body.push_back(static_cast<std::uint8_t>(id >> 8));
        body.push_back(static_cast<std::uint8_t>(id & 0xFF));
    }
    body.insert(body.end(), payload.begin(), payload.end());
    return packet(static_cast<std::uint8_t>(0x30 | (qos << 1) | (retain ? 1 : 0)), body);
}

Bytes with_id(std::uint8_t first, std::uint16_t id, Bytes rest = {}) {
    Bytes body{static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xFF)};
    body.insert(body.end(), rest.begin(), rest.end());
    return packet(first, body);
}

TEST(MqttFraming, CutsPacketsByTheirRemainingLengthAndRefusesWhatCannotBeMqtt) {
    auto framing = mqtt::packet::framing();
    EXPECT_EQ(framing.protocol, "mqtt");
    const Bytes big = publish("t", std::string(300, 'x'), 0, 0, false);  // a two-byte remaining length
    EXPECT_EQ(*framing.frame_size(big), big.size());
    EXPECT_EQ(*framing.frame_size(Bytes(big.begin(), big.begin() + 2)), 0U);  // the length's second byte is missing
    EXPECT_EQ(*framing.frame_size(Bytes{0xC0, 0x00}), 2U);                    // PINGREQ
    EXPECT_FALSE(framing.frame_size(Bytes{0x00, 0x00}));                      // type 0 is reserved
    EXPECT_FALSE(framing.frame_size(Bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF}));    // a length of five bytes
}

TEST(MqttFraming, BlanksTheConnectPasswordKeepingEveryLength) {
    Bytes frame = connect("evhil-driver", "bob", "s3cret");
    const std::size_t size = frame.size();
    mqtt::packet::framing().redact(frame);
    EXPECT_EQ(frame.size(), size);
    const std::string text(frame.begin(), frame.end());
    EXPECT_EQ(text.find("s3cret"), std::string::npos);
    EXPECT_NE(text.find("******"), std::string::npos);
    EXPECT_NE(text.find("bob"), std::string::npos);
    auto codec = make_mqtt_codec();
    EXPECT_EQ(codec->baseline_line(frame, true), "CONNECT clean=1 keepalive=60s user=bob password=(hidden)");
    EXPECT_NE(codec->text_line(frame, true).find("client=evhil-driver"), std::string::npos);
}

TEST(MqttCodec, BaselinesKeepTopicsAndJsonKeysButNotIdsOrValues) {
    auto codec = make_mqtt_codec();
    auto report = publish("diy/report", R"({"Ac":{"Power":2300},"Status":2})", 1, 17, false);
    auto again = publish("diy/report", R"({"Ac":{"Power":4100},"Status":2})", 1, 99, false);
    EXPECT_EQ(codec->baseline_line(report, false), "PUBLISH q1 diy/report {Ac,Status}");
    EXPECT_EQ(codec->baseline_line(report, false), codec->baseline_line(again, false));
    EXPECT_EQ(codec->baseline_line(publish("diy/set", "", 1, 3, true), true), "PUBLISH q1 retain diy/set (empty)");
    EXPECT_EQ(codec->baseline_line(publish("diy/report", "{oops", 0, 0, false), false),
              "PUBLISH q0 diy/report (not JSON)");
    EXPECT_NE(codec->text_line(report, false).find("id=17 diy/report '{\"Ac\""), std::string::npos);
    EXPECT_EQ(codec->baseline_line(with_id(0x90, 5, {0x01}), false), "SUBACK q1");
    EXPECT_EQ(codec->baseline_line(Bytes{0xC0, 0x00}, true), "");  // a ping is keep-alive timing, not in baselines
    Bytes subscribe_body;
    put_string(subscribe_body, "diy/report");
    subscribe_body.push_back(1);
    EXPECT_EQ(codec->baseline_line(with_id(0x82, 5, subscribe_body), true), "SUBSCRIBE diy/report q1");
}

TEST(MqttCodec, PairsTheDriversRequestsWithTheBrokersAnswersOnly) {
    auto codec = make_mqtt_codec();
    auto command = publish("diy/set", R"({"SetCurrent":10})", 1, 4, true);
    auto puback = with_id(0x40, 4);
    ASSERT_TRUE(codec->pairing_key(command, true));
    EXPECT_EQ(codec->pairing_key(command, true), codec->pairing_key(puback, false));
    // The broker's own QoS 1 publish and the driver's PUBACK for it are the other exchange: they pair with nothing,
    // so they cannot take the answer meant for the driver's publish with the same number.
    EXPECT_FALSE(codec->pairing_key(publish("diy/report", "{}", 1, 4, false), false));
    EXPECT_FALSE(codec->pairing_key(puback, true));
    EXPECT_FALSE(codec->pairing_key(publish("diy/set", "{}", 0, 0, false), true));  // QoS 0 has no answer
    EXPECT_EQ(codec->pairing_key(connect("c", "u", "p"), true), codec->pairing_key(Bytes{0x20, 2, 0, 0}, false));
    EXPECT_NE(codec->pairing_key(with_id(0x82, 4), true), codec->pairing_key(puback, false));  // SUBSCRIBE 4
}

TEST(MqttCodec, RefusesOnABadConnackOrAFailedSubscription) {
    auto codec = make_mqtt_codec();
    EXPECT_FALSE(codec->is_refusal(Bytes{0x20, 2, 0, 0}));
    EXPECT_TRUE(codec->is_refusal(Bytes{0x20, 2, 0, 5}));
    EXPECT_EQ(codec->baseline_line(Bytes{0x20, 2, 0, 4}, false),
              "CONNACK session_present=0 rc=4 bad user name or password");
    EXPECT_TRUE(codec->is_refusal(with_id(0x90, 1, {0x80})));
    EXPECT_FALSE(codec->is_refusal(with_id(0x90, 1, {0x00})));
}

TEST(MqttCodec, FindsTheSetpointInTheDriversCommandPublish) {
    auto codec = make_mqtt_codec(MqttSetpointField{"diy/set", "SetCurrent"});
    auto command = publish("diy/set", R"({"SetCurrent":13.5,"StartStop":1})", 1, 2, true);
    ASSERT_TRUE(codec->setpoint_in(command));
    EXPECT_DOUBLE_EQ(*codec->setpoint_in(command), 13.5);
    EXPECT_FALSE(codec->setpoint_in(publish("other/set", R"({"SetCurrent":13.5})", 1, 2, true)));
    EXPECT_FALSE(codec->setpoint_in(publish("diy/set", R"({"SetCurrent":"13.5"})", 1, 2, true)));
    EXPECT_FALSE(make_mqtt_codec()->setpoint_in(command));
    EXPECT_EQ(codec->pcap().device_port, 1883);
}

}  // namespace
}  // namespace evhil::harness
