#pragma once
// Faults as data. Each part of a rig that can misbehave on purpose declares its faults here: a link (the Modbus
// links: link_down, close, hang, exception, late, corrupt, split), a device (a simulator, e.g. reboot,
// station_error) or a driver (every charger driver: driver_stall). The rig table collects them per device kind;
// the scenario loader checks a fault and its parameters against its device's list, so a fault that no part claims
// is a load error and never a silent pass; the runner reads how the fault behaves from here rather than from
// its name.

#include <functional>
#include <string>
#include <vector>

#include "drivers/core/config.hpp"
#include "harness/scenario/scenario.hpp"

namespace evhil::harness {

struct FaultSpec {
    enum class Owner { link, device, driver };
    enum class Kind { instant, sustained };

    std::string name;
    Owner owner = Owner::link;
    Kind kind = Kind::sustained;
    bool needs_wire = false;          // acts on bytes on a socket: it has no sim form
    bool restores_link = false;       // the link is whole again when it ends (instant: at once), for latencies
    std::vector<std::string> params;  // the action keys it takes, besides fault/for/device
    // Reads and checks its parameters into the action; throws ConfigError. Empty when it takes none.
    std::function<void(const ConfigNode& node, Action& action)> parse;
    // What the person at a bench is asked to do, with {device} for the device id; empty: "bring about ...".
    std::string prompt_on;
    std::string prompt_off;
    std::string description;
};

const FaultSpec* find_fault(const std::vector<FaultSpec>& faults, const std::string& name);
// "link_down, close, ..." for error messages.
std::string fault_names(const std::vector<FaultSpec>& faults);
// The operator prompt for switching `fault` on or off at `device`.
std::string operator_prompt(const FaultSpec& fault, const std::string& device, bool on);

// The faults every charger driver accepts, whatever its protocol.
const std::vector<FaultSpec>& driver_faults();

}  // namespace evhil::harness
