#pragma once
// Home Assistant MQTT discovery for every charger of the station (docs/homeassistant.md):
//
//  - retained discovery configs under <prefix>/<component>/<node>_<charger>_<entity>/config, each with a unique id
//    and one device block per charger: sensors for power (W, measurement), energy (kWh, total_increasing), current,
//    voltage, session energy (kWh, total_increasing: a new session starts a new meter cycle) and status; a switch for
//    charging; a number for the current, bounded by the charger's real limits; a select for the mode;
//  - one JSON state per charger on <base>/<charger>/state, the entities reading it with value templates, published
//    when the station changes and at least every state_interval;
//  - availability: <base>/status (online, and offline as the client's last will) and <base>/<charger>/availability
//    (online while the charger is reachable), both required (availability_mode all);
//  - on Home Assistant's birth message (online on <prefix>/status) every config and state is published again;
//  - commands on <base>/<charger>/{charging,current,mode}/set go through the same station calls, and the same
//    validation, as a Venus SetValue; a refused command is logged with the reason and the state is republished so that
//    Home Assistant shows what holds;
//  - a charger that is no longer in the configuration: its retained configs, found on the broker, are cleared with
//    empty retained payloads, so Home Assistant removes the entities.
//
// Covered by tests/unit/home_assistant_test.cpp and tests/cli/evchargerd_homeassistant_test.sh.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/station/station.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"

namespace evhil::homeassistant {

struct HomeAssistantSettings {
    std::string discovery_prefix = "homeassistant";
    std::string base_topic = "evchargerd";
    std::string node_id = "evchargerd";  // the first part of every unique id: one per evchargerd on a broker
    Duration state_interval = std::chrono::seconds(30);
    Duration min_state_gap = std::chrono::milliseconds(500);  // state updates at most this often per charger
};
// The homeassistant: section without its broker: discovery_prefix, base_topic, node_id, state_interval.
HomeAssistantSettings parse_home_assistant_settings(const ConfigNode& node);
const std::vector<std::string>& home_assistant_setting_keys();
// The client's last will for these settings: <base>/status offline, retained.
mqtt::MqttMessage home_assistant_will(const HomeAssistantSettings& settings);

class HomeAssistantDiscovery {
public:
    struct Stats {
        std::uint64_t config_publishes = 0;
        std::uint64_t state_publishes = 0;
        std::uint64_t births = 0;
        std::uint64_t commands = 0;
        std::uint64_t refused_commands = 0;
        std::uint64_t removed_configs = 0;
    };

    // `client` must carry home_assistant_will(settings) as its will; the discovery starts it.
    HomeAssistantDiscovery(Executor& executor, station::Station& station, mqtt::MqttClient& client,
                           HomeAssistantSettings settings);
    ~HomeAssistantDiscovery();
    HomeAssistantDiscovery(const HomeAssistantDiscovery&) = delete;
    HomeAssistantDiscovery& operator=(const HomeAssistantDiscovery&) = delete;

    void start();
    void stop();
    const Stats& stats() const { return stats_; }

private:
    struct Entity;
    void publish_configs();
    void publish_state(const station::Station::Charger& charger);
    void maybe_publish_state(const station::Station::Charger& charger);
    void on_command(const std::string& charger_id, const std::string& what, const std::string& payload);
    void on_config_seen(const mqtt::MqttMessage& message);
    std::string charger_topic(const std::string& id, const std::string& leaf) const;
    std::string object_id(const std::string& charger_id, const std::string& entity) const;
    double current_ceiling(const station::Station::Charger& charger) const;

    Executor& executor_;
    station::Station& station_;
    mqtt::MqttClient& client_;
    HomeAssistantSettings settings_;
    bool running_ = false;
    std::map<std::string, TimePoint> last_state_;
    std::map<std::string, std::optional<Executor::TimerId>> pending_state_;
    std::map<std::string, std::string> availability_;
    std::set<std::string> ours_;  // the config topics this run publishes
    std::vector<mqtt::MqttClient::SubscriptionId> subscriptions_;
    std::optional<Executor::TimerId> periodic_;
    Stats stats_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace evhil::homeassistant
