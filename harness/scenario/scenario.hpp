#pragma once
// The scenario model: what a YAML scenario file says, typed and validated. The format is documented in
// docs/scenarios.md. Device-specific settings stay as ConfigNodes here and are parsed by the device's rig,
// so each device owns its own settings schema.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/core/config.hpp"
#include "drivers/homeassistant/home_assistant.hpp"
#include "drivers/station/station_config.hpp"
#include "drivers/venus/evcharger_settings.hpp"
#include "harness/scenario/expression.hpp"
#include "simulators/physics/ev.hpp"
#include "simulators/physics/site.hpp"
#include "simulators/victron/virtual_gx.hpp"

namespace evhil::harness {

struct EvSpec {
    physics::EvSettings settings;
    bool plugged_in = false;
};

// A device as the harness sees it: the station's charger config (driver, limits, circuit) is in
// Scenario::station; here is what only the harness has: the simulator's settings and the EV behind the cable.
struct DeviceSpec {
    std::string id;
    std::string type;
    std::optional<ConfigNode> station;  // simulator settings
    std::optional<ConfigNode> driver;   // driver settings (also in the station config)
    EvSpec ev;                          // one EV per charger
    ConfigNode node;                    // for error positions
};

struct FaultSpec;

// Parts of the site that faults name besides the charger devices: the GX of a gx: section, and the run's MQTT broker.
inline constexpr const char* gx_device = "gx";
inline constexpr const char* mqtt_device = "mqtt";
inline constexpr const char* tariff_device = "tariff";  // the price API of a tariff: section

struct Action {
    Duration at{0};
    std::string id;      // referenced by `after:` in expectations
    std::string what;    // scenario.cpp: action_names
    std::string device;  // the device a device action (plug_in, unplug, set_soc, fault) acts on; "gx" for the GX
    double value = 0;    // current, watts or soc, by action
    bool value_is_auto = false;                           // set_pv / set_load back to the profile
    std::string fault;                                    // fault name
    std::shared_ptr<const FaultSpec> fault_spec;          // how it behaves, from the device's fault list (faults.hpp)
    std::map<std::string, std::string> fault_params;      // code: exception code as written
    std::optional<Duration> fault_for;                    // fault switches itself off after this long
    Duration fault_delay{0};                              // late: how late each reply is
    std::size_t fault_byte = 7;                           // corrupt: index in the reply ADU (7 = function code)
    std::size_t fault_split_at = 4;                       // split: bytes sent before the gap
    Duration fault_gap = std::chrono::milliseconds(300);  // split: the gap
    std::string service;     // gx_set: the service ("evcharger.garage" or the full bus name)
    std::string path;        // gx_set: the path ("/SetCurrent")
    std::string text_value;  // gx_set, mqtt_write: the value as written; a number unless quoted
    bool value_is_text = false;
    std::string payload;  // mqtt_keepalive: its payload; ha_command: what Home Assistant sends
    std::string charger;  // ha_command: the charger
    std::string command;  // ha_command: charging | current | mode
    int line = 0;
};

// The GX's Venus MQTT bridge in a scenario (gx: {mqtt: {...}}): it runs on the run's broker with an app reading it.
struct GxMqttSpec {
    Duration keepalive_window = std::chrono::seconds(60);  // dbus-flashmq's; shorter keeps a wire scenario short
};

struct Expectation {
    std::string kind;  // eventually | within | always | never | at_end
    Condition condition;
    std::optional<Duration> from;
    std::optional<Duration> until;       // also the deadline of `eventually` (written `by:`)
    std::optional<Duration> within;      // for `within`
    std::string after_event;             // for `within`: an action id...
    std::optional<Duration> after_time;  // ...or a time
    std::string description;
    ConfigNode node;
};

struct Scenario {
    std::string name;
    std::string file;
    std::string description;
    std::vector<std::string> targets;
    // Slack added to timing expectations (`within`, `by`, `from`) per real-time target: sockets, threads and
    // the scheduler add latency that the virtual clock of the sim target does not have.
    std::map<std::string, Duration> timing_tolerance{{"wire", std::chrono::seconds(1)},
                                                     {"bench", std::chrono::seconds(5)}};
    Duration duration{0};
    TimePoint start{};
    Duration record_interval = std::chrono::seconds(1);
    Duration physics_step = std::chrono::seconds(1);
    std::vector<DeviceSpec> devices;
    station::StationConfig station;  // devices:, circuits:, controller: in the schema evchargerd reads too
    physics::PvSettings pv;
    physics::HouseSettings house;
    // The Victron GX of the run (the gx: section): when set, the station's Venus output and a virtual GX run on a
    // bus of the run, with the GX GUI's signals and actions (harness/devices/gx/gx_rig.hpp).
    std::optional<sim::victron::GxSettings> gx;
    // gx: {gui: false}: the GX GUI does not follow the bus (no gx.SERVICE.PATH signals, no gx_set), for long runs
    // where following every path of every service costs a third of the time and only the energy ledger is judged.
    bool gx_gui = true;
    venus::StationEvchargers venus_chargers;  // every charger's venus: settings
    std::optional<GxMqttSpec> gx_mqtt;
    // Home Assistant discovery (the homeassistant: section as evchargerd reads it, on the run's broker), with Home
    // Assistant as a client of that broker (harness/devices/homeassistant/).
    std::optional<homeassistant::HomeAssistantSettings> homeassistant;
    // The price API (the tariff: section as harness/devices/tariffs/tariff_rig.hpp reads it), kept as its node: the
    // rig parses it, so that the scenario layer does not depend on the simulators' settings.
    std::optional<ConfigNode> tariff;
    std::vector<Action> timeline;
    std::vector<Expectation> expectations;
};

// The faults a device type accepts (nullptr for an unknown type). The rig table answers this
// (devices/rig.hpp: rig_faults), a layer above the scenario model; run/runner.hpp has the usual overload.
using FaultCatalogue = std::function<const std::vector<FaultSpec>*(const std::string& type)>;

// Throws ConfigError (FILE:LINE:COL) on anything wrong.
Scenario load_scenario(const std::string& path, const FaultCatalogue& faults);
// The files a list of paths stands for: files as given, folders searched for *.yaml / *.yml, sorted.
std::vector<std::string> expand_scenario_paths(const std::vector<std::string>& paths);

}  // namespace evhil::harness
