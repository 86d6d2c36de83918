#pragma once
// IEC 61851-1 control pilot: the station advertises the current it allows as a PWM duty cycle, and the EV
// shows its state by loading the pilot (A: no EV, B: connected, C: charging, D: charging with ventilation,
// E: short/no pilot, F: station error). These are the facts both sides of the cable agree on.

#include <string>

namespace evhil::physics {

enum class PilotState { A, B, C, D, E, F };

// Duty cycle in percent for an offered current (6 A to 80 A); 0 means no PWM (charging not allowed).
// 6–51 A: duty = A / 0.6; 51–80 A: duty = A / 2.5 + 64.
double duty_cycle_for_current(double amps);
// The current an EV reads from a duty cycle; 0 when the duty cycle allows no charging (< 8 % or none).
double current_for_duty_cycle(double duty_percent);

// The Mode 3 state string as stations report it: "A", "B1", "B2", "C1", "C2", "D1", "D2", "E", "F".
// The digit says whether PWM is on (2) or off (1).
std::string mode3_state(PilotState state, bool pwm_on);

}  // namespace evhil::physics
