#include "harness/devices/homeassistant/home_assistant_rig.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace evhil::harness {

HomeAssistantRig::HomeAssistantRig(Executor& executor, station::Station& station,
                                   homeassistant::HomeAssistantSettings settings, RunBroker& broker, const Rng& rng)
    : settings_(std::move(settings)) {
    mqtt::MqttSettings discovery_settings;
    discovery_settings.client_id = settings_.node_id;
    discovery_settings.will = homeassistant::home_assistant_will(settings_);
    discovery_client_ = broker.client(discovery_settings, rng.fork("homeassistant"), "homeassistant.mqtt");
    discovery_ =
        std::make_unique<homeassistant::HomeAssistantDiscovery>(executor, station, *discovery_client_, settings_);
    mqtt::MqttSettings home_assistant_settings;
    home_assistant_settings.client_id = "home-assistant";
    home_assistant_ = broker.client(home_assistant_settings, rng.fork("home-assistant"), "ha.mqtt");
    for (const auto& charger : station.chargers()) {
        charger_ids_.push_back(charger.config.id);
    }
    home_assistant_->subscribe(settings_.discovery_prefix + "/+/+/config", 0,
                               [this](const mqtt::MqttMessage& m) { on_discovery(m); });
    home_assistant_->subscribe(settings_.base_topic + "/#", 0, [this](const mqtt::MqttMessage& m) { on_base(m); });
    // Home Assistant's MQTT integration sends its birth at every connect, once subscribed.
    home_assistant_->add_connected_listener([this] {
        ++births_;
        home_assistant_->publish(settings_.discovery_prefix + "/status", "online", 0);
    });
}

HomeAssistantRig::~HomeAssistantRig() {
    stop();
}

void HomeAssistantRig::start() {
    discovery_->start();
    home_assistant_->start();
}

void HomeAssistantRig::stop() {
    home_assistant_->stop();
    discovery_->stop();
    discovery_client_->stop();
}

void HomeAssistantRig::forget() {
    configs_.clear();
    config_messages_ = 0;
    bridge_status_.clear();
    chargers_.clear();
}

void HomeAssistantRig::restart() {
    ++restarts_;
    home_assistant_->stop();
    forget();
    home_assistant_->start();
}

void HomeAssistantRig::command(const std::string& charger, const std::string& command, const std::string& payload) {
    ++commands_;
    home_assistant_->publish(settings_.base_topic + "/" + charger + "/" + command + "/set", payload, 1);
}

void HomeAssistantRig::on_discovery(const mqtt::MqttMessage& message) {
    ++config_messages_;
    if (message.payload.empty()) {
        configs_.erase(message.topic);  // Home Assistant removes the entity
    } else {
        configs_.insert(message.topic);
    }
}

void HomeAssistantRig::on_base(const mqtt::MqttMessage& message) {
    // <base>/status, <base>/<charger>/state, <base>/<charger>/availability
    auto rest = message.topic.substr(settings_.base_topic.size() + 1);
    if (rest == "status") {
        bridge_status_ = message.payload;
        return;
    }
    auto slash = rest.find('/');
    if (slash == std::string::npos) {
        return;
    }
    auto& view = chargers_[rest.substr(0, slash)];
    auto leaf = rest.substr(slash + 1);
    if (leaf == "availability") {
        view.availability = message.payload;
    } else if (leaf == "state") {
        auto json = nlohmann::json::parse(message.payload, nullptr, false);
        if (!json.is_object()) {
            return;
        }
        for (const auto& [key, value] : json.items()) {
            if (value.is_number()) {
                view.state[key] = value.get<double>();
            } else if (value.is_string() && (value == "ON" || value == "OFF")) {
                view.state[key] = value == "ON" ? 1.0 : 0.0;
            }
        }
    }
}

void HomeAssistantRig::add_signals(const SignalAdder& add) {
    add("ha.connected", "", [this] { return home_assistant_->connected() ? 1.0 : 0.0; });
    add("ha.births", "", [this] { return static_cast<double>(births_); });
    add("ha.configs", "", [this] { return static_cast<double>(configs_.size()); });
    add("ha.config_messages", "", [this] { return static_cast<double>(config_messages_); });
    for (const auto& id : charger_ids_) {
        add("ha." + id + ".available", "", [this, id] {
            auto found = chargers_.find(id);
            bool online =
                bridge_status_ == "online" && found != chargers_.end() && found->second.availability == "online";
            return online ? 1.0 : 0.0;
        });
        for (const auto& [signal, key, unit] :
             {std::tuple{"power", "power", "W"}, std::tuple{"current", "current", "A"},
              std::tuple{"set_current", "set_current", "A"}, std::tuple{"enabled", "enabled", ""},
              std::tuple{"energy", "energy_kwh", "kWh"}}) {
            add("ha." + id + "." + signal, unit, [this, id, key = std::string(key)] {
                auto charger = chargers_.find(id);
                if (charger == chargers_.end()) {
                    return std::nan("");
                }
                auto value = charger->second.state.find(key);
                return value == charger->second.state.end() ? std::nan("") : value->second;
            });
        }
    }
}

std::map<std::string, double> HomeAssistantRig::metrics() const {
    const auto& stats = discovery_->stats();
    return {{"ha.births", static_cast<double>(births_)},
            {"ha.restarts", static_cast<double>(restarts_)},
            {"ha.commands", static_cast<double>(commands_)},
            {"homeassistant.config_publishes", static_cast<double>(stats.config_publishes)},
            {"homeassistant.state_publishes", static_cast<double>(stats.state_publishes)},
            {"homeassistant.commands", static_cast<double>(stats.commands)},
            {"homeassistant.refused_commands", static_cast<double>(stats.refused_commands)}};
}

}  // namespace evhil::harness
