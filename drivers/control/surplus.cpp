#include "drivers/control/surplus.hpp"

#include <algorithm>

namespace evhil::control {

bool above_buffer_soc(const SiteReading& site, const SurplusSettings& settings) {
    return settings.buffer_soc && site.battery_soc && *site.battery_soc >= *settings.buffer_soc;
}

double available_power_w(const SiteReading& site, double charger_power_w, const SurplusSettings& settings) {
    const double battery = site.battery_power_w.value_or(0.0);
    const bool battery_first = site.battery_soc && *site.battery_soc < settings.priority_soc;
    double available = 0;
    if (settings.source == SurplusSource::system_paths) {
        available = site.pv_w - (site.consumption_w - charger_power_w);
        if (battery_first) {
            available -= std::max(battery, 0.0);
        }
    } else {
        // The battery's power counts with its sign: charging (the charger before the battery) is power the charger
        // could have, discharging (into the charger) is not surplus, unless the battery may carry the charger.
        const bool charging_counts = battery > 0 && !battery_first;
        const bool discharging_counts = battery < 0 && !above_buffer_soc(site, settings);
        available = charger_power_w - site.grid_w + (charging_counts || discharging_counts ? battery : 0.0);
    }
    return available - settings.residual_power_w;
}

}  // namespace evhil::control
