// The rig table: one row per device kind the harness can simulate and observe. Adding a charger kind adds one
// row here, pointing at its rig.

#include <fmt/format.h>

#include <functional>

#include "harness/devices/alfen/alfen_rig.hpp"
#include "harness/devices/gx/gx_rig.hpp"
#include "harness/devices/mqtt/run_broker.hpp"
#include "harness/devices/mqtt_json/mqtt_json_rig.hpp"
#include "harness/devices/rig.hpp"
#include "harness/devices/tariffs/tariff_rig.hpp"
#include "harness/scenario/faults.hpp"

namespace evhil::harness {
namespace {

struct RigKind {
    const char* type;
    std::unique_ptr<ChargerRig> (*make)(const DeviceSpec&, RigContext&);
    const std::vector<FaultSpec>& (*faults)();
};

constexpr RigKind rig_kinds[] = {
    {"alfen", make_alfen_rig, alfen_rig_faults},
    {"mqtt_json", make_mqtt_json_rig, mqtt_json_rig_faults},
};

}  // namespace

std::unique_ptr<ChargerRig> make_charger_rig(const DeviceSpec& device, RigContext& context) {
    for (const auto& kind : rig_kinds) {
        if (device.type == kind.type) {
            return kind.make(device, context);
        }
    }
    device.node.fail(fmt::format("no simulator rig for device type '{}'", device.type));
}

const std::vector<FaultSpec>* rig_faults(const std::string& type) {
    if (type == gx_device) {
        return &GxRig::faults();  // the GX of a scenario's gx: section
    }
    if (type == mqtt_device) {
        return &RunBroker::faults();
    }
    if (type == tariff_device) {
        return &TariffRig::faults();  // the price API of a scenario's tariff: section
    }
    for (const auto& kind : rig_kinds) {
        if (type == kind.type) {
            return &kind.faults();
        }
    }
    return nullptr;
}

}  // namespace evhil::harness
