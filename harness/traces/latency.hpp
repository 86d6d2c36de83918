#pragma once
// The latencies a wire or bench run reports, measured on the protocol trace (the tap's timestamps), so they
// are the same figures whether the device is a simulator or a real wallbox:
//  - setpoint to applied: a controller change until the device acknowledges the write carrying that value;
//  - link restored to reconnected: the end of a link fault until the driver's next connection is up;
//  - re-send after reconnect: a new connection until the driver's first setpoint write on it.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/transport/frame_event.hpp"
#include "harness/traces/frame_codec.hpp"

namespace evhil::harness {

struct SetpointChange {
    TimePoint at;
    double amps = 0;
};

struct LatencyInputs {
    const std::vector<FrameEvent>& events;
    std::vector<SetpointChange> setpoint_changes;
    std::vector<TimePoint> link_restored;  // ends of link faults; instant faults (close, reboot) at their time
    // Pairs responses with requests and finds the setpoint writes (the link's codec, which knows the device).
    const FrameCodec& codec;
};

// Keys: latency.<what>.count / .mean_s / .max_s, and latency.setpoint_to_applied.missing for changes that
// were never acknowledged.
std::map<std::string, double> measure_latencies(const LatencyInputs& inputs);

}  // namespace evhil::harness
