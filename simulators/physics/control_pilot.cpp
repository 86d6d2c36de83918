#include "simulators/physics/control_pilot.hpp"

#include <algorithm>

namespace evhil::physics {

double duty_cycle_for_current(double amps) {
    if (amps < 6.0) {
        return 0.0;
    }
    amps = std::min(amps, 80.0);
    return amps <= 51.0 ? amps / 0.6 : amps / 2.5 + 64.0;
}

double current_for_duty_cycle(double duty_percent) {
    if (duty_percent < 8.0) {
        return 0.0;
    }
    if (duty_percent < 10.0) {
        return 6.0;  // 8–10 % still means 6 A
    }
    if (duty_percent <= 85.0) {
        return duty_percent * 0.6;
    }
    return std::min((duty_percent - 64.0) * 2.5, 80.0);
}

std::string mode3_state(PilotState state, bool pwm_on) {
    switch (state) {
        case PilotState::A:
            return "A";
        case PilotState::B:
            return pwm_on ? "B2" : "B1";
        case PilotState::C:
            return pwm_on ? "C2" : "C1";
        case PilotState::D:
            return pwm_on ? "D2" : "D1";
        case PilotState::E:
            return "E";
        case PilotState::F:
            return "F";
    }
    return "F";
}

}  // namespace evhil::physics
