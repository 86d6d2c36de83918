#include "drivers/homeassistant/home_assistant.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "drivers/core/log.hpp"
#include "drivers/station/user_commands.hpp"
#include "drivers/venus/evcharger_service.hpp"

namespace evhil::homeassistant {
namespace {

using nlohmann::json;

auto logger() {
    return log::get("homeassistant");
}

const char* const mode_names[] = {"Manual", "Auto", "Scheduled"};

bool reachable(const station::Station::Charger& charger) {
    return charger.driver->health().state == chargers::DriverState::running && charger.driver->status().valid;
}

// One entity of a charger: its component, its name in ids and topics, and what its config adds to the common keys.
struct EntitySpec {
    const char* component;
    const char* key;
    const char* name;
    json extra;
};

std::vector<EntitySpec> sensor_specs() {
    auto measured = [](const char* device_class, const char* unit, const char* state_class, const char* field) {
        return json{{"device_class", device_class},
                    {"unit_of_measurement", unit},
                    {"state_class", state_class},
                    {"value_template", std::string("{{ value_json.") + field + " }}"}};
    };
    return {
        {"sensor", "power", "Power", measured("power", "W", "measurement", "power")},
        {"sensor", "energy", "Energy", measured("energy", "kWh", "total_increasing", "energy_kwh")},
        {"sensor", "current", "Current", measured("current", "A", "measurement", "current")},
        {"sensor", "voltage", "Voltage", measured("voltage", "V", "measurement", "voltage")},
        // A new session starts again from 0: total_increasing takes that as a new meter cycle.
        {"sensor", "session_energy", "Session energy",
         measured("energy", "kWh", "total_increasing", "session_energy_kwh")},
        {"sensor", "status", "Status", json{{"value_template", "{{ value_json.status }}"}}},
    };
}

}  // namespace

const std::vector<std::string>& home_assistant_setting_keys() {
    static const std::vector<std::string> keys{"broker", "discovery_prefix", "base_topic", "node_id", "state_interval"};
    return keys;
}

HomeAssistantSettings parse_home_assistant_settings(const ConfigNode& node) {
    HomeAssistantSettings s;
    auto topic_part = [&](const char* key, const std::string& fallback) {
        auto value = node.get_string(key, fallback);
        if (value.empty() || value.find_first_of("+#") != std::string::npos) {
            node.required(key).fail(std::string(key) + " must be a topic without wildcards");
        }
        return value;
    };
    s.discovery_prefix = topic_part("discovery_prefix", s.discovery_prefix);
    s.base_topic = topic_part("base_topic", s.base_topic);
    s.node_id = node.get_string("node_id", s.node_id);
    for (char c : s.node_id) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
            node.required("node_id").fail("node_id may hold only letters, digits, '_' and '-' (Home Assistant's rule)");
        }
    }
    s.state_interval =
        node.get_duration("state_interval", s.state_interval, std::chrono::seconds(1), std::chrono::hours(1));
    return s;
}

mqtt::MqttMessage home_assistant_will(const HomeAssistantSettings& settings) {
    return {settings.base_topic + "/status", "offline", 1, true};
}

HomeAssistantDiscovery::HomeAssistantDiscovery(Executor& executor, station::Station& station, mqtt::MqttClient& client,
                                               HomeAssistantSettings settings)
    : executor_(executor), station_(station), client_(client), settings_(std::move(settings)) {
    std::weak_ptr<int> alive = alive_;
    auto follow = [this, alive](const station::Station::Charger& charger) {
        if (!alive.expired() && running_) {
            maybe_publish_state(charger);
        }
    };
    station_.on_status(follow);
    station_.on_user_change(follow);
}

HomeAssistantDiscovery::~HomeAssistantDiscovery() {
    stop();
}

std::string HomeAssistantDiscovery::charger_topic(const std::string& id, const std::string& leaf) const {
    return settings_.base_topic + "/" + id + "/" + leaf;
}

std::string HomeAssistantDiscovery::object_id(const std::string& charger_id, const std::string& entity) const {
    return settings_.node_id + "_" + charger_id + "_" + entity;
}

double HomeAssistantDiscovery::current_ceiling(const station::Station::Charger& charger) const {
    return station::UserCommands(station_).current_ceiling(charger);
}

