#pragma once
// One connection to a broker: the adapter interface under MqttClient. Two adapters implement it:
//  - PahoMqttTransport (paho_transport.hpp): paho-mqtt-cpp's asynchronous client, a real broker (wire, bench,
//    evchargerd);
//  - the connections of an InProcessMqttBroker (in_process_broker.hpp): the sim target.
// A transport makes one attempt per connect(); reconnecting, back-off, resubscribing and republishing are MqttClient's.
// Every completion runs later on the executor, never inline and never on a library thread.

#include <functional>
#include <optional>
#include <string>

#include "drivers/transport/mqtt/mqtt_types.hpp"

namespace evhil::mqtt {

class MqttTransport {
public:
    using Done = std::function<void(std::optional<std::string> error)>;
    // `session_present`: the broker still had this client's persistent session (its subscriptions and queued messages).
    using Connected = std::function<void(std::optional<std::string> error, bool session_present)>;

    virtual ~MqttTransport() = default;

    virtual void connect(const MqttSettings& settings, Connected done) = 0;
    // A clean DISCONNECT: the broker drops the will. No on_lost follows.
    virtual void disconnect() = 0;
    virtual bool connected() const = 0;
    virtual void subscribe(const std::string& filter, int qos, Done done) = 0;
    virtual void unsubscribe(const std::string& filter) = 0;
    // QoS 0: done once handed to the connection; QoS 1: done when the broker acknowledged it.
    virtual void publish(const MqttMessage& message, Done done) = 0;

    std::function<void(const MqttMessage& message)> on_message;
    // The connection broke without a DISCONNECT of ours (the broker went away, the link dropped).
    std::function<void(const std::string& reason)> on_lost;
};

}  // namespace evhil::mqtt
