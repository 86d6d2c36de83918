#pragma once
// What a GX site's meters see of the EV chargers, when the chargers are real processes on the bus rather than
// models in the same run (`evhil sim gx` beside evchargerd): every com.victronenergy.evcharger.* service is found
// by name and its /Ac/L1..L3/Power and /Position read, once per update, asynchronously. A charger that leaves the
// bus stops counting.

#include <map>
#include <string>
#include <vector>

#include "drivers/venus/venus_bus.hpp"
#include "simulators/victron/virtual_gx.hpp"

namespace evhil::sim::victron {

class EvchargerMeter {
public:
    explicit EvchargerMeter(venus::VenusBus& bus) : bus_(bus) {}

    // Starts one round of reads; the answers update loads() as they come.
    void poll();
    std::vector<EvLoad> loads() const;
    std::vector<std::string> chargers() const;

private:
    struct Reading {
        std::array<double, 3> phase_w{};
        venus::AcPosition position = venus::AcPosition::ac_input;
    };
    venus::VenusBus& bus_;
    std::map<std::string, Reading> readings_;
};

}  // namespace evhil::sim::victron
