#pragma once
// The latencies a wire or bench run reports, measured on the protocol trace (the tap's timestamps), so they
// are the same figures whether the device is a simulator or a real wallbox:
//  - setpoint to applied: a controller change until the device acknowledges the write carrying that value;
//  - link restored to reconnected: the end of a link fault until the driver's next connection is up;
//  - re-send after reconnect: a new connection until the driver's first setpoint write on it.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/transport/modbus/pdu.hpp"
#include "drivers/transport/modbus/tcp_tap.hpp"

namespace evhil::harness {

struct SetpointChange {
    TimePoint at;
    double amps = 0;
};

struct LatencyInputs {
    const std::vector<modbus::TapEvent>& events;
    std::vector<SetpointChange> setpoint_changes;
    std::vector<TimePoint> link_restored;  // ends of link faults; instant faults (close, reboot) at their time
    // The setpoint a write request carries, if it is a setpoint write (protocol specific, from the rig).
    std::function<std::optional<double>(const modbus::Request&)> setpoint_of;
};

// Keys: latency.<what>.count / .mean_s / .max_s, and latency.setpoint_to_applied.missing for changes that
// were never acknowledged.
std::map<std::string, double> measure_latencies(const LatencyInputs& inputs);

}  // namespace evhil::harness
