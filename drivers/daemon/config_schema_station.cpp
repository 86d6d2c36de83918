// The station's part of evchargerd's schema: devices:, circuits: and controller: (drivers/station/station_config.cpp,
// drivers/control/*.cpp, drivers/venus/evcharger_settings.cpp). Properties are in the order of each loader's
// allow_keys.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "drivers/daemon/config_schema.hpp"
#include "drivers/station/charger_kinds.hpp"

namespace evhil::daemon::schema_parts {
namespace {

constexpr const char* devices_text = R"json({
  "type": "object",
  "description": "the chargers, by id (the id names a charger in logs, the state file and on the bus)",
  "additionalProperties": {
    "type": "object",
    "description": "one charger",
    "additionalProperties": false,
    "required": ["type", "endpoint"],
    "properties": {
      "type": {"type": "string", "description": "the charger's kind"},
      "endpoint": {"type": "object", "additionalProperties": true, "x-kind-specific": true,
                   "description": "where the charger is: host, port, ... (the keys depend on type)"},
      "driver": {"type": "object", "additionalProperties": true, "x-kind-specific": true,
                 "description": "the driver's settings (the keys depend on type)"},
      "limits": {
        "type": "object",
        "description": "this charger's current limits",
        "additionalProperties": false,
        "properties": {
          "max_current": {"type": "number", "minimum": 0, "maximum": 80,
                          "description": "the installation's limit for this charger, A"},
          "cable_max_current": {"type": "number", "minimum": 0, "maximum": 80,
                                "description": "the cable's rating, A"},
          "min_current": {"type": "number", "minimum": 6, "maximum": 80, "default": 6,
                          "description": "below this the charger is paused rather than offered too little, A"},
          "vehicle_start_grace": {"type": ["string", "number"], "format": "duration", "minimum": 0, "maximum": 3600,
                                  "default": "30s",
                                  "description": "how long a car that has not started yet keeps its circuit share"}
        }
      },
      "circuit": {"type": "string", "description": "the circuit it hangs on: a name under circuits:"},
      "on_shutdown": {"type": "string", "enum": ["pause", "fallback"], "default": "pause",
                      "description": "when evchargerd stops: pause at 0 A, or leave it to the station's safe current"},
      "venus": {
        "type": "object",
        "description": "how the charger appears on a Victron bus",
        "additionalProperties": false,
        "properties": {
          "name": {"type": "string", "description": "com.victronenergy.evcharger.<name>: letters, digits and _"},
          "device_instance": {"type": "integer", "minimum": 0, "maximum": 999,
                              "description": "the VRM device instance (default 40, 41, ... in the order of devices)"},
          "product_id": {"type": "integer", "minimum": 0, "maximum": 65535, "default": 49188,
                         "description": "the product id the GX shows (0xC024: Victron's EVCS AC22)"},
          "position": {"type": "string", "enum": ["ac_output", "ac_input"], "default": "ac_input",
                       "description": "which side of the inverter it is on (ac_input: the grid side)"},
          "product_name": {"type": "string", "description": "the product name shown (default: from type and model)"}
        }
      },
      "phase_switching": {"type": "boolean", "default": false,
                          "description": "Auto may switch the charger between one and three phases"}
    }
  }
})json";

constexpr const char* circuits_text = R"json({
  "type": "object",
  "description": "a tree of circuits, by name, each shared by the chargers on it and below it",
  "additionalProperties": {
    "type": "object",
    "description": "one circuit",
    "additionalProperties": false,
    "required": ["max_current"],
    "properties": {
      "max_current": {"type": "number", "minimum": 0, "maximum": 1000, "description": "its limit per phase, A"},
      "parent": {"type": "string", "description": "the circuit it hangs on"}
    }
  }
})json";