void HomeAssistantDiscovery::start() {
    if (running_) {
        return;
    }
    running_ = true;
    const std::string birth = settings_.discovery_prefix + "/status";
    subscriptions_.push_back(client_.subscribe(birth, 1, [this](const mqtt::MqttMessage& m) {
        if (m.payload == "online") {
            ++stats_.births;
            logger()->info("Home Assistant came online: discovery and state published again");
            publish_configs();
            for (const auto& charger : station_.chargers()) {
                publish_state(charger);
            }
        }
    }));
    subscriptions_.push_back(
        client_.subscribe(settings_.base_topic + "/+/+/set", 1, [this](const mqtt::MqttMessage& m) {
            // <base>/<charger>/<what>/set
            std::string rest = m.topic.substr(settings_.base_topic.size() + 1);
            auto slash = rest.find('/');
            on_command(rest.substr(0, slash), rest.substr(slash + 1, rest.rfind('/') - slash - 1), m.payload);
        }));
    subscriptions_.push_back(client_.subscribe(settings_.discovery_prefix + "/+/+/config", 1,
                                               [this](const mqtt::MqttMessage& m) { on_config_seen(m); }));
    client_.retain(settings_.base_topic + "/status", "online", 1);
    publish_configs();
    for (const auto& charger : station_.chargers()) {
        publish_state(charger);
    }
    periodic_ = executor_.schedule_every(settings_.state_interval, [this] {
        for (const auto& charger : station_.chargers()) {
            publish_state(charger);
        }
    });
    client_.start();
}

void HomeAssistantDiscovery::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    for (auto id : subscriptions_) {
        client_.unsubscribe(id);
    }
    subscriptions_.clear();
    if (periodic_) {
        executor_.cancel(*periodic_);
        periodic_.reset();
    }
    for (auto& [id, timer] : pending_state_) {
        if (timer) {
            executor_.cancel(*timer);
        }
    }
    pending_state_.clear();
    // A clean stop says offline itself; the will covers the unclean ones.
    client_.retain(settings_.base_topic + "/status", "offline", 1);
}

void HomeAssistantDiscovery::publish_configs() {
    for (const auto& charger : station_.chargers()) {
        const std::string& id = charger.config.id;
        const auto& status = charger.driver->status();
        json device{{"identifiers", json::array({settings_.node_id + "_" + id})},
                    {"name", charger.user.custom_name.empty() ? id : charger.user.custom_name},
                    {"manufacturer", charger.config.type == "alfen" ? "Alfen" : "evchargerd"},
                    {"model", status.model.empty() ? charger.config.type : status.model},
                    {"via_device", settings_.node_id}};
        if (!status.firmware.empty()) {
            device["sw_version"] = status.firmware;
        }
        if (!status.serial.empty()) {
            device["serial_number"] = status.serial;
        }
        json availability = json::array(
            {json{{"topic", settings_.base_topic + "/status"}}, json{{"topic", charger_topic(id, "availability")}}});
        auto common = [&](const std::string& key, const std::string& name) {
            return json{{"name", name},
                        {"unique_id", object_id(id, key)},
                        {"object_id", object_id(id, key)},
                        {"state_topic", charger_topic(id, "state")},
                        {"availability", availability},
                        {"availability_mode", "all"},
                        {"device", device}};
        };
        std::vector<EntitySpec> specs = sensor_specs();
        specs.push_back({"switch", "charging", "Charging",
                         json{{"command_topic", charger_topic(id, "charging/set")},
                              {"value_template", "{{ value_json.enabled }}"},
                              {"payload_on", "ON"},
                              {"payload_off", "OFF"}}});
        specs.push_back({"number", "set_current", "Charge current",
                         json{{"command_topic", charger_topic(id, "current/set")},
                              {"value_template", "{{ value_json.set_current }}"},
                              {"min", charger.config.limits.min_current_a},
                              {"max", current_ceiling(charger)},
                              {"step", 0.5},
                              {"mode", "slider"},
                              {"device_class", "current"},
                              {"unit_of_measurement", "A"}}});
        specs.push_back({"select", "mode", "Mode",
                         json{{"command_topic", charger_topic(id, "mode/set")},
                              {"value_template", "{{ value_json.mode }}"},
                              {"options", json::array({mode_names[0], mode_names[1], mode_names[2]})}}});
        for (const auto& spec : specs) {
            json config = common(spec.key, spec.name);
            config.update(spec.extra);
            std::string topic =
                settings_.discovery_prefix + "/" + spec.component + "/" + object_id(id, spec.key) + "/config";
            ours_.insert(topic);
            client_.retain(topic, config.dump(), 1);
            ++stats_.config_publishes;
        }
    }
}

