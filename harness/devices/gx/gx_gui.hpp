#pragma once
// The GX GUI of a scenario: a client on the Victron bus that follows services as the GX's GUI does. When a service
// appears on the bus it reads every path it follows (GetValue), then keeps them current from the service's
// PropertiesChanged and ItemsChanged; when the service leaves the bus its values become unknown (NaN) until it
// comes back and is read again. What it holds is what went over the bus, never the services' own trees, so a
// signal that a service forgot to send shows as a stale value here. Its writes are SetValue calls.
//
// Used by the GX rig (gx_rig.hpp); covered by tests/unit/gx_rig_test.cpp and the scenarios in scenarios/venus/.

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "drivers/venus/venus_bus.hpp"

namespace evhil::harness {

class GxGui {
public:
    explicit GxGui(venus::VenusBus& bus) : bus_(bus) {}

    // A service to follow and the paths to read from it; before start().
    void follow(const std::string& service, const std::vector<std::string>& paths);
    // After the connection is up: watches every followed service.
    void start();

    // The last value seen, as a number; NaN when unknown, invalid or a text.
    double value(const std::string& service, const std::string& path) const;
    bool present(const std::string& service) const;
    std::uint64_t reads() const { return reads_; }
    std::uint64_t signals() const { return signals_; }

    // SetValue as the GUI sends it.
    void set_value(const std::string& service, const std::string& path, const venus::BusValue& value,
                   venus::VenusBus::SetHandler done);

private:
    struct Followed {
        std::map<std::string, double> values;  // path -> number (NaN: unknown)
        bool present = false;
        std::uint64_t epoch = 0;  // read answers of an earlier appearance are dropped
    };
    void read_all(const std::string& service);
    static double number(const venus::BusValue& value);

    venus::VenusBus& bus_;
    std::map<std::string, Followed> services_;
    std::uint64_t reads_ = 0;
    std::uint64_t signals_ = 0;
};

}  // namespace evhil::harness
