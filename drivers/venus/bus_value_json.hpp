#pragma once
// Bus values as JSON, the way Venus MQTT carries them: invalid is null, a bool, an integer, a float or a text as
// themselves. An object or an array has no bus value and is refused with the reason.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "drivers/venus/bus_value.hpp"

namespace evhil::venus {

nlohmann::json to_json_value(const BusValue& value);
std::optional<BusValue> from_json_value(const nlohmann::json& json, std::string& error);

}  // namespace evhil::venus
