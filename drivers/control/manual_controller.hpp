#pragma once
// Manual charging: the user starts, stops and picks a current; the controller asks for that current for every
// charger of the station, raised to the IEC 61851 minimum (a user who asks for 3 A means "as slowly as
// possible", not "stop"). Limits are not its business: the station's safety limiter follows every controller and
// lowers the request to what the cable, the station, the configuration and the circuits allow.

#include "drivers/core/config.hpp"

namespace evhil::control {

struct ManualSettings {
    bool start_enabled = false;
    double current_a = 16.0;
    double max_current_a = 32.0;  // the installation's limit as the user configured it: goes to the limiter
    double min_current_a = 6.0;
};
ManualSettings parse_manual_settings(const ConfigNode& node);

class ManualController {
public:
    explicit ManualController(ManualSettings settings) : settings_(settings) {}

    // The request for one charger before limits, in amps; the user's Start/Stop is applied by the limiter.
    double request_a(double user_current_a) const { return std::max(user_current_a, settings_.min_current_a); }
    const ManualSettings& settings() const { return settings_; }

private:
    ManualSettings settings_;
};

}  // namespace evhil::control
