#include "drivers/daemon/daemon_config.hpp"

namespace evhil::daemon {

using namespace std::chrono_literals;

DaemonConfig load_daemon_config(const std::string& path) {
    auto root = ConfigNode::load_file(path);
    root.expect_map();
    root.allow_keys({"devices", "circuits", "controller", "log", "state", "shutdown_timeout", "venus"});
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
    const auto& chargers = config.station.chargers;
    for (std::size_t i = 0; i < chargers.size(); ++i) {
        venus.chargers.emplace_back(chargers[i].id,
                                    venus::parse_evcharger_settings(chargers[i].node, chargers[i].id, i));
        for (std::size_t j = 0; j < i; ++j) {
            const auto& [other_id, other] = venus.chargers[j];
            const auto& mine = venus.chargers[i].second;
            if (other.name == mine.name || other.device_instance == mine.device_instance) {
                const char* what = other.name == mine.name ? "name" : "device instance";
                // At the key that clashes when the charger sets it, else at the charger.
                ConfigNode at = chargers[i].node;
                if (auto block = chargers[i].node.optional("venus")) {
                    if (auto key = block->optional(other.name == mine.name ? "name" : "device_instance")) {
                        at = *key;
                    }
                }
                throw ConfigError(at.file(), at.line(), at.column(),
                                  "charger " + chargers[i].id + " has the same Venus " + what + " as " + other_id);
            }
        }
    }
    if (auto section = root.optional("venus")) {
        section->allow_keys({"bus"});
        auto bus = section->get_string("bus", "system");
        venus.address = bus == "system" ? "" : bus;
        config.venus = std::move(venus);
    }
    return config;
}

}  // namespace evhil::daemon
