#pragma once
// Manual charging: the user starts, stops and picks a current. The controller turns that into the setpoint a
// charger driver writes, never above the lowest of the limits it knows (the user's configured maximum, the
// charger's station maximum) and never below the IEC 61851 minimum of 6 A while charging; stopped is 0 A.

#include <algorithm>
#include <functional>

#include "drivers/core/config.hpp"

namespace evhil::control {

struct ManualSettings {
    bool start_enabled = false;
    double current_a = 16.0;
    double max_current_a = 32.0;  // the installation's limit (cable, fuse) as the user configured it
    double min_current_a = 6.0;
};
ManualSettings parse_manual_settings(const ConfigNode& node);

class ManualController {
public:
    // `apply` receives every new setpoint in amps (0 = paused).
    ManualController(ManualSettings settings, std::function<void(double)> apply)
        : settings_(settings),
          enabled_(settings.start_enabled),
          requested_a_(settings.current_a),
          apply_(std::move(apply)) {}

    void start() {
        enabled_ = true;
        update();
    }
    void stop() {
        enabled_ = false;
        update();
    }
    void set_current(double amps) {
        requested_a_ = amps;
        update();
    }
    // The charger's own maximum, as the driver reads it; NaN or 0 means unknown.
    void set_charger_limit(double amps) {
        if (amps != charger_limit_a_) {
            charger_limit_a_ = amps;
            update();
        }
    }

    bool enabled() const { return enabled_; }
    double requested_current() const { return requested_a_; }
    double setpoint() const { return setpoint_a_; }
    double limit() const {
        double limit = settings_.max_current_a;
        if (charger_limit_a_ > 0) {
            limit = std::min(limit, charger_limit_a_);
        }
        return limit;
    }

    // Recomputes the setpoint and hands it on. When the limits leave no room for the minimum charging
    // current the controller pauses rather than exceed a limit.
    void update() {
        setpoint_a_ = (enabled_ && limit() >= settings_.min_current_a)
                          ? std::clamp(requested_a_, settings_.min_current_a, limit())
                          : 0.0;
        apply_(setpoint_a_);
    }

private:
    ManualSettings settings_;
    bool enabled_;
    double requested_a_;
    double charger_limit_a_ = 0;
    double setpoint_a_ = 0;
    std::function<void(double)> apply_;
};

}  // namespace evhil::control
