#include "drivers/chargers/common/charger_driver.hpp"

namespace evhil::chargers {

const char* to_string(VehicleState state) {
    switch (state) {
        case VehicleState::unknown:
            return "unknown";
        case VehicleState::A:
            return "A";
        case VehicleState::B:
            return "B";
        case VehicleState::C:
            return "C";
        case VehicleState::D:
            return "D";
        case VehicleState::E:
            return "E";
        case VehicleState::F:
            return "F";
    }
    return "unknown";
}

VehicleState vehicle_state_from_mode3(std::string_view mode3) {
    if (mode3.empty()) {
        return VehicleState::unknown;
    }
    switch (mode3.front()) {
        case 'A':
            return VehicleState::A;
        case 'B':
            return VehicleState::B;
        case 'C':
            return VehicleState::C;
        case 'D':
            return VehicleState::D;
        case 'E':
            return VehicleState::E;
        case 'F':
            return VehicleState::F;
        default:
            return VehicleState::unknown;
    }
}

const char* to_string(DriverState state) {
    switch (state) {
        case DriverState::stopped:
            return "stopped";
        case DriverState::connecting:
            return "connecting";
        case DriverState::running:
            return "running";
        case DriverState::backing_off:
            return "backing_off";
    }
    return "unknown";
}

}  // namespace evhil::chargers
