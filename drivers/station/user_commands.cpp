#include "drivers/station/user_commands.hpp"

#include <fmt/format.h>

#include <cmath>

namespace evhil::station {

using Refusal = CommandResult::Refusal;

const char* mode_name(ChargeMode mode) {
    static constexpr const char* names[] = {"Manual", "Auto", "Scheduled"};
    return names[static_cast<int>(mode)];
}

CommandResult UserCommands::check_charger(const std::string& charger_id) const {
    if (station_.find(charger_id) == nullptr) {
        return {Refusal::unknown_charger, "no charger '" + charger_id + "' in this station"};
    }
    return {};
}

CommandResult UserCommands::check_amps(double amps, const char* what) {
    if (!std::isfinite(amps)) {
        return {Refusal::invalid, std::string(what) + " must be a finite number of amperes"};
    }
    if (amps < 0 || amps > settable_max_a) {
        return {Refusal::out_of_range, fmt::format("{} {:g} A is outside 0 to {:g} A", what, amps, settable_max_a)};
    }
    return {};
}

CommandResult UserCommands::set_mode(const std::string& charger_id, std::int64_t mode) {
    if (auto result = check_charger(charger_id); !result.ok()) {
        return result;
    }
    if (mode < 0 || mode > 2) {
        return {Refusal::out_of_range, fmt::format("mode {} is not one of 0 Manual, 1 Auto, 2 Scheduled", mode)};
    }
    const auto chosen = static_cast<ChargeMode>(mode);
    if (!station_.mode_available(chosen)) {
        return {Refusal::unavailable,
                fmt::format("{} has no controller in this configuration ({})", mode_name(chosen),
                            chosen == ChargeMode::automatic ? "controller: solar: and a venus: section"
                                                            : "controller: schedule: or prices:")};
    }
    station_.set_mode(charger_id, chosen);
    return {};
}

CommandResult UserCommands::set_enabled(const std::string& charger_id, bool enabled) {
    if (auto result = check_charger(charger_id); !result.ok()) {
        return result;
    }
    station_.set_enabled(charger_id, enabled);
    return {};
}

CommandResult UserCommands::set_current(const std::string& charger_id, double amps) {
    if (auto result = check_charger(charger_id); !result.ok()) {
        return result;
    }
    if (auto result = check_amps(amps, "the current"); !result.ok()) {
        return result;
    }
    station_.set_current(charger_id, amps);
    return {};
}

CommandResult UserCommands::set_max_current(const std::string& charger_id, double amps) {
    if (auto result = check_charger(charger_id); !result.ok()) {
        return result;
    }
    if (auto result = check_amps(amps, "the maximum current"); !result.ok()) {
        return result;
    }
    station_.set_max_current(charger_id, amps);
    return {};
}

double UserCommands::current_ceiling(const Station::Charger& charger) const {
    return station::current_ceiling(station_, charger);
}

double current_ceiling(const Station& station, const Station::Charger& charger) {
    double ceiling = std::min(charger.command.ceiling_a, charger.user.max_current_a);
    if (!std::isfinite(ceiling) && charger.driver->status().station_max_current_a > 0) {
        ceiling = charger.driver->status().station_max_current_a;
    }
    return std::isfinite(ceiling) ? ceiling : station.config().controller.manual.max_current_a;
}

}  // namespace evhil::station
