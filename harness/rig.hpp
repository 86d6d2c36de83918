#pragma once
// A charger rig is one device under test as the runner sees it: the simulator (device model on the physics),
// the transport between them for the chosen target, and the production driver. Each charger protocol adds
// one rig; the runner, the timeline and the expectations stay the same for all of them.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "harness/recorder.hpp"
#include "harness/scenario.hpp"
#include "simulators/physics/ev.hpp"

namespace evhil::harness {

struct RigContext {
    Executor& executor;
    Rng rng;
    physics::Ev& ev;
    std::string target;  // sim | wire | bench
};

class ChargerRig {
public:
    virtual ~ChargerRig() = default;

    virtual void start() = 0;
    // Advances the simulated station and the EV behind it by one physics step.
    virtual void step(Duration dt) = 0;
    // The setpoint the controller hands the driver (0 = pause).
    virtual void set_current(double amps) = 0;
    // The charger's own maximum as the driver has read it (0 while unknown).
    virtual double driver_station_limit_a() const = 0;
    // The lowest physical limit of the simulated station (station max, cable): the safety invariant.
    virtual double hard_limit_a() const = 0;
    // Called after every driver poll.
    virtual void on_poll(std::function<void()> callback) = 0;
    // Switches a named fault (scenario.hpp: known_faults) on or off.
    virtual void set_fault(const std::string& name, bool on, const std::map<std::string, std::string>& params) = 0;
    // Must include charger.applied_current and driver.commanded: the runner's safety invariants read them.
    virtual void add_signals(Recorder& recorder) = 0;
    virtual std::map<std::string, double> metrics() const = 0;
};

// Throws ConfigError when the device's settings are invalid.
std::unique_ptr<ChargerRig> make_charger_rig(const DeviceSpec& device, RigContext& context);

}  // namespace evhil::harness
