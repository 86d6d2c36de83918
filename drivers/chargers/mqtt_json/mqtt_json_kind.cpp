#include "drivers/chargers/mqtt_json/mqtt_json_kind.hpp"

#include "drivers/chargers/mqtt_json/mqtt_json_driver.hpp"
#include "drivers/transport/mqtt/mqtt_settings.hpp"

namespace evhil::mqtt_json {
namespace {

const std::vector<std::string>& endpoint_keys() {
    static const std::vector<std::string> keys{
        "host",          "port", "client_id", "clean_session",   "username", "password",
        "password_file", "tls",  "keepalive", "connect_timeout", "reconnect"};
    return keys;
}

mqtt::MqttSettings broker_settings(const ConfigNode& endpoint, const std::string& id) {
    mqtt::MqttSettings defaults;
    defaults.client_id = "evchargerd-" + id;
    defaults.reconnect = {std::chrono::seconds(1), std::chrono::seconds(30), 2.0, 0.2};
    return endpoint.is_map() ? mqtt::parse_mqtt_settings(endpoint, defaults) : defaults;
}

}  // namespace

chargers::ChargerKind charger_kind() {
    chargers::ChargerKind kind;
    kind.type = "mqtt_json";
    kind.description = "any charger that reports JSON on an MQTT topic (venus-os_dbus-mqtt-ev-charger's format)";
    kind.setting_keys = mqtt_json_driver_setting_keys();
    kind.endpoint_keys = endpoint_keys();
    kind.check = [](const std::optional<ConfigNode>& driver, const std::optional<ConfigNode>& endpoint,
                    const std::vector<std::string>& extra_endpoint_keys) {
        if (driver) {
            parse_mqtt_json_driver_settings(*driver);
        }
        if (endpoint) {
            auto allowed = endpoint_keys();
            allowed.insert(allowed.end(), extra_endpoint_keys.begin(), extra_endpoint_keys.end());
            endpoint->allow_keys(allowed);
            broker_settings(*endpoint, "check");
        }
    };
    kind.make = [](chargers::ChargerContext& context) -> std::unique_ptr<chargers::ChargerDriver> {
        auto settings = context.driver ? parse_mqtt_json_driver_settings(*context.driver) : MqttJsonDriverSettings{};
        auto& client = context.ports.mqtt(context.id, broker_settings(context.endpoint, context.id));
        return std::make_unique<MqttJsonDriver>(context.executor, client, settings, context.id);
    };
    return kind;
}

}  // namespace evhil::mqtt_json
