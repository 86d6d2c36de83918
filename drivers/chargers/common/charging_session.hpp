#pragma once
// The charging session as the user sees it: from plugging the vehicle in to unplugging it, with the energy the
// station's meter counted meanwhile and how long it lasted. Kept by the driver from its status, so every
// charger reports sessions the same way.

#include <cstdint>

#include "drivers/core/clock.hpp"

namespace evhil::chargers {

struct ChargingSession {
    bool active = false;
    TimePoint started{};
    double start_energy_wh = 0;
    double energy_wh = 0;
    double duration_s = 0;
    std::uint64_t completed = 0;  // sessions ended by an unplug
    double last_energy_wh = 0;    // energy of the last completed session
    double last_duration_s = 0;

    // Called after each refresh of the charger's status.
    void update(bool vehicle_connected, double meter_energy_wh, TimePoint now);
};

}  // namespace evhil::chargers
