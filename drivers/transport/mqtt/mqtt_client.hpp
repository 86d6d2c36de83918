#pragma once
// The MQTT port the drivers are written against: one client of one broker that stays connected by itself.
//
//  - start() connects and, after a failed attempt or a lost connection, tries again after an exponential back-off with
//    seeded jitter (MqttSettings::reconnect). Each distinct failure is logged once, with the broker but never the
//    password; the same failure again is not repeated on every retry.
//  - Subscriptions are the client's, not the connection's: after every (re)connect it subscribes again, so a broker
//  that
//    restarted and lost its sessions delivers to the same handlers.
//  - retain() is state the client owns on the broker (Home Assistant discovery, availability): published retained now
//    and again after every reconnect, because a broker without persistence forgets retained messages when it restarts.
//  - publish() while disconnected drops the message and says so (false); MQTT users publish current state, which the
//    next update or the reconnect listeners send again.
//
// Handlers run on the executor. A message that matches several of this client's filters reaches each of their
// handlers (as a broker delivers one copy per matching subscription), so users keep their filters disjoint.
// Covered by tests/unit/mqtt_client_test.cpp (in-process broker) and tests/integration/mqtt_paho_test.cpp (Mosquitto).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "drivers/core/backoff.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/transport/mqtt/mqtt_transport.hpp"

namespace spdlog {
class logger;
}

namespace evhil::mqtt {

class MqttClient {
public:
    using MessageHandler = std::function<void(const MqttMessage& message)>;
    using SubscriptionId = std::uint64_t;

    struct Stats {
        std::uint64_t connects = 0;
        std::uint64_t failed_attempts = 0;
        std::uint64_t losses = 0;
        std::uint64_t received = 0;
        std::uint64_t published = 0;
        std::uint64_t dropped = 0;  // publish() while disconnected
    };

    // `log_name`: the logger's component name ("mqtt.homeassistant"), so lines say whose client failed.
    MqttClient(Executor& executor, std::unique_ptr<MqttTransport> transport, MqttSettings settings, Rng rng,
               const std::string& log_name = "mqtt");
    ~MqttClient();
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    void start();
    // A clean disconnect (the broker drops the will); no reconnect follows until start().
    void stop();
    bool connected() const { return connected_; }
    // The reason of the last failed attempt or loss; empty once connected.
    const std::string& last_error() const { return last_error_; }
    const MqttSettings& settings() const { return settings_; }
    std::string describe() const { return settings_.describe(); }
    const Stats& stats() const { return stats_; }
    // Publishes handed to the broker and not yet completed (QoS 1: not yet acknowledged): a clean shutdown waits for
    // its last words (Home Assistant's offline) with this.
    std::size_t in_flight() const { return in_flight_; }

    SubscriptionId subscribe(const std::string& filter, int qos, MessageHandler handler);
    void unsubscribe(SubscriptionId id);

    bool publish(const std::string& topic, std::string payload, int qos = 0, bool retain = false);
    // Owned retained state; an empty payload removes the topic from the broker and from the client's state.
    void retain(const std::string& topic, std::string payload, int qos = 1);
    const std::map<std::string, std::string>& retained_state() const { return retained_; }

    // Called after every successful (re)connect, once subscriptions and retained state are sent again.
    void add_connected_listener(std::function<void()> listener) { connected_listeners_.push_back(std::move(listener)); }
    void add_lost_listener(std::function<void(const std::string& reason)> listener) {
        lost_listeners_.push_back(std::move(listener));
    }

private:
    struct Subscription {
        std::string filter;
        int qos;
        MessageHandler handler;
    };

    void attempt();
    void on_attempt(std::optional<std::string> error);
    void on_lost(const std::string& reason);
    void schedule_retry();
    void report_failure(const std::string& reason);
    void dispatch(const MqttMessage& message);
    void send_subscribe(const std::string& filter, int qos);
    int filter_qos(const std::string& filter) const;

    Executor& executor_;
    std::unique_ptr<MqttTransport> transport_;
    MqttSettings settings_;
    Backoff backoff_;
    std::shared_ptr<spdlog::logger> log_;
    bool running_ = false;
    bool connected_ = false;
    bool attempting_ = false;
    std::optional<Executor::TimerId> retry_;
    std::string last_error_;
    std::string last_logged_failure_;
    std::map<SubscriptionId, Subscription> subscriptions_;
    SubscriptionId next_id_ = 1;
    std::map<std::string, std::string> retained_;
    std::map<std::string, int> retained_qos_;
    std::set<std::string> removed_while_away_;
    std::vector<std::function<void()>> connected_listeners_;
    std::vector<std::function<void(const std::string&)>> lost_listeners_;
    Stats stats_;
    std::size_t in_flight_ = 0;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace evhil::mqtt
