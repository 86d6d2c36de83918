#pragma once
// evchargerd's configuration file as one declarative JSON Schema (a draft 2020-12 subset,
// drivers/core/schema_check.hpp): parse_daemon_config checks every file against it before the typed loaders read it,
// and the web UI builds its form from it (GET /api/config/schema).
//
// Every key the loaders accept is in it, each object's properties in the order of its loader's allow_keys (the order
// an "unknown key" message lists them in), with its type, range, choices, default and a one-line description.
// Extensions: "format": "duration" (a string such as "90s" or "1h30m", or a number of seconds; minimum and maximum
// in seconds), "x-secret": true (tokens, passwords, hashes: the UI masks them), "x-kind-specific": true (a charger's
// endpoint: and driver:, whose keys depend on its type: its kind's own loader checks them).
//
// What the schema leaves to the typed loaders that run after it: checks across fields (Auto needs venus:, a Tibber
// token, a circuit's parent, one goal for a plan), ranges that depend on another value (min_current up to max_current,
// reconnect.maximum from reconnect.initial), and values with their own message (a charger's type, times of day, time
// zones, price levels, topics, D-Bus names, hashes).

#include <nlohmann/json.hpp>

namespace evhil::daemon {

const nlohmann::ordered_json& daemon_config_schema();

namespace schema_parts {
// devices:, circuits: and controller: (config_schema_station.cpp), in that order.
nlohmann::ordered_json station_properties();
}  // namespace schema_parts

}  // namespace evhil::daemon
