#include "drivers/control/solar_controller.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace evhil::control {
namespace {

double min_power_w(const ChargerView& charger, int phases) {
    return charger.min_current_a * std::min(phases, charger.vehicle_phases) * charger.voltage_v;
}

double seconds(Duration d) {
    return to_seconds(d);
}

}  // namespace

SolarSettings parse_solar_settings(const ConfigNode& node) {
    node.allow_keys({"source", "residual_power", "priority_soc", "buffer_soc", "enable_delay", "disable_delay",
                     "min_charge_duration", "hysteresis", "min_plus_solar", "phase_switch_delay", "max_phase_switches",
                     "default_min_soc", "smart_cost_limit", "feed_in_priority_limit"});
    SolarSettings s;
    if (auto source = node.optional("source")) {
        s.surplus.source =
            source->as_enum({"system", "grid"}) == "grid" ? SurplusSource::grid : SurplusSource::system_paths;
    }
    s.surplus.residual_power_w = node.get_double("residual_power", s.surplus.residual_power_w, -1e5, 1e5);
    s.surplus.priority_soc = node.get_double("priority_soc", s.surplus.priority_soc, 0, 100);
    if (node.has("buffer_soc")) {
        s.surplus.buffer_soc = node.get_double("buffer_soc", 0, 0, 100);
    }
    s.enable_delay = node.get_duration("enable_delay", s.enable_delay, Duration{0}, std::chrono::hours(1));
    s.disable_delay = node.get_duration("disable_delay", s.disable_delay, Duration{0}, std::chrono::hours(1));
    s.min_charge_duration =
        node.get_duration("min_charge_duration", s.min_charge_duration, Duration{0}, std::chrono::hours(4));
    s.hysteresis_w = node.get_double("hysteresis", s.hysteresis_w, 0, 1e4);
    s.min_plus_solar = node.get_bool("min_plus_solar", s.min_plus_solar);
    s.phase_switch_delay =
        node.get_duration("phase_switch_delay", s.phase_switch_delay, Duration{0}, std::chrono::hours(1));
    s.max_phase_switches = static_cast<int>(node.get_int("max_phase_switches", s.max_phase_switches, 0, 1000));
    s.default_min_soc = node.get_double("default_min_soc", s.default_min_soc, 0, 100);
    if (node.has("smart_cost_limit")) {
        s.smart_cost_limit = node.required("smart_cost_limit").as_double(-1e6, 1e6);
    }
    if (node.has("feed_in_priority_limit")) {
        s.feed_in_priority_limit = node.required("feed_in_priority_limit").as_double(-1e6, 1e6);
    }
    return s;
}

std::optional<Decision> SolarController::cheap_grid_price(const ControlInputs& inputs) {
    const auto& prices = inputs.prices;
    if (!settings_.smart_cost_limit || prices.import == nullptr || prices.missing) {
        return std::nullopt;
    }
    const PriceSlot* slot = prices.import->at(inputs.now);
    if (slot == nullptr || slot->price > *settings_.smart_cost_limit) {
        return std::nullopt;
    }
    const auto& charger = inputs.charger;
    if (!charging_) {
        charging_ = true;
        enabled_at_ = inputs.now;
    }
    enough_since_.reset();
    short_since_.reset();
    if (charger.can_switch_phases && charger.vehicle_phases == 3 && phases_ != 3 &&
        switches_ < settings_.max_phase_switches) {
        phases_ = 3;  // the grid carries three phases: the fastest way to use the cheap slot
        ++switches_;
    }
    return Decision{.enabled = true,
                    .current_a = charger.max_current_a,
                    .phases = phases_,
                    .status = ShownStatus::none,
                    .why = fmt::format("price {:.4g} {} at most the {:.4g} limit: charging from the grid", slot->price,
                                       prices.import->unit(), *settings_.smart_cost_limit)};
}

void SolarController::reset() {
    charging_ = false;
    enough_since_.reset();
    short_since_.reset();
    phase_since_.reset();
    switches_ = 0;
}

Decision SolarController::waiting(bool low_soc, std::string why) const {
    return {.enabled = false,
            .current_a = 0,
            .phases = phases_,
            .status = low_soc ? ShownStatus::low_soc : ShownStatus::waiting_for_sun,
            .why = std::move(why)};
}

