#pragma once
// Solar surplus charging (Venus /Mode Auto), after evcc: the charger follows the sun without flapping its contactor
// under passing clouds, and never charges from the home battery it should leave alone.
//
//   waiting ──(surplus ≥ minimum power + hysteresis for enable_delay)──► charging at the surplus current
//   charging ──(surplus < minimum power − hysteresis for disable_delay, and charging at least min_charge_duration)──►
//   waiting; in between it holds the minimum current
//
// The minimum power is the minimum current on the phases in use at the site's voltage (6 A: 4140 W on three phases,
// 1380 W on one). Where the charger can switch phases (Alfen register 1215), it starts on three when the surplus
// allows it and on one otherwise, and while charging switches 3→1 when the surplus no longer carries three phases but
// does carry one, and 1→3 when it carries three, each after the surplus has held for phase_switch_delay and at most
// max_phase_switches times a session; a single-phase vehicle charges on one whatever is offered. Min+Solar charges
// at least the minimum current, from the grid if need be, and the surplus above it. Above the buffer SOC the home
// battery may carry the charger: missing surplus does not stop it.
//
// The status it shows is the reason it does not charge, and exactly that: Waiting for start (6) when the user
// stopped it, Low SOC (7) when the home battery is below its minimum SOC, even though the surplus is then also
// missing (victron-alfen-charger hides Low SOC behind Waiting for sun), and Waiting for sun (4) otherwise.
//
// With prices (smart_cost_limit, feed_in_priority_limit below) a cheap grid slot charges at full current whatever the
// sun does, and a well-paid feed-in slot exports the surplus instead of charging it.
//
// Covered by tests/unit/solar_controller_test.cpp and scenarios/prices/.

#include <optional>

#include "drivers/control/controller.hpp"
#include "drivers/control/surplus.hpp"
#include "drivers/core/config.hpp"

namespace evhil::control {

struct SolarSettings {
    SurplusSettings surplus;
    Duration enable_delay = std::chrono::minutes(1);         // evcc's enable delay
    Duration disable_delay = std::chrono::minutes(3);        // evcc's disable delay
    Duration min_charge_duration = std::chrono::minutes(5);  // victron-alfen-charger's 300 s
    double hysteresis_w = 0;                                 // around the minimum power, for enabling and disabling
    bool min_plus_solar = false;
    Duration phase_switch_delay = std::chrono::minutes(2);
    int max_phase_switches = 6;   // per session (plug-in)
    double default_min_soc = 10;  // %, when the site gives no minimum SOC (victron-alfen-charger's fallback)
    // With prices known (evcc's smartCostLimit and smartFeedInPriorityLimit), in the import prices' unit: at or below
    // the cost limit it charges at full current from the grid; at or above the feed-in limit the surplus is exported
    // rather than charged.
    std::optional<double> smart_cost_limit;
    std::optional<double> feed_in_priority_limit;
};
// The `solar:` block of `controller:` (docs/configuration.md). Throws ConfigError.
SolarSettings parse_solar_settings(const ConfigNode& node);

class SolarController final : public Controller {
public:
    explicit SolarController(SolarSettings settings) : settings_(settings) {}

    Decision decide(const ControlInputs& inputs) override;
    void reset() override;
    int phase_switches() const override { return switches_; }
    const SolarSettings& settings() const { return settings_; }

private:
    // 3→1 or 1→3 once the surplus has asked for it for the phase switch delay.
    void follow_phases(const ControlInputs& inputs, double available);
    Decision waiting(bool low_soc, std::string why) const;
    // Full current from the grid while the import price is at or below smart_cost_limit.
    std::optional<Decision> cheap_grid_price(const ControlInputs& inputs);

    SolarSettings settings_;
    bool charging_ = false;
    int phases_ = 3;
    TimePoint enabled_at_{};
    std::optional<TimePoint> enough_since_;  // surplus enough to start, since
    std::optional<TimePoint> short_since_;   // surplus short of the minimum while charging, since
    std::optional<TimePoint> phase_since_;   // surplus asking for the other phase count, since
    int switches_ = 0;
};

}  // namespace evhil::control
