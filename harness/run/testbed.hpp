#pragma once
// A testbed: everything one scenario run is made of, wired on one clock — the site, one EV and one rig per charger
// device, and the station evchargerd runs (its chargers reach the devices through the rigs' links). The scenario
// player (runner.cpp) drives it; validate_scenario builds one to check signal names.

#include <memory>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/station/station.hpp"
#include "harness/devices/gx/gx_rig.hpp"
#include "harness/devices/homeassistant/home_assistant_rig.hpp"
#include "harness/devices/mqtt/run_broker.hpp"
#include "harness/devices/rig.hpp"
#include "harness/devices/tariffs/tariff_rig.hpp"
#include "harness/recording/recorder.hpp"
#include "harness/run/invariants.hpp"
#include "harness/run/runner.hpp"
#include "harness/traces/latency.hpp"
#include "simulators/physics/site.hpp"

namespace evhil::harness {

// The station reaches each device through its rig's link, as evchargerd reaches it through a real adapter.
class RigPorts final : public PortProvider {
public:
    void add(const std::string& id, ChargerRig& rig) { rigs_[id] = &rig; }
    modbus::ModbusPort& modbus_tcp(const std::string& device_id, const modbus::TcpClientSettings& endpoint) override {
        return rigs_.at(device_id)->ports().modbus_tcp(device_id, endpoint);
    }
    mqtt::MqttClient& mqtt(const std::string& device_id, const mqtt::MqttSettings& broker) override {
        return rigs_.at(device_id)->ports().mqtt(device_id, broker);
    }

private:
    std::map<std::string, ChargerRig*> rigs_;
};

// One charger device of a run: its EV, its rig and what the runner counts about it.
struct Device {
    const DeviceSpec* spec = nullptr;
    std::unique_ptr<physics::Ev> ev;
    std::unique_ptr<RigContext> context;
    std::unique_ptr<ChargerRig> rig;
    std::vector<SetpointChange> setpoint_changes;
    std::vector<TimePoint> link_restored;
    std::uint64_t capped_by_bench = 0;
};

struct Testbed {
    Testbed(const Scenario& scenario, const RunOptions& options, std::uint64_t seed);

    Device& find(const std::string& id);
    RunBroker& mqtt_broker();
    // The safety invariants: every charger against its independent limit, every circuit against its sum.
    InvariantPlan invariant_plan() const;
    // The virtual GX's inputs now: the site's PV and house load and every EV's real power.
    sim::victron::GxInputs gx_inputs() const;

    std::unique_ptr<Clock> clock;
    Executor executor;
    Rng rng;
    physics::Site site;
    physics::SiteSample site_sample;
    std::unique_ptr<RunBroker> broker;  // once a device, the GX's bridge, Home Assistant or a fault asks for it
    std::vector<Device> devices;
    RigPorts ports;
    std::unique_ptr<station::Station> station;
    std::unique_ptr<GxRig> gx;                        // with a gx: section
    std::unique_ptr<HomeAssistantRig> homeassistant;  // with a homeassistant: section
    std::unique_ptr<TariffRig> tariff;                // with a tariff: section
    Recorder recorder;

private:
    void add_signals();
    std::string target_;
};

}  // namespace evhil::harness