void SolarController::follow_phases(const ControlInputs& inputs, double available) {
    const auto& charger = inputs.charger;
    if (!charger.can_switch_phases || charger.vehicle_phases < 3) {
        phases_ = charger.can_switch_phases ? 1 : charger.phases;
        phase_since_.reset();
        return;
    }
    const double three = min_power_w(charger, 3);
    if (!charging_) {
        phases_ = available >= three + settings_.hysteresis_w ? 3 : 1;  // before starting, at no cost
        phase_since_.reset();
        return;
    }
    const bool want_one = phases_ == 3 && available < three - settings_.hysteresis_w &&
                          available >= min_power_w(charger, 1) + settings_.hysteresis_w;
    const bool want_three = phases_ == 1 && available >= three + settings_.hysteresis_w;
    if ((!want_one && !want_three) || switches_ >= settings_.max_phase_switches) {
        phase_since_.reset();
        return;
    }
    if (!phase_since_) {
        phase_since_ = inputs.now;
    }
    if (inputs.now - *phase_since_ >= settings_.phase_switch_delay) {
        phases_ = want_one ? 1 : 3;
        ++switches_;
        phase_since_.reset();
        short_since_.reset();
    }
}

Decision SolarController::decide(const ControlInputs& inputs) {
    const auto& charger = inputs.charger;
    const auto& site = inputs.site;
    if (!charger.plugged_in) {
        reset();
        return {.enabled = false, .current_a = 0, .phases = phases_, .status = ShownStatus::none, .why = "no vehicle"};
    }
    if (!charger.user_enabled) {
        charging_ = false;
        enough_since_.reset();
        short_since_.reset();
        return {.enabled = false,
                .current_a = 0,
                .phases = phases_,
                .status = ShownStatus::waiting_for_start,
                .why = "stopped by the user"};
    }
    if (auto cheap = cheap_grid_price(inputs)) {
        return *cheap;
    }
    const double min_soc = site.min_soc.value_or(settings_.default_min_soc);
    const bool low_soc = site.battery_soc && *site.battery_soc < min_soc;
    double available = 0;
    std::string source;
    if (!site.valid) {
        source = "no site reading";
    } else if (low_soc) {
        source = fmt::format("home battery {:.0f} % below its minimum {:.0f} %", *site.battery_soc, min_soc);
    } else if (settings_.feed_in_priority_limit && inputs.prices.feed_in_price &&
               *inputs.prices.feed_in_price >= *settings_.feed_in_priority_limit) {
        source = fmt::format("feed-in pays {:.4g}, at least the {:.4g} limit: exporting", *inputs.prices.feed_in_price,
                             *settings_.feed_in_priority_limit);
    } else {
        available = available_power_w(site, charger.power_w, settings_.surplus);
        source = fmt::format("surplus {:.0f} W", available);
    }
    follow_phases(inputs, available);
    const int phases = std::min(phases_, charger.vehicle_phases);
    const double watts_per_amp = phases * charger.voltage_v;
    const double minimum = min_power_w(charger, phases_);
    auto charge_at = [&](double amps, std::string why) {
        return Decision{.enabled = true,
                        .current_a = std::clamp(amps, charger.min_current_a, charger.max_current_a),
                        .phases = phases_,
                        .status = ShownStatus::none,
                        .why = std::move(why)};
    };

    if (settings_.min_plus_solar) {
        charging_ = true;
        return charge_at(available / watts_per_amp, "Min+Solar, " + source);
    }
    if (!charging_) {
        if (available < minimum + settings_.hysteresis_w) {
            enough_since_.reset();
            return waiting(low_soc, fmt::format("{}, below the {:.0f} W to start", source, minimum));
        }
        if (!enough_since_) {
            enough_since_ = inputs.now;
        }
        auto held = inputs.now - *enough_since_;
        if (held < settings_.enable_delay) {
            return waiting(low_soc, fmt::format("{} for {:.0f} s of the {:.0f} s to start", source, seconds(held),
                                                seconds(settings_.enable_delay)));
        }
        charging_ = true;
        enabled_at_ = inputs.now;
        enough_since_.reset();
        short_since_.reset();
    }
    const bool carried_by_battery = above_buffer_soc(site, settings_.surplus) && !low_soc;
    if (available < minimum - settings_.hysteresis_w && !carried_by_battery) {
        if (!short_since_) {
            short_since_ = inputs.now;
        }
        auto short_for = inputs.now - *short_since_;
        auto charged_for = inputs.now - enabled_at_;
        if (short_for >= settings_.disable_delay && charged_for >= settings_.min_charge_duration) {
            charging_ = false;
            short_since_.reset();
            return waiting(low_soc, fmt::format("{} below the {:.0f} W minimum for {:.0f} s: stopped", source, minimum,
                                                seconds(short_for)));
        }
        return charge_at(charger.min_current_a, fmt::format("{} below the {:.0f} W minimum for {:.0f} s: holding "
                                                            "the minimum",
                                                            source, minimum, seconds(short_for)));
    }
    short_since_.reset();
    return charge_at(available / watts_per_amp,
                     carried_by_battery ? source + ", the home battery above its buffer SOC" : source);
}

}  // namespace evhil::control
