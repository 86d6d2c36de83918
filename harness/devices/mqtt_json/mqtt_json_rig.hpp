#pragma once
// The MQTT-JSON charger rig: the simulated charger that reports JSON (simulators/chargers/mqtt_json/) on a broker of
// the run's own, the in-process broker on sim and a real Mosquitto on wire, with the station's MQTT-JSON driver as
// the other client. Faults: the charger's (silence, garbage, wrong_types, partial, burst) and the broker's
// (broker_restart, broker_down), and the driver faults every charger takes. Not on a bench.

#include <memory>
#include <vector>

#include "harness/devices/rig.hpp"

namespace evhil::harness {

std::unique_ptr<ChargerRig> make_mqtt_json_rig(const DeviceSpec& device, RigContext& context);
const std::vector<FaultSpec>& mqtt_json_rig_faults();

}  // namespace evhil::harness
