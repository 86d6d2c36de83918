#pragma once
// The Alfen NG9xx row of the rig table.

#include <memory>

#include "harness/scenario/faults.hpp"
#include "harness/devices/rig.hpp"

namespace evhil::harness {

std::unique_ptr<ChargerRig> make_alfen_rig(const DeviceSpec& device, RigContext& context);
// The Modbus link's faults, the driver's and the Alfen simulator's own (reboot, station_error).
const std::vector<FaultSpec>& alfen_rig_faults();

}  // namespace evhil::harness
