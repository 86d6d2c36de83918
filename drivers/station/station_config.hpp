#pragma once
// The station's configuration: chargers, controller, circuits and limits. One schema, read by evchargerd from
// its YAML file and by the harness from a scenario's devices:/controller:/circuits: (docs/configuration.md):
//
//   devices:
//     garage:                           # the charger's id: names it in logs, signals and the state file
//       type: alfen                     # a row of the charger table (charger_kinds.cpp)
//       endpoint: {host: 192.168.1.20}  # where it is; the kind says which keys
//       driver: {poll_interval: 1s}     # the kind's driver settings
//       limits: {max_current: 16, cable_max_current: 20, min_current: 6, vehicle_start_grace: 30s}
//       circuit: garage                 # the circuit it hangs on
//       on_shutdown: pause              # or fallback: what the charger is left at when the station stops
//   circuits:
//     house: {max_current: 25}                  # per phase
//     garage: {max_current: 20, parent: house}
//       phase_switching: true           # the charger may switch between 1 and 3 phases (Alfen 1215), for Auto
//   controller: {type: manual, enabled: true, current: 16, max_current: 32, min_current: 6,
//                solar: {enable_delay: 1m, ...}}   # Auto's settings (drivers/control/solar_controller.hpp)
//                schedule: {timezone: Europe/Amsterdam, windows: [{days: [mon], from: "22:00", to: "06:00"}]}}
//   (type: auto or scheduled starts every charger in that mode; Auto needs solar: and the site's readings,
//    Scheduled needs schedule:)
//
// Keys a caller adds to a device (a scenario's station: and ev:) are allowed through `extra_device_keys`.

#include <optional>
#include <string>
#include <vector>

#include "drivers/control/manual_controller.hpp"
#include "drivers/control/schedule_controller.hpp"
#include "drivers/control/solar_controller.hpp"
#include "drivers/core/config.hpp"
#include "drivers/station/safety_limiter.hpp"

namespace evhil::station {

// What a charger is left at when the station stops (evchargerd's SIGTERM): paused at 0 A, or left to the station's
// own fallback (its validity time runs out and it applies its safe current by itself).
enum class ShutdownAction { pause, fallback };

struct ChargerConfig {
    std::string id;
    std::string type;
    std::optional<ConfigNode> driver;
    std::optional<ConfigNode> endpoint;
    ChargerLimits limits;
    ShutdownAction on_shutdown = ShutdownAction::pause;
    bool phase_switching = false;  // Auto may switch it between one and three phases
    // How long a vehicle in state B that has just been offered current counts as active on its circuits, so that
    // a car slower to start than its neighbour keeps its share. IEC 61851 gives the EV no deadline to close S2;
    // cars take from under a second to tens of seconds when they wake up, so the default is generous.
    Duration vehicle_start_grace = std::chrono::seconds(30);
    bool read_only = false;  // never command (a bench file's read_only); set by the harness, not the YAML
    ConfigNode node;
};

struct ControllerConfig {
    std::string type = "manual";  // the mode every charger starts in: manual or auto
    control::ManualSettings manual;
    std::optional<control::SolarSettings> solar;      // Auto's settings; without them Auto is refused
    std::optional<control::ScheduledSettings> schedule;  // Scheduled's settings; without them Scheduled is refused
    ConfigNode node;
};

struct StationConfig {
    std::vector<ChargerConfig> chargers;
    ControllerConfig controller;
    std::vector<CircuitConfig> circuits;
};

struct StationSchema {
    std::vector<std::string> extra_device_keys;  // allowed in a device beyond the station's own
    bool endpoint_required = true;               // the daemon needs one; a scenario's simulator is found by id
};

// Reads devices:, circuits: and controller: of `root` (other keys are the caller's). Throws ConfigError.
StationConfig parse_station_config(const ConfigNode& root, const StationSchema& schema);
// The station's own device keys.
const std::vector<std::string>& station_device_keys();

}  // namespace evhil::station
