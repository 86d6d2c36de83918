#pragma once
// evchargerd's configuration file: the station (devices:, circuits:, controller: — the schema a scenario uses
// too, drivers/station/station_config.hpp) plus what only the daemon has:
//
//   log: {level: info, status_interval: 5m}    # spdlog level; every device's state and counters this often
//   state: {file: /var/lib/evchargerd/state.json, interval: 1m}   # the user's settings and running sessions
//   shutdown_timeout: 1500ms                   # how long SIGTERM waits for the chargers to acknowledge 0 A
//   venus: {bus: system}                       # an evcharger service per charger on the Victron bus
//   venus_mqtt: {broker: {host: 127.0.0.1}, portal_id: 0123456789ab}   # the bus mirrored as a GX's Venus MQTT
//   homeassistant: {broker: {host: 127.0.0.1, port: 1883}, discovery_prefix: homeassistant, base_topic: evchargerd}
//   prices: {provider: tibber, token: "..."}   # energy prices for Scheduled and Auto (drivers/prices/price_feed.hpp)
//   web: {host: 127.0.0.1, port: 8088}         # the web UI and REST API (drivers/web/web_settings.hpp)
//
// Every problem is a ConfigError "FILE:LINE:COL: message" (an unknown key, a wrong type, a value out of range, a
// missing field); evchargerd prints it and exits 2.

#include <optional>
#include <string>

#include <spdlog/common.h>

#include "drivers/core/clock.hpp"
#include "drivers/homeassistant/home_assistant.hpp"
#include "drivers/prices/price_feed.hpp"
#include "drivers/station/station_config.hpp"
#include "drivers/transport/mqtt/mqtt_types.hpp"
#include "drivers/venus/evcharger_settings.hpp"
#include "drivers/web/web_settings.hpp"

namespace evhil::daemon {

struct DaemonConfig {
    std::string file;  // where it was read from (the web UI's configuration page writes it back)
    station::StationConfig station;
    spdlog::level::level_enum log_level = spdlog::level::info;
    Duration status_interval = std::chrono::minutes(5);
    std::string state_file;  // empty: nothing is persisted
    Duration state_interval = std::chrono::minutes(1);
    Duration shutdown_timeout = std::chrono::milliseconds(1500);
    // The venus output: on when the file has a venus: section.
    struct Venus {
        std::string address;  // empty: the system bus (DBUS_SYSTEM_BUS_ADDRESS when set)
        std::vector<std::pair<std::string, venus::EvchargerSettings>> chargers;  // by charger id, in order
    };
    std::optional<Venus> venus;
    // The venus_mqtt output, for installations with no GX: the Venus bus (evchargerd's services and whatever else is
    // on it) mirrored onto a broker as a GX's bridge does. Needs venus:.
    struct VenusMqtt {
        mqtt::MqttSettings broker;
        std::string portal_id;
    };
    std::optional<VenusMqtt> venus_mqtt;
    struct HomeAssistant {
        mqtt::MqttSettings broker;
        homeassistant::HomeAssistantSettings settings;
    };
    std::optional<HomeAssistant> homeassistant;
    std::optional<prices::PriceFeedConfig> prices;
    std::optional<web::WebSettings> web;  // on when the file has a web: section
};

// The portal id of this machine as dbus-flashmq finds it: the first line of /data/venus/unique-id on Venus OS, else
// the first 12 hex digits of /etc/machine-id (a stand-in on other systems: UNCONFIRMED that any client cares), else
// empty.
std::string local_portal_id();

DaemonConfig load_daemon_config(const std::string& path);
// The same from text (PUT /api/config checks a new file before it is written); `name` stands for the file name in
// the errors.
DaemonConfig load_daemon_config_text(const std::string& text, const std::string& name);
DaemonConfig parse_daemon_config(const ConfigNode& root);

}  // namespace evhil::daemon
