#pragma once
// The electric vehicle behind the cable: a battery with a state of charge, an on-board charger with its own
// current limit and phase count, and a taper near full. It reads the station's offer from the control pilot
// and draws what it may, following a new offer with a ramp rather than instantly (real cars take a few
// seconds). Pure model: the simulator calls step() as time passes.

#include "drivers/core/clock.hpp"
#include "simulators/physics/control_pilot.hpp"

namespace evhil::physics {

struct EvSettings {
    double capacity_kwh = 60.0;
    double initial_soc = 0.2;          // 0..1
    double target_soc = 1.0;           // the car stops charging here
    double max_current_a = 16.0;       // on-board charger limit per phase
    int phases = 3;                    // phases the on-board charger uses (1 or 3)
    double taper_start_soc = 0.8;      // above this the allowed current falls linearly...
    double taper_end_current_a = 2.0;  // ...to this at the target SOC
    double ramp_a_per_s = 5.0;         // how fast the drawn current follows a change
    double efficiency = 0.92;          // AC energy in to energy stored
    double min_current_a = 6.0;        // below this offer the car does not draw
    Duration start_delay{};            // a usable offer must last this long before the car closes S2 (wakes up)
};

class Ev {
public:
    explicit Ev(EvSettings settings);

    void plug_in();
    void unplug();
    bool plugged_in() const { return plugged_; }
    // The station's PWM duty cycle in percent (0 = no PWM) and the phases it switches through.
    void set_pilot(double duty_percent, int station_phases);
    void step(Duration dt, double voltage_v);

    PilotState pilot_state() const;
    bool full() const { return soc_ >= settings_.target_soc - 1e-9; }
    double soc() const { return soc_; }
    double current_a() const { return current_a_; }  // per phase
    int active_phases() const;
    double power_w() const { return power_w_; }
    double energy_received_kwh() const { return energy_received_kwh_; }  // AC energy since creation
    double energy_stored_kwh() const { return soc_ * settings_.capacity_kwh; }
    // What the car would draw now if the station allowed unlimited current (taper and OBC limit).
    double acceptance_limit_a() const;
    const EvSettings& settings() const { return settings_; }
    EvSettings& settings() { return settings_; }
    void set_soc(double soc);

private:
    bool wants_energy() const { return plugged_ && offered_a_ >= settings_.min_current_a && !full(); }

    EvSettings settings_;
    bool plugged_ = false;
    double soc_;
    double offered_a_ = 0;
    int station_phases_ = 3;
    Duration offer_usable_for_{};  // how long the offer has been usable without a break
    double current_a_ = 0;
    double power_w_ = 0;
    double energy_received_kwh_ = 0;
};

}  // namespace evhil::physics
