#pragma once
// The timeline's actions as a scenario file writes them (docs/scenarios.md, "timeline"): parsing and checking each
// entry against the devices, the site's parts and the fault catalogue, and the repetition of an entry (every:).
// Internal to the scenario loader (scenario.cpp).

#include <vector>

#include "harness/scenario/scenario.hpp"

namespace evhil::harness {

// What the site must have for an action: the parts a scenario names in gx: and homeassistant:.
struct SiteParts {
    bool gx = false;
    bool gx_mqtt = false;
    bool homeassistant = false;
    bool tariff = false;
};

Action parse_action(const ConfigNode& node, Duration duration, const std::vector<DeviceSpec>& devices,
                    const FaultCatalogue& catalogue, const SiteParts& site);
// `every: 1d` (with an optional `until:`, the scenario's end by default, and `on_days: [mon, ...]`, UTC weekdays)
// repeats the action last added to the timeline: copies with the same id, of which `after:` expectations take the
// first.
void repeat_action(const ConfigNode& node, Scenario& scenario);

}  // namespace evhil::harness
