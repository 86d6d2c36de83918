#pragma once
// The Alfen NG9xx row of the rig table.

#include <memory>

#include "harness/rig.hpp"

namespace evhil::harness {

std::unique_ptr<ChargerRig> make_alfen_rig(const DeviceSpec& device, RigContext& context);

}  // namespace evhil::harness
