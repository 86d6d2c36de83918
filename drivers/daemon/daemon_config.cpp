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
    venus.chargers = venus::parse_station_evchargers(config.station.chargers);
    if (auto section = root.optional("venus")) {
        section->allow_keys({"bus"});
        auto bus = section->get_string("bus", "system");
        venus.address = bus == "system" ? "" : bus;
        config.venus = std::move(venus);
    }
    return config;
}

}  // namespace evhil::daemon
