#pragma once
// What the MQTT port carries and how a client reaches its broker. Shared by both adapters (paho on wire, bench and
// evchargerd; the in-process broker on sim) and by every MQTT user: the Venus MQTT bridge, the MQTT-JSON charger and
// Home Assistant discovery.

#include <optional>
#include <string>

#include "drivers/core/backoff.hpp"
#include "drivers/core/clock.hpp"

namespace evhil::mqtt {

struct MqttMessage {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
};

struct MqttTls {
    bool enabled = false;
    std::string ca_file;    // the CA that signed the broker's certificate; empty: the system's trust store
    std::string cert_file;  // a client certificate, for brokers that ask for one
    std::string key_file;
    // Accept any certificate and any host name. Off unless set explicitly: a broker whose certificate does not match
    // is refused with the reason.
    bool insecure = false;
};

struct MqttSettings {
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string client_id;
    // false: a persistent session; the broker keeps the subscriptions and queues QoS 1 messages while the client is
    // away (until the broker itself restarts without persistence).
    bool clean_session = true;
    std::string username;
    std::string password;  // never logged; describe() leaves it out
    MqttTls tls;
    std::optional<MqttMessage> will;
    Duration keepalive = std::chrono::seconds(30);
    Duration connect_timeout = std::chrono::seconds(10);
    BackoffSettings reconnect{std::chrono::seconds(1), std::chrono::seconds(60), 2.0, 0.2};

    // "mqtts://127.0.0.1:8883 as evchargerd": what a log line says about the broker, without the password.
    std::string describe() const;
};

}  // namespace evhil::mqtt
