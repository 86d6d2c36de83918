#pragma once
// A link: how a station's driver reaches one device on the run's target, whatever the protocol. The base has what
// every link does — its lifecycle, the link faults it applies, its metrics and, on wire and bench, the frames its
// recording tap saw with the codec that reads them. A protocol's link adds the port its drivers use
// (modbus_link.hpp: Modbus TCP; a serial, BLE or MQTT link would add theirs).
//
// Everything runs on the run's one executor; a link's ports are asynchronous, so nothing waits.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drivers/transport/frame_event.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/traces/frame_codec.hpp"

namespace evhil::harness {

// The frames of one link and the codec of its protocol; no frames on sim, where nothing goes over a socket.
struct LinkTrace {
    std::shared_ptr<const FrameCodec> codec;
    std::vector<FrameEvent> events;
};

class Link {
public:
    virtual ~Link() = default;

    // Ends the run's I/O: connections close and counters settle. Idempotent.
    virtual void stop() = 0;
    // Called every physics step on the run's thread (idle expiry on the sim target).
    virtual void step() {}
    // Applies a link fault; false when the fault is not one this link applies.
    virtual bool set_fault(const Action& action, bool on) = 0;
    // Closes every open connection, as a device reboot does.
    virtual void drop_all_connections() = 0;
    virtual double open_connections() const = 0;
    virtual std::map<std::string, double> metrics() const = 0;
    // What the tap recorded (after stop()).
    virtual LinkTrace take_trace() = 0;
};

}  // namespace evhil::harness
