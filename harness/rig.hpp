#pragma once
// A charger rig is one device under test as the runner sees it: the simulator (device model on the physics),
// the link between driver and device for the chosen target (modbus_link.hpp), and the production driver. Each
// charger protocol adds one rig; the runner, the timeline and the expectations stay the same for all of them.
//
// Threads: none of its own. The simulator, the link (sockets on wire and bench) and the driver all run on the
// run's one executor; the ports are asynchronous, so nothing waits and the device model needs no lock.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "harness/bench_file.hpp"
#include "harness/protocol_trace.hpp"
#include "harness/recorder.hpp"
#include "harness/scenario.hpp"
#include "simulators/physics/ev.hpp"

namespace evhil::harness {

struct RigContext {
    Executor& executor;
    Rng rng;
    physics::Ev& ev;
    std::string target;                // sim | wire | bench
    const BenchFile* bench = nullptr;  // bench target only
};

class ChargerRig {
public:
    virtual ~ChargerRig() = default;

    virtual void start() = 0;
    // Ends all I/O (joins the link's thread); metrics and the trace are final afterwards.
    virtual void stop() = 0;
    // Advances the simulated station and the EV behind it by one physics step.
    virtual void step(Duration dt) = 0;
    // The setpoint the controller hands the driver (0 = pause). Returns what the driver was actually told: on a
    // bench the cap may lower it, and nothing (nullopt) is commanded on a read-only bench.
    virtual std::optional<double> set_current(double amps) = 0;
    // The charger's own maximum as the driver has read it (0 while unknown).
    virtual double driver_station_limit_a() const = 0;
    // The lowest physical limit of the station (station max, cable; on a bench also the bench's cap).
    virtual double hard_limit_a() const = 0;
    // Called after every driver poll.
    virtual void on_poll(std::function<void()> callback) = 0;
    // Whether the rig can carry out this timeline action itself on its target. On a bench, what only a
    // simulator can do (plug in an EV, reboot the station) becomes an operator prompt or is skipped.
    virtual bool can_perform(const Action& action) const = 0;
    // Switches a named fault (scenario.hpp: known_faults) on or off; only called when can_perform().
    virtual void set_fault(const Action& action, bool on) = 0;
    // Must include charger.applied_current and driver.commanded: the runner's safety invariants read them.
    virtual void add_signals(Recorder& recorder) = 0;
    // False for signals that exist only in a simulator's model (ev.* on a bench): expectations on them are
    // reported as skipped rather than judged.
    virtual bool observable(const std::string& signal) const = 0;
    virtual std::map<std::string, double> metrics() const = 0;
    // The setpoint a Modbus write request carries, when it is this device's setpoint write (for latencies).
    virtual std::optional<double> setpoint_in(const modbus::Request& request) const = 0;
    // The frames of the run on wire and bench (after stop()); nothing on sim.
    virtual std::vector<modbus::TapEvent> take_trace_events() = 0;
};

// Throws ConfigError when the device's settings are invalid or the bench file has no entry for it.
std::unique_ptr<ChargerRig> make_charger_rig(const DeviceSpec& device, RigContext& context);

}  // namespace evhil::harness
