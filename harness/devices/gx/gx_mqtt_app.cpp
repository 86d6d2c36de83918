#include "harness/devices/gx/gx_mqtt_app.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace evhil::harness {
namespace {

constexpr const char* prefix = "com.victronenergy.";

// "com.victronenergy.evcharger.garage" -> "evcharger", the bridge's <type>.
std::string service_type(const std::string& service) {
    auto rest = service.substr(std::string(prefix).size());
    return rest.substr(0, rest.find('.'));
}

// gx.mqtt.<service without the prefix>.<path with dots>
std::string signal_name(const std::string& service, const std::string& path) {
    std::string dotted = path.substr(1);
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    return "mqtt." + service.substr(std::string(prefix).size()) + "." + dotted;
}

double number_of(const nlohmann::json& value) {
    if (value.is_number()) {
        return value.get<double>();
    }
    if (value.is_boolean()) {
        return value.get<bool>() ? 1.0 : 0.0;
    }
    return std::nan("");
}

}  // namespace

GxMqttApp::GxMqttApp(Executor& executor, std::unique_ptr<mqtt::MqttClient> client, std::string portal_id,
                     std::function<double(const std::string& service)> instance_of)
    : executor_(executor),
      client_(std::move(client)),
      portal_id_(std::move(portal_id)),
      instance_of_(std::move(instance_of)) {}

GxMqttApp::~GxMqttApp() {
    stop();
}

void GxMqttApp::follow(const std::string& service, const std::vector<std::string>& paths) {
    followed_[service] = paths;
}

void GxMqttApp::start() {
    client_->subscribe("N/" + portal_id_ + "/#", 0, [this](const mqtt::MqttMessage& m) { on_message(m); });
    client_->start();
}

void GxMqttApp::stop() {
    client_->stop();
}

void GxMqttApp::on_message(const mqtt::MqttMessage& message) {
    ++received_;
    last_received_ = executor_.now();
    auto key = message.topic.substr(3 + portal_id_.size());  // after "N/<portal>/"
    if (key == "full_publish_completed") {
        ++full_publishes_;
        return;
    }
    if (message.payload.empty()) {
        values_.erase(key);  // the service left the bus
        return;
    }
    auto json = nlohmann::json::parse(message.payload, nullptr, false);
    if (json.is_object() && json.contains("value")) {
        values_[key] = number_of(json["value"]);
    }
}

std::optional<std::string> GxMqttApp::topic_base(const std::string& service) const {
    double instance = instance_of_(service);
    if (!std::isfinite(instance)) {
        return std::nullopt;
    }
    return fmt::format("{}/{}", service_type(service), static_cast<std::int64_t>(instance));
}

void GxMqttApp::keepalive(const std::string& payload) {
    ++keepalives_;
    client_->publish("R/" + portal_id_ + "/keepalive", payload, 0);
}

bool GxMqttApp::write(const std::string& service, const std::string& path, const std::string& json_value,
                      std::string& reason) {
    auto base = topic_base(service);
    if (!base) {
        reason = service + " has no device instance on the bus yet";
        return false;
    }
    ++writes_;
    if (!client_->publish("W/" + portal_id_ + "/" + *base + path, R"({"value": )" + json_value + "}", 0)) {
        reason = "the app is not connected to the broker";
        return false;
    }
    return true;
}

void GxMqttApp::add_signals(const SignalAdder& add) {
    add("gx.mqtt.connected", "", [this] { return client_->connected() ? 1.0 : 0.0; });
    add("gx.mqtt.received", "", [this] { return static_cast<double>(received_); });
    add("gx.mqtt.full_publishes", "", [this] { return static_cast<double>(full_publishes_); });
    add("gx.mqtt.silence", "s",
        [this] { return last_received_ ? to_seconds(executor_.now() - *last_received_) : std::nan(""); });
    for (const auto& [service, paths] : followed_) {
        for (const auto& path : paths) {
            add("gx." + signal_name(service, path), "", [this, service = service, path] {
                auto base = topic_base(service);
                auto found = base ? values_.find(*base + path) : values_.end();
                return found == values_.end() ? std::nan("") : found->second;
            });
        }
    }
}

std::map<std::string, double> GxMqttApp::metrics() const {
    return {{"gx.mqtt.received", static_cast<double>(received_)},
            {"gx.mqtt.full_publishes", static_cast<double>(full_publishes_)},
            {"gx.mqtt.keepalives", static_cast<double>(keepalives_)},
            {"gx.mqtt.writes", static_cast<double>(writes_)}};
}

}  // namespace evhil::harness
