#include "simulators/physics/ev.hpp"

#include <algorithm>

namespace evhil::physics {

Ev::Ev(EvSettings settings) : settings_(settings), soc_(std::clamp(settings.initial_soc, 0.0, 1.0)) {}

void Ev::plug_in() {
    plugged_ = true;
}

void Ev::unplug() {
    plugged_ = false;
    offered_a_ = 0;
    offer_usable_for_ = {};
    current_a_ = 0;
    power_w_ = 0;
}

void Ev::set_soc(double soc) {
    soc_ = std::clamp(soc, 0.0, 1.0);
}

void Ev::set_pilot(double duty_percent, int station_phases) {
    offered_a_ = plugged_ ? current_for_duty_cycle(duty_percent) : 0.0;
    station_phases_ = station_phases;
}

int Ev::active_phases() const {
    return std::min(settings_.phases, station_phases_);
}

double Ev::acceptance_limit_a() const {
    if (full()) {
        return 0.0;
    }
    double limit = settings_.max_current_a;
    if (soc_ > settings_.taper_start_soc && settings_.target_soc > settings_.taper_start_soc) {
        double progress = (soc_ - settings_.taper_start_soc) / (settings_.target_soc - settings_.taper_start_soc);
        limit = settings_.max_current_a + (settings_.taper_end_current_a - settings_.max_current_a) * progress;
    }
    return std::max(limit, 0.0);
}

PilotState Ev::pilot_state() const {
    if (!plugged_) {
        return PilotState::A;
    }
    // The car closes S2 (state C) while it wants energy and the station allows some, once it has woken up.
    return (wants_energy() && offer_usable_for_ >= settings_.start_delay) ? PilotState::C : PilotState::B;
}

void Ev::step(Duration dt, double voltage_v) {
    double seconds = to_seconds(dt);
    if (!plugged_ || seconds <= 0) {
        current_a_ = 0;
        power_w_ = 0;
        return;
    }
    offer_usable_for_ = wants_energy() ? offer_usable_for_ + dt : Duration{};
    bool started = pilot_state() == PilotState::C;
    double target = started ? std::min(offered_a_, acceptance_limit_a()) : 0.0;
    double max_change = settings_.ramp_a_per_s * seconds;
    current_a_ += std::clamp(target - current_a_, -max_change, max_change);
    current_a_ = std::max(current_a_, 0.0);
    power_w_ = current_a_ * voltage_v * active_phases();
    double energy_kwh = power_w_ * seconds / 3.6e6;
    energy_received_kwh_ += energy_kwh;
    soc_ = std::min(settings_.target_soc, soc_ + energy_kwh * settings_.efficiency / settings_.capacity_kwh);
    if (full()) {
        current_a_ = 0;
        power_w_ = 0;
    }
}

}  // namespace evhil::physics
