#pragma once
// One message of a charger that reports JSON over MQTT, in the format of mr-manuel's venus-os_dbus-mqtt-ev-charger
// (docs/mqtt-json.md): nested keys that become evcharger paths, {"Ac": {"Power": 7360, "L1": {"Power": 2450}},
// "Status": 2}. The minimum is Ac.Power; a message without it is refused whole, as the original refuses it.
//
// Unlike the original, every key is checked on its own: an unknown key, a value of the wrong type or out of range is
// refused with a reason and the rest of the message is still taken. A key the message does not carry keeps its last
// good value (merge_into), so a partial payload changes only what it names.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evhil::mqtt_json {

// The last good value of every key the charger has sent, keyed by the dotted key ("Ac.L1.Power").
struct ChargerReport {
    std::map<std::string, double> numbers;
    std::map<std::string, std::string> texts;

    std::optional<double> number(const std::string& key) const {
        auto found = numbers.find(key);
        return found == numbers.end() ? std::nullopt : std::optional<double>(found->second);
    }
};

struct ParsedMessage {
    bool accepted = false;             // false: nothing of it is taken (not JSON, not an object, no usable Ac.Power)
    std::vector<std::string> refused;  // one reason per refused key, or the reason the message was refused
    ChargerReport values;              // the keys it carried that passed
};

// An empty payload is neither accepted nor refused: `accepted` false and no reasons.
ParsedMessage parse_charger_message(const std::string& payload);
void merge_into(ChargerReport& state, const ChargerReport& update);
// Every key the format knows, dotted.
const std::vector<std::string>& known_keys();

}  // namespace evhil::mqtt_json
