#pragma once
// The trace codec of MQTT 3.1.1 (drivers/transport/mqtt/mqtt_packet.hpp): frames are whole control packets as the
// recording tap in front of the broker cuts them. The driver's CONNECT, PINGREQ, QoS 1 PUBLISH, SUBSCRIBE and
// UNSUBSCRIBE pair with the broker's answers (by packet identifier where there is one); a CONNACK other than
// "accepted" and a SUBACK with a failed filter are refusals. Baselines keep what the protocol did (packet type,
// topic, QoS, retain, the JSON keys of a payload) and leave out what varies (packet identifiers, values, dup).
// pcapng carries the packets on TCP port 1883, where Wireshark's MQTT dissector finds them.

#include <memory>
#include <optional>
#include <string>

#include "harness/traces/frame_codec.hpp"

namespace evhil::harness {

// Which publish of the driver carries the charging setpoint: a JSON object on `topic` with the amperes in `key`.
struct MqttSetpointField {
    std::string topic;
    std::string key;
};

std::shared_ptr<const FrameCodec> make_mqtt_codec(std::optional<MqttSetpointField> setpoint = std::nullopt);

}  // namespace evhil::harness
