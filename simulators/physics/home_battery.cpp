#include "simulators/physics/home_battery.hpp"

#include <algorithm>

namespace evhil::physics {

double HomeBattery::ess_power_w(double net_surplus_w, double setpoint_w, double min_soc) const {
    double wanted = net_surplus_w + setpoint_w;
    wanted = std::clamp(wanted, -settings_.max_discharge_w, settings_.max_charge_w);
    if (wanted < 0 && soc_ <= min_soc) {
        return 0.0;  // ESS stops discharging at its minimum SOC
    }
    if (wanted > 0 && soc_ >= 1.0) {
        return 0.0;  // full
    }
    return wanted;
}

void HomeBattery::step(double power_w, Duration dt) {
    power_w_ = power_w;
    double hours = to_seconds(dt) / 3600.0;
    double stored_wh = power_w > 0 ? power_w * settings_.efficiency * hours : power_w * hours;
    soc_ = std::clamp(soc_ + stored_wh / settings_.capacity_wh, 0.0, 1.0);
}

void HomeBattery::set_soc(double soc) {
    soc_ = std::clamp(soc, 0.0, 1.0);
}

}  // namespace evhil::physics
