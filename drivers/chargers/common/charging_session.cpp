#include "drivers/chargers/common/charging_session.hpp"

namespace evhil::chargers {

void ChargingSession::update(bool vehicle_connected, double meter_energy_wh, TimePoint now) {
    if (vehicle_connected && !active) {
        active = true;
        started = now;
        start_energy_wh = meter_energy_wh;
    }
    if (active) {
        energy_wh = meter_energy_wh - start_energy_wh;
        duration_s = to_seconds(now - started);
    }
    if (!vehicle_connected && active) {
        active = false;
        ++completed;
        last_energy_wh = energy_wh;
        last_duration_s = duration_s;
    }
}

}  // namespace evhil::chargers
