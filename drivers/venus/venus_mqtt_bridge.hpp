#pragma once
// The GX's Venus MQTT bridge, as dbus-flashmq (Venus OS ≥ 3.20) behaves: a client of the Victron bus that mirrors
// every com.victronenergy.* service onto an MQTT broker, for VRM, Node-RED, Home Assistant and the HTML5 app.
//
//  - N/<portal>/<type>/<instance>/<path> with {"value": v} (null for invalid); <type> is the third part of the bus
//    name, <instance> the service's /DeviceInstance (else /Identifier, else 0; always 0 for system and settings);
//    when a service leaves the bus, each of its topics once with an empty payload;
//  - W/<portal>/<type>/<instance>/<path> {"value": v} becomes SetValue (null: invalid; an object, an array or no
//    "value" key is refused and logged, never fatal); no MQTT reply of its own, the N/ follows from the change signal;
//  - R/<portal>/<type>/<instance>/<path> reads the leaf from the bus again and publishes it; on a node, every leaf
//    below it; the payload is ignored;
//  - R/<portal>/keepalive (or the legacy R/<portal>/system/0/Serial): alive for 60 s after the last one. Unless the
//    payload contains "suppress-republish", a full republish of every topic follows, ended by
//    N/<portal>/full_publish_completed {"value": <unix time>} (with the token of a "full-publish-completed-echo"
//    option echoed as "full-publish-completed-echo"); full republishes are limited to 3 a second. While alive, changes
//    are published and N/<portal>/heartbeat goes out every 3 s (the first at once); while not, only reads and full
//    republishes publish, and nothing is unpublished when the window ends;
//  - nothing is retained but N/<portal>/system/0/Serial, which is always published; N/<portal>/keepalive = 1 at
//    every connect to the broker.
// dbus-flashmq is a broker plugin and refuses other clients' publishes on its N/ itself; this bridge is a client, so
// the broker's ACL does that (the in-process broker's publish ACL on sim, the Mosquitto that evhil sim gx configures
// on wire). A lost broker connection ends the keep-alive: clients must send a new one, as after a GX reboot.
//
// Runs inside `evhil sim gx` and as evchargerd's optional venus_mqtt output. Covered by
// tests/unit/venus_mqtt_bridge_test.cpp (in-process bus and broker) and tests/conformance/venus_mqtt_test.sh
// (mosquitto_sub and mosquitto_pub against evhil sim gx).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "drivers/core/backoff.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"
#include "drivers/venus/venus_bus.hpp"

namespace spdlog {
class logger;
}

namespace evhil::venus {

struct VenusMqttBridgeSettings {
    std::string portal_id;  // 12 lower-case hex digits on a real GX; checked only for being usable in a topic
    Duration keepalive_window = std::chrono::seconds(60);
    Duration heartbeat_period = std::chrono::seconds(3);
    int full_publishes_per_second = 3;
};

class VenusMqttBridge {
public:
    struct Stats {
        std::uint64_t published = 0;
        std::uint64_t full_publishes = 0;
        std::uint64_t rate_limited = 0;
        std::uint64_t writes = 0;
        std::uint64_t refused_writes = 0;
        std::uint64_t reads = 0;
        std::uint64_t keepalives = 0;
    };

    // `bus` is the bridge's own client connection, which it connects and reconnects; `mqtt` its client of the broker,
    // which it starts.
    VenusMqttBridge(Executor& executor, VenusBus& bus, mqtt::MqttClient& mqtt, VenusMqttBridgeSettings settings,
                    Rng rng);
    ~VenusMqttBridge();
    VenusMqttBridge(const VenusMqttBridge&) = delete;
    VenusMqttBridge& operator=(const VenusMqttBridge&) = delete;

    void start();
    void stop();

    bool alive() const { return alive_; }
    const std::string& portal_id() const { return settings_.portal_id; }
    std::size_t services() const { return services_.size(); }
    std::size_t topics() const;
    const Stats& stats() const { return stats_; }

private:
    struct Service {
        std::string type;
        std::string instance;
        std::map<std::string, ItemState> items;
        bool read = false;        // GetItems answered: the topics are known
        std::uint64_t epoch = 0;  // answers of an earlier appearance are dropped
    };

    void connect_bus();
    void bus_lost(const std::string& reason);
    void add_service(const std::string& name);
    void remove_service(const std::string& name);
    void on_items(const std::string& name, std::uint64_t epoch, std::map<std::string, ItemState> items);
    void on_change(const std::string& name, const std::string& path, const ItemState& state);

    void on_write(const mqtt::MqttMessage& message);
    void on_read(const mqtt::MqttMessage& message);
    void keepalive(const std::string& payload);
    void full_publish(const std::optional<std::string>& echo);
    void heartbeat();
    void expire();
    bool take_republish_token();

    std::string topic_of(const Service& service, const std::string& path) const;
    void publish_item(const Service& service, const std::string& path, const ItemState& state);
    void publish_empty(const Service& service, const std::string& path);
    // The service behind "<type>/<instance>", or nullptr.
    const std::string* service_named(const std::string& type, const std::string& instance) const;
    double unix_now() const;

    Executor& executor_;
    VenusBus& bus_;
    mqtt::MqttClient& mqtt_;
    VenusMqttBridgeSettings settings_;
    Backoff bus_backoff_;
    std::shared_ptr<spdlog::logger> log_;
    bool running_ = false;
    bool alive_ = false;
    std::map<std::string, Service> services_;  // bus name -> service
    std::set<std::string> watched_;            // names this bus connection already follows
    std::uint64_t epochs_ = 0;
    std::optional<Executor::TimerId> expiry_;
    std::optional<Executor::TimerId> heartbeat_;
    std::optional<Executor::TimerId> bus_retry_;
    int republish_tokens_ = 0;
    TimePoint tokens_refilled_{};
    std::vector<mqtt::MqttClient::SubscriptionId> subscriptions_;
    Stats stats_;
    std::shared_ptr<int> alive_token_ = std::make_shared<int>(0);
};

}  // namespace evhil::venus
