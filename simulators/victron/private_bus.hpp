#pragma once
// A private dbus-daemon: its own socket in a temporary folder and the allow-all policy of
// simulators/victron/private-bus.conf (built into the binary, so it runs from anywhere). `evhil sim gx` starts one
// when it is given no bus, and the D-Bus tests start one each. Stopped (SIGTERM, then reaped) when the object goes.

#include <sys/types.h>
#include <string>

namespace evhil::sim::victron {

class PrivateBus {
public:
    // Throws std::runtime_error with the reason when the daemon cannot be started.
    PrivateBus();
    ~PrivateBus();
    PrivateBus(const PrivateBus&) = delete;
    PrivateBus& operator=(const PrivateBus&) = delete;

    const std::string& address() const { return address_; }
    void stop();

private:
    std::string folder_;
    std::string address_;
    pid_t pid_ = -1;
};

}  // namespace evhil::sim::victron
