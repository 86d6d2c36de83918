#pragma once
// What every charging controller is: pure logic from what the station knows now to what one charger should do.
//
//   ControlInputs (the time, the site's power flows and home battery, the charger and its vehicle, the user's choice)
//        ──► Controller::decide ──► Decision (enabled, current, phases, the status to show, and why)
//
// No I/O and no clock of its own: the time is an input, so every rule runs on the virtual clock of a scenario and in
// a unit test alike. The station runs the controller of the charger's mode (Venus /Mode: Manual 0, Auto 1,
// Scheduled 2) on every cycle; the safety limiter follows every decision and may only lower it.

#include <optional>
#include <string>

#include "drivers/control/prices.hpp"
#include "drivers/core/clock.hpp"

namespace evhil::control {

// One reading of the site, from the GX's system service (drivers/meters/victron_system/) or a grid meter. Signs as
// the GX's: grid positive is import, battery positive is charging.
struct SiteReading {
    bool valid = false;        // a reading arrived and is not stale
    double pv_w = 0;           // all PV: DC, on the AC output and on the grid side
    double consumption_w = 0;  // AC consumption, the chargers included
    double grid_w = 0;         // + import, - export
    std::optional<double> battery_power_w;
    std::optional<double> battery_soc;  // %
    std::optional<double> min_soc;      // % the ESS's active floor (BatteryLife SocLimit, else MinimumSocLimit)
};

// One charger as the controller sees it.
struct ChargerView {
    bool plugged_in = false;     // a vehicle is connected (B, C or D)
    bool user_enabled = false;   // the user's Start/Stop
    double user_current_a = 16;  // the user's current (Manual)
    double power_w = 0;          // what it draws now
    int phases = 3;              // phases it charges on now (1 or 3)
    int vehicle_phases = 3;      // phases the vehicle can use: a single-phase car charges on 1 whatever is offered
    bool can_switch_phases = false;
    double min_current_a = 6;   // IEC 61851's minimum, or the installation's
    double max_current_a = 16;  // the lowest of its real limits (cable, station, configuration)
    double voltage_v = 230;
    double session_energy_kwh = 0;      // delivered since it was plugged in
    std::optional<double> vehicle_soc;  // %, where a vehicle API (or, in a scenario, the EV model) tells it
    std::optional<double> vehicle_capacity_kwh;
    std::optional<double> vehicle_max_current_a;  // its on-board charger's limit, where a vehicle API tells it
};

// Energy prices (drivers/prices/): the import prices as far as they are known, whether they are missing (an API that
// failed since the last good answer, or none known for now), and the price paid for exporting.
struct PriceInputs {
    const PriceSeries* import = nullptr;  // nullptr: no price source configured
    bool missing = false;                 // a source is configured but has no price for now
    std::string missing_why;              // "Tibber: HTTP 503 since 12:00"
    std::optional<double> feed_in_price;  // per kWh, in the import prices' unit
};

struct ControlInputs {
    TimePoint now{};
    SiteReading site;
    ChargerView charger;
    PriceInputs prices;
};

// The Venus /Status a controller may show instead of the charger's own (victron-venus.md 2.4).
enum class ShownStatus { none = -1, waiting_for_sun = 4, waiting_for_start = 6, low_soc = 7 };

struct Decision {
    bool enabled = false;
    double current_a = 0;
    int phases = 3;
    ShownStatus status = ShownStatus::none;
    std::string why;  // one line for the status log and the reports
};

class Controller {
public:
    virtual ~Controller() = default;
    virtual Decision decide(const ControlInputs& inputs) = 0;
    // What the controller tracks across cycles (timers, switch counts) starts over: a new mode or a new session.
    virtual void reset() {}
    // Phase switches made for the session so far (1p/3p), for the status line and the reports.
    virtual int phase_switches() const { return 0; }
};

}  // namespace evhil::control
