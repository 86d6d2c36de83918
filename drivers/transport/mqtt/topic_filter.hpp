#pragma once
// MQTT topic names and filters (MQTT 3.1.1 section 4.7): '/' separates levels, '+' matches one level, '#' as the last
// level matches the parent and everything below, and a wildcard in the first level never matches a topic that starts
// with '$' ($SYS and friends). The in-process broker routes by these rules and MqttClient dispatches by them, so both
// adapters deliver the same messages to the same handlers.

#include <optional>
#include <string>
#include <string_view>

namespace evhil::mqtt {

bool topic_matches(std::string_view filter, std::string_view topic);

// Why a topic cannot be published to (empty, a wildcard in it), or nullopt when it is fine.
std::optional<std::string> topic_name_error(std::string_view topic);
// Why a filter cannot be subscribed to ('#' not alone in the last level, '+' sharing a level), or nullopt.
std::optional<std::string> topic_filter_error(std::string_view filter);

}  // namespace evhil::mqtt