void HomeAssistantDiscovery::maybe_publish_state(const station::Station::Charger& charger) {
    const std::string id = charger.config.id;
    auto& pending = pending_state_[id];
    if (pending) {
        return;  // a trailing publish is already due
    }
    auto last = last_state_.find(id);
    if (last == last_state_.end() || executor_.now() - last->second >= settings_.min_state_gap) {
        publish_state(charger);
        return;
    }
    pending = executor_.schedule_at(last->second + settings_.min_state_gap, [this, id] {
        pending_state_[id].reset();
        if (const auto* charger = station_.find(id)) {
            publish_state(*charger);
        }
    });
}

void HomeAssistantDiscovery::publish_state(const station::Station::Charger& charger) {
    const std::string& id = charger.config.id;
    const auto& status = charger.driver->status();
    const auto& session = charger.driver->session();
    const bool up = reachable(charger);
    double current = 0;
    double voltage = 0;
    for (const auto& phase : status.phases) {
        current = std::max(current, phase.current_a);
        voltage = std::max(voltage, phase.voltage_v);
    }
    const double ceiling = current_ceiling(charger);
    json state{{"power", up ? status.power_w : 0.0},
               {"energy_kwh", status.energy_wh / 1000.0},
               {"current", up ? current : 0.0},
               {"voltage", voltage},
               {"session_energy_kwh", (session.active ? session.energy_wh : session.last_energy_wh) / 1000.0},
               {"status", venus::status_text(static_cast<int>(venus::evcs_status(charger)))},
               {"enabled", charger.user.enabled ? "ON" : "OFF"},
               {"set_current", std::min(charger.user.current_a, ceiling)},
               {"mode", mode_names[static_cast<int>(charger.user.mode)]}};
    client_.retain(charger_topic(id, "state"), state.dump(), 0);
    ++stats_.state_publishes;
    last_state_[id] = executor_.now();
    const std::string availability = up ? "online" : "offline";
    if (availability_[id] != availability) {
        availability_[id] = availability;
        client_.retain(charger_topic(id, "availability"), availability, 1);
    }
}

void HomeAssistantDiscovery::on_command(const std::string& charger_id, const std::string& what,
                                        const std::string& payload) {
    ++stats_.commands;
    const auto* charger = station_.find(charger_id);
    auto refuse = [&](const std::string& why) {
        ++stats_.refused_commands;
        logger()->warn("refused {} '{}' for {}: {}", what, payload, charger_id, why);
        if (charger != nullptr) {
            publish_state(*charger);  // Home Assistant shows what holds, not what it sent
        }
    };
    if (charger == nullptr) {
        refuse("no such charger");
        return;
    }
    if (what == "charging") {
        if (payload != "ON" && payload != "OFF") {
            refuse("the payload is neither ON nor OFF");
        } else if (auto result = station::UserCommands(station_).set_enabled(charger_id, payload == "ON");
                   !result.ok()) {
            refuse(result.why);
        }
    } else if (what == "current") {
        std::size_t used = 0;
        double amps = std::nan("");
        try {
            amps = std::stod(payload, &used);
        } catch (const std::exception&) {
        }
        const double ceiling = current_ceiling(*charger);
        if (!std::isfinite(amps) || used != payload.size()) {
            refuse("not a number");
        } else if (amps < 0 || amps > ceiling) {
            refuse("outside 0 to " + json(ceiling).dump() + " A");
        } else if (auto result = station::UserCommands(station_).set_current(charger_id, amps); !result.ok()) {
            refuse(result.why);
        }
    } else if (what == "mode") {
        int mode = -1;
        for (int i = 0; i < 3; ++i) {
            mode = payload == mode_names[i] ? i : mode;
        }
        if (mode < 0) {
            refuse("not one of Manual, Auto, Scheduled");
        } else if (auto result = station::UserCommands(station_).set_mode(charger_id, mode); !result.ok()) {
            refuse(result.why);
        }
    } else {
        refuse("no such command");
    }
}

void HomeAssistantDiscovery::on_config_seen(const mqtt::MqttMessage& message) {
    // <prefix>/<component>/<object_id>/config, retained on the broker from an earlier run.
    if (!message.retained || message.payload.empty() || ours_.count(message.topic) != 0) {
        return;
    }
    auto end = message.topic.rfind('/');
    auto start = message.topic.rfind('/', end - 1);
    std::string object = message.topic.substr(start + 1, end - start - 1);
    if (object.rfind(settings_.node_id + "_", 0) != 0) {
        return;  // another publisher's entity
    }
    logger()->info("removing {} from Home Assistant: its charger is no longer configured", object);
    client_.retain(message.topic, "", 1);
    ++stats_.removed_configs;
}

}  // namespace evhil::homeassistant
