#pragma once
// A simulated charger that reports JSON over MQTT, in the format the MQTT-JSON driver reads (docs/mqtt-json.md), from
// the EV model: Ac.Power and the phase powers, the energy counter, Current, MaxCurrent, Status and Model, published at
// a set interval. It obeys commands both ways the field uses:
//  - JSON on its command topic, {"SetCurrent": 10, "StartStop": 1};
//  - the GX's own N/<portal>/evcharger/<instance>/SetCurrent and /StartStop (venus_portal set), keeping the GX's
//    bridge alive with keep-alives as a Node-RED flow does, and asking for the whole tree again when the bridge
//    announces a (re)start with N/<portal>/keepalive.
// Faults: silence (publishes nothing), garbage (text that is not JSON), wrong_types (Ac.Power as a text), partial
// (Ac.Power only), burst (burst_count reports at once).
//
// The EV is the caller's, and so is time: step() moves the EV (the standalone simulator on a timer, the harness' rig
// every physics step); start() publishes the reports at the interval.
//
// Run standalone with `evhil sim mqtt-json` (standalone.hpp). Covered by tests/cli/evchargerd_mqtt_json_test.sh and
// the scenarios in scenarios/mqtt/.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"
#include "simulators/physics/ev.hpp"

namespace evhil::sim::mqtt_json {

enum class ReportFault { none, silence, garbage, wrong_types, partial, burst };
// "silence", "garbage", "wrong_types", "partial", "burst"; nullopt for anything else.
std::optional<ReportFault> parse_report_fault(const std::string& name);

struct MqttJsonChargerSettings {
    std::string topic = "custom/ev-charger";
    std::string command_topic = "custom/ev-charger/set";
    Duration interval = std::chrono::seconds(1);
    double voltage_v = 230;
    double max_current_a = 16;
    double initial_current_a = 6;  // what it offers before any command
    bool send_status = true;
    bool send_current = true;  // false: the driver derives it from the power
    std::string model = "evhil MQTT-JSON charger";
    int burst_count = 50;
    std::string venus_portal;  // non-empty: also follow the GX's N/ topics of this evcharger instance
    int venus_instance = 100;
};

class MqttJsonCharger {
public:
    MqttJsonCharger(Executor& executor, evhil::mqtt::MqttClient& client, physics::Ev& ev,
                    MqttJsonChargerSettings settings);
    ~MqttJsonCharger();
    MqttJsonCharger(const MqttJsonCharger&) = delete;
    MqttJsonCharger& operator=(const MqttJsonCharger&) = delete;

    void start();
    void stop();
    // Offers the current the commands allow to the EV and moves it by dt.
    void step(Duration dt);
    void set_fault(ReportFault fault) { fault_ = fault; }
    ReportFault fault() const { return fault_; }

    physics::Ev& ev() { return ev_; }
    double offered_current_a() const { return enabled_ ? std::min(set_current_a_, settings_.max_current_a) : 0.0; }
    double max_current_a() const { return settings_.max_current_a; }
    double set_current_a() const { return set_current_a_; }
    bool enabled() const { return enabled_; }
    std::uint64_t reports() const { return reports_; }
    std::uint64_t commands() const { return commands_; }

private:
    void publish_report();
    std::string report_json() const;
    void on_command(const evhil::mqtt::MqttMessage& message);
    void on_venus(const std::string& path, const evhil::mqtt::MqttMessage& message);
    void keep_gx_alive(bool first);
    int status_code() const;

    Executor& executor_;
    evhil::mqtt::MqttClient& client_;
    MqttJsonChargerSettings settings_;
    physics::Ev& ev_;
    double set_current_a_;
    bool enabled_ = true;
    ReportFault fault_ = ReportFault::none;
    std::optional<Executor::TimerId> report_timer_;
    std::optional<Executor::TimerId> keepalive_timer_;
    std::vector<evhil::mqtt::MqttClient::SubscriptionId> subscriptions_;
    std::uint64_t reports_ = 0;
    std::uint64_t commands_ = 0;
    bool running_ = false;
};

}  // namespace evhil::sim::mqtt_json
