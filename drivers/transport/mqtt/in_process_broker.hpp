#pragma once
// An MQTT broker inside the process, for the sim target: the same semantics a client meets on Mosquitto (configured as
// the harness configures it: no persistence), so a scenario judges the same behaviour on sim and on wire.
//
//  - topic routing by MQTT's wildcard rules (topic_filter.hpp), one copy per matching subscription, QoS min(publish,
//    subscription);
//  - retained messages: kept per topic, an empty retained payload clears one, sent with the retain flag to a new
//    subscription and without it to established ones;
//  - sessions: a clean session ends with its connection; a persistent one keeps its subscriptions and queues QoS 1
//    messages while its client is away; a second connection with the same client id takes the session over;
//  - the will goes out when a connection ends without DISCONNECT (drop(), a takeover, a transport destroyed
//    unclosed), never after a clean disconnect;
//  - users: once one is added, anonymous and wrong credentials are refused ("not authorised", as CONNACK 5);
//  - a publish ACL, as Mosquitto's acl_file: a publish it refuses is dropped silently;
//  - stop()/start(): the broker goes away (every client loses its connection, connects are refused) and comes back
//    with no sessions and no retained messages, as Mosquitto without persistence does after a restart.
//
// Everything happens on the executor; no call delivers inline. Covered by tests/unit/mqtt_broker_test.cpp.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/mqtt_transport.hpp"

namespace evhil::mqtt {

class InProcessMqttBroker {
public:
    explicit InProcessMqttBroker(Executor& executor);
    ~InProcessMqttBroker();
    InProcessMqttBroker(const InProcessMqttBroker&) = delete;
    InProcessMqttBroker& operator=(const InProcessMqttBroker&) = delete;

    // A new client-side connection to this broker (unconnected until its connect()).
    std::unique_ptr<MqttTransport> connection();

    void add_user(const std::string& username, const std::string& password);
    using PublishAcl = std::function<bool(const std::string& username, const std::string& topic)>;
    void set_publish_acl(PublishAcl acl);

    void stop();
    void start();
    bool running() const;
    // The client's link breaks: unclean, so its will goes out; the client sees on_lost.
    void drop(const std::string& client_id);

    std::map<std::string, MqttMessage> retained() const;
    std::size_t connected_clients() const;
    bool has_session(const std::string& client_id) const;
    // Every publish the broker accepted, before routing: for traces and tests.
    using PublishObserver = std::function<void(const std::string& client_id, const MqttMessage& message)>;
    void set_publish_observer(PublishObserver observer);

    struct Core;

private:
    std::shared_ptr<Core> core_;
};

}  // namespace evhil::mqtt