constexpr const char* controller_text = R"json({
  "type": "object",
  "description": "how the chargers are driven: Manual, Auto (solar surplus) or Scheduled",
  "additionalProperties": false,
  "required": ["type"],
  "properties": {
    "type": {"type": "string", "enum": ["manual", "auto", "scheduled"],
             "description": "the mode every charger starts in (auto needs solar:, scheduled needs schedule:)"},
    "enabled": {"type": "boolean", "default": false, "description": "charging on at start (the user's Start/Stop)"},
    "current": {"type": "number", "minimum": 0, "maximum": 80, "default": 16, "description": "the user's current, A"},
    "max_current": {"type": "number", "minimum": 6, "maximum": 80, "default": 32,
                    "description": "the installation's limit for every charger, A"},
    "min_current": {"type": "number", "default": 6,
                    "description": "the minimum charging current, A (6 up to max_current)"},
    "solar": {
      "type": "object",
      "description": "Auto's settings: charging from the solar surplus (needs venus:)",
      "additionalProperties": false,
      "properties": {
        "source": {"type": "string", "enum": ["system", "grid"], "default": "system",
                   "description": "system: the GX's PV and consumption; grid: the grid and home battery power"},
        "residual_power": {"type": "number", "minimum": -100000, "maximum": 100000, "default": 0,
                           "description": "W left to the house or the grid"},
        "priority_soc": {"type": "number", "minimum": 0, "maximum": 100, "default": 0,
                         "description": "%: below it the home battery charges first"},
        "buffer_soc": {"type": "number", "minimum": 0, "maximum": 100,
                       "description": "%: above it the car may draw from the home battery"},
        "enable_delay": {"type": ["string", "number"], "format": "duration", "minimum": 0, "maximum": 3600,
                         "default": "1m", "description": "how long the surplus must hold before charging starts"},
        "disable_delay": {"type": ["string", "number"], "format": "duration", "minimum": 0, "maximum": 3600,
                          "default": "3m", "description": "how long the surplus must be missing before it stops"},
        "min_charge_duration": {"type": ["string", "number"], "format": "duration", "minimum": 0, "maximum": 14400,
                                "default": "5m", "description": "once started, charging lasts at least this long"},
        "hysteresis": {"type": "number", "minimum": 0, "maximum": 10000, "default": 0,
                       "description": "W above the minimum power to start, below it to stop"},
        "min_plus_solar": {"type": "boolean", "default": false,
                           "description": "always at least the minimum current, plus the surplus"},
        "phase_switch_delay": {"type": ["string", "number"], "format": "duration", "minimum": 0, "maximum": 3600,
                               "default": "2m", "description": "how long the surplus must hold before a phase switch"},
        "max_phase_switches": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 6,
                               "description": "phase switches a session at most"},
        "default_min_soc": {"type": "number", "minimum": 0, "maximum": 100, "default": 10,
                            "description": "%, the home battery's minimum when the GX gives none"},
        "smart_cost_limit": {"type": "number", "minimum": -1000000, "maximum": 1000000,
                             "description": "with prices: at or below this price charge at full current from the grid"},
        "feed_in_priority_limit": {"type": "number", "minimum": -1000000, "maximum": 1000000,
                                   "description": "with prices: at or above this feed-in price export the surplus"}
      }
    },
    "schedule": {
      "type": "object",
      "description": "Scheduled's weekly windows, price strategy or charge plan",
      "additionalProperties": false,
      "required": ["timezone"],
      "properties": {
        "timezone": {"type": "string", "description": "a tz database name such as Europe/Amsterdam"},
        "windows": {
          "type": "array",
          "description": "weekly charging windows, in local time",
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["from", "to"],
            "properties": {
              "days": {"type": ["array", "string"], "default": "all",
                       "items": {"type": "string", "enum": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]},
                       "description": "the days it starts on: a list such as [mon, tue], or all"},
              "from": {"type": "string", "description": "local start time, such as \"22:00\""},
              "to": {"type": "string", "description": "local end time (not after from: past midnight)"},
              "current": {"type": "number", "minimum": 0, "maximum": 80,
                          "description": "the current in the window, A (default: the user's)"}
            }
          }
        },
        "strategy": {
          "type": "object",
          "description": "charge when prices are low (needs prices:)",
          "additionalProperties": false,
          "required": ["type"],
          "properties": {
            "type": {"type": "string", "enum": ["level", "threshold", "percentile"],
                     "description": "by the price's level, under max_price, or under a percentile of known prices"},
            "levels": {"type": "array", "items": {"type": "string"}, "default": ["CHEAP", "VERY_CHEAP"],
                       "description": "level: VERY_CHEAP, CHEAP, NORMAL, EXPENSIVE or VERY_EXPENSIVE"},
            "max_price": {"type": "number", "minimum": -1000000, "maximum": 1000000,
                          "description": "threshold: the highest price to charge at (the API's unit)"},
            "percentile": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.3,
                           "description": "percentile: the quantile of known prices to charge under"}
          }
        },
        "plan": {
          "type": "object",
          "description": "charge in the cheapest slots before a deadline (one goal: energy or soc)",
          "additionalProperties": false,
          "required": ["by"],
          "properties": {
            "energy": {"type": "number", "minimum": 0.1, "maximum": 500, "description": "the goal: kWh this session"},
            "soc": {"type": "number", "minimum": 1, "maximum": 100, "description": "the goal: the vehicle's SOC, %"},
            "by": {"type": "string", "description": "the deadline, local time of day as HH:MM"},
            "capacity": {"type": "number", "minimum": 1, "maximum": 500,
                         "description": "the vehicle's battery, kWh, for a soc goal"},
            "taper_from_soc": {"type": "number", "minimum": 0, "maximum": 100, "default": 80,
                               "description": "%, where the vehicle starts drawing less"},
            "efficiency": {"type": "number", "minimum": 0.5, "maximum": 1, "default": 0.92,
                           "description": "battery energy per kWh delivered"},
            "margin": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.05,
                       "description": "extra time planned, as a fraction"}
          }
        }
      }
    }
  }
})json";

}  // namespace

nlohmann::ordered_json station_properties() {
    auto devices = nlohmann::ordered_json::parse(devices_text);
    // The kinds come from the charger table, so a new row shows up here by itself.
    devices["additionalProperties"]["properties"]["type"]["description"] =
        fmt::format("the charger's kind: {}", fmt::join(station::charger_type_names(), ", "));
    nlohmann::ordered_json properties;
    properties["devices"] = std::move(devices);
    properties["circuits"] = nlohmann::ordered_json::parse(circuits_text);
    properties["controller"] = nlohmann::ordered_json::parse(controller_text);
    return properties;
}

}  // namespace evhil::daemon::schema_parts
