#pragma once
// The app on the GX's Venus MQTT side of a scenario: a client of the run's broker as VRM, the HTML5 app, Node-RED or
// Home Assistant's Victron integration are. It sends keep-alives (R/<portal>/keepalive) and writes (W/...) when the
// timeline says, and follows N/<portal>/# as such a client does: what it holds is what the bridge published, so a
// bridge that stops publishing (its keep-alive window ended) shows as silence here.
//
// Signals (under gx.mqtt.): connected; received (N/ messages so far); silence (seconds since the last N/ message,
// heartbeats included; NaN before the first); full_publishes (N/<portal>/full_publish_completed seen); and a value per
// followed path, <service>.<path> as the GUI's signals are named, read from N/<portal>/<type>/<instance>/<path> with
// the instance the bus shows for that service.
//
// Used by the GX rig (gx_rig.hpp); covered by the scenarios in scenarios/mqtt/ (sim and wire).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"
#include "harness/devices/rig.hpp"

namespace evhil::harness {

class GxMqttApp {
public:
    // `instance_of` gives the device instance the bus shows for a service (NaN while unknown).
    GxMqttApp(Executor& executor, std::unique_ptr<mqtt::MqttClient> client, std::string portal_id,
              std::function<double(const std::string& service)> instance_of);
    ~GxMqttApp();
    GxMqttApp(const GxMqttApp&) = delete;
    GxMqttApp& operator=(const GxMqttApp&) = delete;

    // A service whose paths to follow, before start(): "com.victronenergy.evcharger.garage" and its leaves.
    void follow(const std::string& service, const std::vector<std::string>& paths);
    void start();
    void stop();

    // R/<portal>/keepalive with this payload ("" or keepalive-options JSON).
    void keepalive(const std::string& payload);
    // W/<portal>/<type>/<instance>/<path> {"value": json}; false (with the reason) when the service's instance is not
    // known yet or the client is not connected.
    bool write(const std::string& service, const std::string& path, const std::string& json_value, std::string& reason);

    void add_signals(const SignalAdder& add);
    std::map<std::string, double> metrics() const;

private:
    void on_message(const mqtt::MqttMessage& message);
    // "<type>/<instance>" of a followed service, or nullopt while its instance is unknown.
    std::optional<std::string> topic_base(const std::string& service) const;

    Executor& executor_;
    std::unique_ptr<mqtt::MqttClient> client_;
    std::string portal_id_;
    std::function<double(const std::string&)> instance_of_;
    std::map<std::string, std::vector<std::string>> followed_;  // service -> paths
    std::map<std::string, double> values_;                      // "<type>/<instance>/<path>" -> number
    std::optional<TimePoint> last_received_;
    std::uint64_t received_ = 0;
    std::uint64_t full_publishes_ = 0;
    std::uint64_t keepalives_ = 0;
    std::uint64_t writes_ = 0;
};

}  // namespace evhil::harness
