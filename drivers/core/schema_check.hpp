#pragma once
// Checks a YAML document against a declarative JSON Schema, before the typed loaders read it: the one schema that
// describes a configuration file both validates it and is served to a web UI that builds a form from it
// (drivers/daemon/config_schema.hpp is the daemon's).
//
// The subset understood (draft 2020-12 keywords plus two extensions):
//   type                  "object", "array", "string", "number", "integer", "boolean", "null", or a list of them;
//                         a map takes "object", a list "array", an empty value "null", any other scalar the first
//                         scalar type listed; a node none fits is reported by the first type listed
//   properties            checked in the schema's order; their names, in that order, are the allowed keys
//   required              a listed key that is missing is reported where the schema reaches it
//   additionalProperties  false: only `properties` (the loader's allow_keys); a schema: every other key's value
//                         (a map of named entries such as devices:); true or absent: any other key
//   items                 every entry of a list
//   enum                  one of these names
//   minimum, maximum      give both or neither (an out-of-range message prints both bounds)
//   format: "duration"    "500ms", "90s", "2m", "1h30m", "1d" or a number of seconds; minimum and maximum in seconds
//   default, description, x-secret, x-kind-specific: for the UI only
//
// Every problem is the ConfigError the typed loaders raise for it (ConfigNode's own accessors produce it), at the
// offending node: "FILE:LINE:COL: path: message".

#include <nlohmann/json.hpp>

#include "drivers/core/config.hpp"

namespace evhil {

// Throws ConfigError at the first node that does not fit `schema`.
void check_against_schema(const ConfigNode& node, const nlohmann::ordered_json& schema);

}  // namespace evhil
