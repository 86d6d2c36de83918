#pragma once
// A charger's `venus:` settings in the station configuration: how it appears on the Victron bus.
//
//   devices:
//     garage:
//       type: alfen
//       venus: {name: garage, device_instance: 40, product_id: 0xC024, position: ac_input}
//
// Every key is optional. The name becomes com.victronenergy.evcharger.<name> (default: the charger's id), the
// device instance the VRM (and MQTT) instance it asks the GX's settings service for (default: 40 for the first
// charger, as Victron's own EVCS, then 41, ...; the settings service may give the next free one). product_id 0xC024 is Victron's EVCS AC22, so the GX GUI shows the EV-charger pages for it; that a
// third-party charger gets the full pages only with one of these ids is how existing drivers behave, not
// something Victron documents: UNCONFIRMED, hence a setting. position: ac_input (the grid side, where a wallbox
// usually sits because it draws more than an inverter's output would carry) or ac_output.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "drivers/core/config.hpp"
#include "drivers/station/station_config.hpp"

namespace evhil::venus {

enum class AcPosition : int { ac_output = 0, ac_input = 1 };

struct EvchargerSettings {
    std::string name;
    int device_instance = 40;
    int product_id = 0xC024;
    AcPosition position = AcPosition::ac_input;
    std::string product_name;  // empty: from the charger's type and model
};

// Reads the venus: block of a charger's entry (`charger`, the whole entry under devices:); `index` is the charger's
// position in the devices list. Throws ConfigError at the offending key, or at the entry for a bad default name.
EvchargerSettings parse_evcharger_settings(const ConfigNode& charger, const std::string& charger_id, std::size_t index);
// Every charger's settings, by charger id in the station's order; two chargers with the same name or device instance
// are a ConfigError at the key that clashes (at the second charger when it does not set the key).
using StationEvchargers = std::vector<std::pair<std::string, EvchargerSettings>>;
StationEvchargers parse_station_evchargers(const std::vector<station::ChargerConfig>& chargers);
// The rule for a D-Bus name element: letters, digits and '_', not starting with a digit.
bool valid_bus_name_element(const std::string& text);

}  // namespace evhil::venus
