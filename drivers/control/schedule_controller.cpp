#include "drivers/control/schedule_controller.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace evhil::control {

Decision ScheduleController::decide(const ControlInputs& inputs) {
    const auto& charger = inputs.charger;
    if (!charger.plugged_in) {
        return {.enabled = false, .current_a = 0, .phases = 0, .status = ShownStatus::none, .why = "no vehicle"};
    }
    if (!charger.user_enabled) {
        return {.enabled = false,
                .current_a = 0,
                .phases = 0,
                .status = ShownStatus::waiting_for_start,
                .why = "stopped by the user"};
    }
    const auto* window = schedule_.window_at(inputs.now);
    if (window == nullptr) {
        return {.enabled = false,
                .current_a = 0,
                .phases = 0,
                .status = ShownStatus::waiting_for_start,
                .why = "outside the schedule's windows"};
    }
    const double amps = window->current_a.value_or(charger.user_current_a);
    return {.enabled = true,
            .current_a = std::clamp(amps, charger.min_current_a, charger.max_current_a),
            .phases = 0,
            .status = ShownStatus::none,
            .why = fmt::format("in the window {:02}:{:02}-{:02}:{:02} ({})", window->from_minute / 60,
                               window->from_minute % 60, window->to_minute / 60, window->to_minute % 60,
                               schedule_.timezone())};
}

}  // namespace evhil::control
