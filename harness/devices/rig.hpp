#pragma once
// A charger rig is one device under test as the harness sees it: the simulator (device model on the physics) and
// the link between the station's driver and the device for the chosen target (links/link.hpp). The driver
// itself belongs to the station, exactly as in evchargerd; the rig only observes it and applies driver faults.
// Each charger protocol adds one rig; the runner, the timeline and the expectations stay the same for all.
//
// Threads: none of its own. The simulator, the link (sockets on wire and bench) and the driver all run on the
// run's one executor; the ports are asynchronous, so nothing waits and the device model needs no lock.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drivers/chargers/common/charger_driver.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/transport/port_provider.hpp"
#include "harness/links/link.hpp"
#include "harness/recording/recorder.hpp"
#include "harness/scenario/bench_file.hpp"
#include "harness/scenario/faults.hpp"
#include "harness/scenario/scenario.hpp"
#include "simulators/physics/ev.hpp"

namespace evhil::harness {

class RunBroker;

struct RigContext {
    Executor& executor;
    Rng rng;
    physics::Ev& ev;                          // the EV behind this charger's cable
    std::string target;                       // sim | wire | bench
    const BenchDevice* bench = nullptr;       // this device's bench entry, bench target only
    std::function<RunBroker&()> mqtt_broker;  // the run's MQTT broker (devices/mqtt/run_broker.hpp), made on first use
};

// Registers a signal under a name relative to the device; the runner prefixes the device id.
struct SignalAdder {
    std::function<void(std::string, std::string, Recorder::Getter, std::vector<std::string>)> add;
    void operator()(std::string name, std::string unit, Recorder::Getter getter,
                    std::vector<std::string> labels = {}) const {
        add(std::move(name), std::move(unit), std::move(getter), std::move(labels));
    }
};

class ChargerRig {
public:
    virtual ~ChargerRig() = default;

    // Ends all I/O; metrics and the trace are final afterwards.
    virtual void stop() = 0;
    // Advances the simulated station and the EV behind it by one physics step.
    virtual void step(Duration dt) = 0;
    // How the station's driver reaches this device on the run's target: the rig serves the kind of port its
    // driver asks for, with the driver's own endpoint settings (timeouts), through its link.
    virtual PortProvider& ports() = 0;
    // The station's driver for this device, once the station is built: for signals and driver faults.
    virtual void attach(chargers::ChargerDriver& driver) = 0;
    // The most this charger may ever be commanded, as the harness knows it without asking the station: the
    // simulator's cable and station maximum; on a bench the bench file's cap. The safety invariants use it.
    virtual double independent_limit_a() const = 0;
    // Whether the rig can carry out this timeline action itself on its target. On a bench, what only a
    // simulator can do (plug in an EV, reboot the station) becomes an operator prompt or is skipped.
    virtual bool can_perform(const Action& action) const = 0;
    // Switches a named fault on or off; false when no part of the rig applies it (an error, never a silent pass).
    virtual bool set_fault(const Action& action, bool on) = 0;
    // Signals with names relative to the device (charger.applied_current, driver.commanded, ...); the runner
    // prefixes them with the device id.
    virtual void add_signals(const SignalAdder& add) = 0;
    // False for signals that exist only in a simulator's model (ev.* on a bench): expectations on them are
    // reported as skipped rather than judged. `signal` is relative to the device.
    virtual bool observable(const std::string& signal) const = 0;
    virtual std::map<std::string, double> metrics() const = 0;
    // Whether the station's driver reaches this device through the run's MQTT broker: a broker fault then breaks
    // and restores its link.
    virtual bool uses_mqtt_broker() const { return false; }
    // The frames of the run on wire and bench with the codec that reads them (after stop()); no frames on sim.
    virtual LinkTrace take_trace() = 0;
};

// The rig table: throws ConfigError when the device's settings are invalid or it has no rig.
std::unique_ptr<ChargerRig> make_charger_rig(const DeviceSpec& device, RigContext& context);
// The faults a device type's rig accepts; nullptr for a type without a rig.
const std::vector<FaultSpec>* rig_faults(const std::string& type);

}  // namespace evhil::harness
