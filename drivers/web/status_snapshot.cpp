#include "drivers/web/status_snapshot.hpp"

#include <cmath>

#include "drivers/station/user_commands.hpp"
#include "drivers/venus/evcharger_service.hpp"

namespace evhil::web {

using nlohmann::json;

namespace {

json number_or_null(double value) {
    return std::isfinite(value) ? json(std::round(value * 1000) / 1000) : json(nullptr);
}

json optional_number(const std::optional<double>& value) {
    return value ? number_or_null(*value) : json(nullptr);
}

std::int64_t unix_ms(TimePoint at) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

json charger_json(const station::Station& station, const station::Station::Charger& charger,
                  const SessionCosts& costs) {
    const auto& status = charger.driver->status();
    const auto& health = charger.driver->health();
    const auto& session = charger.driver->session();
    const bool reachable = health.state == chargers::DriverState::running && status.valid;
    json phases = json::array();
    for (const auto& phase : status.phases) {
        phases.push_back({{"voltage_v", number_or_null(phase.voltage_v)},
                          {"current_a", number_or_null(phase.current_a)},
                          {"power_w", number_or_null(phase.power_w)}});
    }
    const int venus_status = static_cast<int>(venus::evcs_status(charger));
    json cost = nullptr;
    if (const double* value = costs.cost(charger.config.id)) {
        cost = std::round(*value * 10000) / 10000;
    }
    json modes = json::array();
    for (auto mode : {station::ChargeMode::manual, station::ChargeMode::automatic, station::ChargeMode::scheduled}) {
        if (station.mode_available(mode)) {
            modes.push_back(static_cast<int>(mode));
        }
    }
    const auto& c = health.counters;
    return {{"id", charger.config.id},
            {"name", charger.user.custom_name.empty() ? charger.config.id : charger.user.custom_name},
            {"type", charger.config.type},
            {"connected", reachable},
            {"vehicle", chargers::to_string(status.vehicle)},
            {"charging", status.charging},
            {"status_code", venus_status},
            {"status", venus::status_text(venus_status)},
            {"power_w", reachable ? number_or_null(status.power_w) : json(nullptr)},
            {"energy_kwh", reachable ? number_or_null(status.energy_wh / 1000) : json(nullptr)},
            {"phase_count", status.phase_count},
            {"phases", phases},
            {"mode", static_cast<int>(charger.user.mode)},
            {"mode_name", station::mode_name(charger.user.mode)},
            {"modes_available", modes},
            {"enabled", charger.user.enabled},
            {"set_current_a", number_or_null(charger.user.current_a)},
            {"max_current_a", number_or_null(charger.user.max_current_a)},
            {"read_only", charger.config.read_only},
            {"current",
             {{"allowed_a", number_or_null(charger.command.current_a)},
              {"applied_a", reachable ? number_or_null(status.applied_current_a) : json(nullptr)},
              {"bound", station::to_string(charger.command.bound)},
              {"circuit", charger.command.circuit},
              {"ceiling_a", number_or_null(station::current_ceiling(station, charger))},
              {"station_max_a", status.station_max_current_a > 0 ? json(status.station_max_current_a) : json(nullptr)},
              {"min_a", station.config().controller.manual.min_current_a},
              {"settable_max_a", station::settable_max_a}}},
            {"decision", charger.decision.why},
            {"session",
             {{"active", session.active},
              {"started", session.active ? json(unix_ms(session.started)) : json(nullptr)},
              {"energy_kwh", number_or_null((session.active ? session.energy_wh : session.last_energy_wh) / 1000)},
              {"duration_s", std::round(session.active ? session.duration_s : session.last_duration_s)},
              {"cost", cost},
              {"unit", costs.unit().empty() ? json(nullptr) : json(costs.unit())}}},
            {"health",
             {{"state", chargers::to_string(health.state)},
              {"requests", c.requests},
              {"errors", c.errors},
              {"timeouts", c.timeouts},
              {"reconnects", c.reconnects},
              {"mean_latency_ms", std::round(c.mean_latency_s() * 1e4) / 10}}}};
}

json site_json(const control::SiteMeter* meter) {
    if (meter == nullptr) {
        return nullptr;
    }
    const auto reading = meter->reading();
    if (!reading.valid) {
        return {{"valid", false}};
    }
    return {{"valid", true},
            {"pv_w", number_or_null(reading.pv_w)},
            {"consumption_w", number_or_null(reading.consumption_w)},
            {"grid_w", number_or_null(reading.grid_w)},
            {"battery_power_w", optional_number(reading.battery_power_w)},
            {"battery_soc", optional_number(reading.battery_soc)}};
}

json price_json(const control::PriceSource* source, TimePoint now) {
    if (source == nullptr) {
        return nullptr;
    }
    const auto inputs = source->prices(now);
    json out{{"missing", inputs.missing}, {"why", inputs.missing_why}, {"now", nullptr}, {"unit", nullptr}};
    if (inputs.import != nullptr) {
        out["unit"] = inputs.import->unit();
        if (const auto* slot = inputs.import->at(now)) {
            out["now"] = slot->price;
        }
    }
    return out;
}

}  // namespace

void SessionCosts::update(const station::Station& station, const station::Station::Charger& charger, TimePoint now) {
    const control::PriceSeries* series = nullptr;
    if (station.price_source() != nullptr) {
        series = station.price_source()->prices(now).import;
    }
    if (series != nullptr) {
        unit_ = series->unit();
    }
    const auto& session = charger.driver->session();
    auto& running = running_[charger.config.id];
    if (!session.active) {
        return;  // the last session's cost stays until the next one starts
    }
    if (session.started != running.started) {
        running = Running{session.started, session.energy_wh, 0, true};
        // A session that started before the daemon (restored) has energy it cannot price: unknown.
        running.known = session.energy_wh < 1;
    }
    const double step_kwh = (session.energy_wh - running.energy_wh) / 1000;
    running.energy_wh = session.energy_wh;
    if (step_kwh <= 0) {
        return;
    }
    const auto* slot = series != nullptr ? series->at(now) : nullptr;
    if (slot == nullptr) {
        running.known = false;
        return;
    }
    running.cost += step_kwh * slot->price;
}

const double* SessionCosts::cost(const std::string& charger_id) const {
    auto found = running_.find(charger_id);
    if (found == running_.end() || !found->second.known || unit_.empty()) {
        return nullptr;
    }
    return &found->second.cost;
}

json status_snapshot(const station::Station& station, const SessionCosts& costs, TimePoint now) {
    json chargers = json::array();
    for (const auto& charger : station.chargers()) {
        chargers.push_back(charger_json(station, charger, costs));
    }
    return {{"time", unix_ms(now)},
            {"chargers", chargers},
            {"site", site_json(station.site_meter())},
            {"price", price_json(station.price_source(), now)}};
}

}  // namespace evhil::web
