#pragma once
// The Victron side of a scenario: the station's Venus output (the code evchargerd runs: an evcharger service per
// charger), the virtual GX (system, settings, battery, grid meter, PV inverter) closed over the run's site and EV
// models, and the GX GUI that reads and writes them over the bus, all on one bus per run (gx_buses.hpp).
//
// Energy as the GX's system service accounts it, integrated over the run: gx.energy.grid_import, .grid_export,
// .battery_charge, .battery_discharge, .pv, .ev (what the chargers drew) and .ev_solar (the part of it the PV could
// cover beyond the house at that moment: the solar share is ev_solar / ev) (kWh).
//
// Signals: gx.<service>.<path> for every path of every service as the GUI sees it, with the service named without
// "com.victronenergy." and the path's slashes as dots (gx.evcharger.garage.Ac.Power, gx.system.Dc.Battery.Soc);
// gx.<service>.present; gx.last_set_result, the answer to the GUI's last SetValue (0, 1, 2; NaN before any).
// Actions: gx_set writes a path as the GUI does. Faults (device: gx): bus_drop, name_taken, system_stale.
//
// With gx: {mqtt: ...} the GX also runs its Venus MQTT bridge (drivers/venus/venus_mqtt_bridge.hpp) on a bus
// connection of its own and the run's MQTT broker, with an app that reads and writes it (gx_mqtt_app.hpp): actions
// mqtt_keepalive and mqtt_write, signals gx.mqtt.* and gx.bridge.alive.
//
// On wire and bench every message to and from the station's services is recorded (bus_monitor.hpp) into the run's
// traces as the device "gx": text, pcapng with the D-Bus link type, and a baseline.
//
// Covered by tests/unit/gx_gui_test.cpp and the scenarios in scenarios/venus/ (sim and wire).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/rng.hpp"
#include "drivers/meters/victron_system/victron_system_meter.hpp"
#include "drivers/station/station.hpp"
#include "drivers/venus/evcharger_settings.hpp"
#include "drivers/venus/venus_mqtt_bridge.hpp"
#include "drivers/venus/venus_output.hpp"
#include "harness/devices/gx/bus_monitor.hpp"
#include "harness/devices/gx/gx_buses.hpp"
#include "harness/devices/gx/gx_gui.hpp"
#include "harness/devices/gx/gx_mqtt_app.hpp"
#include "harness/devices/mqtt/run_broker.hpp"
#include "harness/devices/rig.hpp"
#include "harness/scenario/faults.hpp"
#include "simulators/victron/virtual_gx.hpp"

namespace evhil::harness {

class GxRig {
public:
    GxRig(Executor& executor, const std::string& target, station::Station& station,
          const venus::StationEvchargers& chargers, const sim::victron::GxSettings& settings, Rng rng,
          const std::optional<GxMqttSpec>& mqtt = std::nullopt, RunBroker* broker = nullptr, bool gui = true);
    ~GxRig();
    bool gui_enabled() const { return gui_enabled_; }
    GxRig(const GxRig&) = delete;
    GxRig& operator=(const GxRig&) = delete;

    void start();
    void stop();
    // One update of the virtual GX from the site and the EVs (unless the system_stale fault holds it).
    void update(const sim::victron::GxInputs& inputs, Duration dt);

    void add_signals(const SignalAdder& add);
    // The GUI's SetValue; `done` gets the answer (0, 1, 2) or the error.
    void gui_set(const std::string& service, const std::string& path, const venus::BusValue& value,
                 std::function<void(const std::string& outcome)> done);
    bool set_fault(const Action& action, bool on);
    // The app's R/<portal>/keepalive and W/ write (gx: {mqtt: ...} only); false with the reason when it cannot.
    bool mqtt_keepalive(const std::string& payload, std::string& reason);
    bool mqtt_write(const std::string& service, const std::string& path, const std::string& json_value,
                    std::string& reason);
    std::map<std::string, double> metrics() const;
    // On wire and bench: every message to and from the station's services (bus_monitor.hpp), after stop().
    LinkTrace take_trace();

    // "evcharger.garage" or the full name -> the full bus name.
    static std::string bus_name(const std::string& service);
    static const std::vector<FaultSpec>& faults();
    venus::AcPosition position_of(const std::string& charger_id) const;
    const std::string& address() const { return address_; }
    // The station's site meter on this GX (Auto reads the site through it), as evchargerd's on a real GX.
    const control::SiteMeter& site_meter() const { return meter_; }

private:
    void start_services();
    void claim_for_intruder();
    void connect(venus::VenusBus& bus, const std::string& who, std::function<void()> then);

    Executor& executor_;
    std::unique_ptr<GxBuses> buses_;
    std::string address_;
    venus::StationEvchargers chargers_;
    sim::victron::VirtualGx gx_;  // its trees before the buses' publications of them go (stop())
    venus::VenusOutput output_;
    meters::VictronSystemMeter meter_;
    GxGui gui_;
    // gx: {mqtt: ...}: the bridge's broker client, the bridge, and the app that reads it.
    std::unique_ptr<mqtt::MqttClient> bridge_client_;
    std::unique_ptr<venus::VenusMqttBridge> bridge_;
    std::unique_ptr<GxMqttApp> app_;
    std::unique_ptr<BusMonitor> monitor_;                                   // wire and bench
    std::vector<std::pair<std::string, const venus::ItemTree*>> services_;  // every service the GUI follows
    struct Ledger {
        double grid_import_kwh = 0, grid_export_kwh = 0, battery_charge_kwh = 0, battery_discharge_kwh = 0, pv_kwh = 0,
               ev_kwh = 0, ev_solar_kwh = 0;
    };
    void account(const sim::victron::GxInputs& inputs, Duration dt);
    Ledger ledger_;
    bool stale_ = false;
    bool intruding_ = false;
    venus::ItemTree intruder_tree_;
    double last_set_result_;
    std::uint64_t gui_sets_ = 0;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    bool gui_enabled_ = true;  // the GUI follows every path (gx: {gui: false} turns it off)
};

}  // namespace evhil::harness
