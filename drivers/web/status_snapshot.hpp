#pragma once
// GET /api/status and every "status" event: what the station holds now, per charger and for the site, as JSON.
// Built from the station and the drivers directly, so it shows what the Venus service shows, read at one moment.
//
//   {"time": unix ms, "chargers": [{"id", "name", "state", "connected", "vehicle", "status", "power_w",
//     "energy_kwh", "phases": [{"voltage_v","current_a","power_w"} x3], "mode", "mode_name", "enabled",
//     "set_current_a", "max_current_a", "current": {"allowed_a", "applied_a", "bound", "circuit", "ceiling_a",
//     "station_max_a", "min_a"}, "decision", "session": {"active","energy_kwh","duration_s","cost","currency"},
//     "health": {"state","requests","errors","timeouts","reconnects","mean_latency_ms"}, "modes_available"}],
//    "site": {"pv_w","consumption_w","grid_w","battery_soc","battery_power_w"} or null,
//    "price": {"now","unit","missing","why"} or null}
//
// Covered by tests/web/web_api_test.cpp.

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "drivers/station/station.hpp"

namespace evhil::web {

// The running session's cost, from each energy step at the import price of its moment (only while prices are known;
// a step without a price leaves the cost unknown for the rest of the session rather than wrong).
class SessionCosts {
public:
    // After a refresh of `charger`'s status: its energy since the last one, at the price of now.
    void update(const station::Station& station, const station::Station::Charger& charger, TimePoint now);
    // nullptr: unknown.
    const double* cost(const std::string& charger_id) const;
    const std::string& unit() const { return unit_; }

private:
    struct Running {
        TimePoint started{};
        double energy_wh = 0;
        double cost = 0;
        bool known = true;
    };
    std::map<std::string, Running> running_;
    std::string unit_;
};

nlohmann::json status_snapshot(const station::Station& station, const SessionCosts& costs, TimePoint now);

}  // namespace evhil::web
