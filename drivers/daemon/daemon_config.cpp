#include "drivers/daemon/daemon_config.hpp"

#include <cstdlib>
#include <fstream>

#include "drivers/core/schema_check.hpp"
#include "drivers/daemon/config_schema.hpp"
#include "drivers/transport/mqtt/mqtt_settings.hpp"

namespace evhil::daemon {

using namespace std::chrono_literals;

DaemonConfig load_daemon_config(const std::string& path) {
    auto config = parse_daemon_config(ConfigNode::load_file(path));
    config.file = path;
    return config;
}

DaemonConfig load_daemon_config_text(const std::string& text, const std::string& name) {
    return parse_daemon_config(ConfigNode::load_string(text, name));
}

DaemonConfig parse_daemon_config(const ConfigNode& root) {
    check_against_schema(root, daemon_config_schema());
    root.expect_map();
    root.allow_keys({"devices", "circuits", "controller", "log", "state", "shutdown_timeout", "venus", "venus_mqtt",
                     "homeassistant", "prices", "web"});
    DaemonConfig config;
    config.station = station::parse_station_config(root, {.extra_device_keys = {}, .endpoint_required = true});
    if (auto log = root.optional("log")) {
        log->allow_keys({"level", "status_interval"});
        if (auto level = log->optional("level")) {
            config.log_level = spdlog::level::from_str(level->as_enum({"trace", "debug", "info", "warn", "error"}));
        }
        config.status_interval = log->get_duration("status_interval", config.status_interval, 1s, 24h);
    }
    if (auto state = root.optional("state")) {
        state->allow_keys({"file", "interval"});
        config.state_file = state->required("file").as_string();
        config.state_interval = state->get_duration("interval", config.state_interval, 10ms, 24h);
    }
    config.shutdown_timeout = root.get_duration("shutdown_timeout", config.shutdown_timeout, 0ms, 10s);
    // Every charger's venus: block is checked, whether or not the output is on, so a typo never waits for the day
    // the output is switched on.
    DaemonConfig::Venus venus;
    venus.chargers = venus::parse_station_evchargers(config.station.chargers);
    if (auto section = root.optional("venus")) {
        section->allow_keys({"bus"});
        auto bus = section->get_string("bus", "system");
        venus.address = bus == "system" ? "" : bus;
        config.venus = std::move(venus);
    }
    if (config.station.controller.solar && !config.venus) {
        root.required("controller")
            .required("solar")
            .fail("Auto reads the site from the GX's system service: it needs a venus: section (the GX's bus)");
    }
    if (auto section = root.optional("venus_mqtt")) {
        section->expect_map();
        section->allow_keys({"broker", "portal_id"});
        if (!config.venus) {
            section->fail("venus_mqtt mirrors the Venus bus: it needs a venus: section too");
        }
        DaemonConfig::VenusMqtt bridge;
        mqtt::MqttSettings defaults;
        defaults.client_id = "evchargerd-venus-mqtt";
        bridge.broker = parse_mqtt_settings(section->required("broker"), defaults);
        bridge.portal_id = section->get_string("portal_id", local_portal_id());
        if (bridge.portal_id.empty() || bridge.portal_id.find_first_of("/+# ") != std::string::npos) {
            section->fail("no usable portal_id (12 lower-case hex digits on a GX): give one");
        }
        config.venus_mqtt = std::move(bridge);
    }
    if (auto section = root.optional("prices")) {
        config.prices = prices::parse_price_feed_config(*section);
    }
    if (auto section = root.optional("homeassistant")) {
        section->expect_map();
        section->allow_keys(homeassistant::home_assistant_setting_keys());
        DaemonConfig::HomeAssistant ha;
        ha.settings = homeassistant::parse_home_assistant_settings(*section);
        mqtt::MqttSettings defaults;
        defaults.client_id = "evchargerd-" + ha.settings.node_id;
        ha.broker = parse_mqtt_settings(section->required("broker"), defaults);
        ha.broker.will = homeassistant::home_assistant_will(ha.settings);
        config.homeassistant = std::move(ha);
    }
    if (auto section = root.optional("web")) {
        config.web =
            web::parse_web_settings(*section, [](const char* name) -> const char* { return std::getenv(name); });
    }
    return config;
}

std::string local_portal_id() {
    std::string line;
    if (std::ifstream unique("/data/venus/unique-id"); unique && std::getline(unique, line)) {
        auto begin = line.find_first_not_of(" \t\r");
        auto end = line.find_last_not_of(" \t\r");
        if (begin != std::string::npos) {
            return line.substr(begin, end - begin + 1);
        }
    }
    if (std::ifstream machine("/etc/machine-id"); machine && std::getline(machine, line) && line.size() >= 12) {
        return line.substr(0, 12);
    }
    return "";
}

}  // namespace evhil::daemon
