#pragma once
// The Victron bus of a scenario and its connections, per target: the station's (evchargerd's Venus output), the
// virtual GX's, the GX GUI's, the GX's Venus MQTT bridge's, the station's site meter's, and an intruder's that the
// name_taken fault uses. On sim
// they are in-process connections of one in-process bus daemon; on wire and bench, D-Bus connections to a private
// dbus-daemon that the harness starts. The services and the GUI above are the same code on both.

#include <memory>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/venus/venus_bus.hpp"

namespace evhil::harness {

class GxBuses {
public:
    virtual ~GxBuses() = default;
    virtual venus::VenusBus& station() = 0;
    virtual venus::VenusBus& gx() = 0;
    virtual venus::VenusBus& gui() = 0;
    virtual venus::VenusBus& intruder() = 0;
    virtual venus::VenusBus& bridge() = 0;
    virtual venus::VenusBus& meter() = 0;  // the station's site meter (reads the system service)
    // Breaks the station's connection as a restarting bus daemon or a broken link would: its names go and it is
    // told by its on_lost.
    virtual void drop_station() = 0;
    // The address to give busctl or dbus-monitor, or "the in-process bus".
    virtual std::string address() const = 0;
};

// Throws std::runtime_error when a private dbus-daemon cannot be started.
std::unique_ptr<GxBuses> make_gx_buses(Executor& executor, const std::string& target);

}  // namespace evhil::harness
