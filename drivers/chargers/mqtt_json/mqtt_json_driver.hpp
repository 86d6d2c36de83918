#pragma once
// A charger that reports JSON on an MQTT topic (a DIY wallbox, a charger behind Node-RED or openWB), in the format of
// mr-manuel's venus-os_dbus-mqtt-ev-charger (mqtt_json_report.hpp, docs/mqtt-json.md), driven through the common
// charger contract, so it becomes an evcharger service on the Victron bus like any other charger.
//
//  - it subscribes to `topic` on the broker of its endpoint; every accepted message refreshes the status, keys it does
//    not carry keep their last good value, refused keys are logged with the reason (each distinct reason once at warn,
//    then counted);
//  - Current, when the charger does not send it, is Ac.Power / voltage, shared by the phases it reports (by 3 with L1,
//    L2 and L3, by 2 with two of them), as the original derives it; without Status, the vehicle is taken as charging
//    while Ac.Power > 0 and as gone once the power has been 0 for 300 s, so the session (and /ChargingTime) is counted
//    locally as the original counts it; a ChargingTime the charger sends overrides it;
//  - when no accepted message came for `timeout`, the charger shows disconnected (/Connected 0, /Status 0) and the
//    service stays on the bus; the next good message brings it back. The original exits the process instead and lets
//    its supervisor restart it, so the charger flickers out of the GX;
//  - commands (the station's current, 0 to pause) go out as JSON on `command_topic`, retained so that a charger that
//    reconnects finds the last one: {"SetCurrent": 10, "StartStop": 1} (and "Phases" when the station switches them).
//    With no command_topic the charger is expected to follow the GX's own N/ topics of its service, as the original
//    relies on.
//
// Covered by tests/unit/mqtt_json_driver_test.cpp and tests/cli/evchargerd_mqtt_json_test.sh.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "drivers/chargers/common/charger_driver.hpp"
#include "drivers/chargers/mqtt_json/mqtt_json_report.hpp"
#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"

namespace evhil::mqtt_json {

struct MqttJsonDriverSettings {
    std::string topic = "custom/ev-charger";  // the original's sample
    std::string command_topic;                // empty: no JSON commands
    bool command_retain = true;
    Duration timeout = std::chrono::seconds(60);  // 0: never shown as disconnected for silence
    double voltage_v = 230;
};
// `driver:` keys: topic, command_topic, command_retain, timeout, voltage.
MqttJsonDriverSettings parse_mqtt_json_driver_settings(const ConfigNode& node);
const std::vector<std::string>& mqtt_json_driver_setting_keys();

class MqttJsonDriver final : public chargers::ChargerDriver {
public:
    struct Counters {
        std::uint64_t messages = 0;
        std::uint64_t accepted = 0;
        std::uint64_t refused_messages = 0;
        std::uint64_t refused_keys = 0;
        std::uint64_t timeouts = 0;
        std::uint64_t commands_sent = 0;
    };

    MqttJsonDriver(Executor& executor, mqtt::MqttClient& client, MqttJsonDriverSettings settings,
                   std::string name = "mqtt_json");
    ~MqttJsonDriver() override;
    MqttJsonDriver(const MqttJsonDriver&) = delete;
    MqttJsonDriver& operator=(const MqttJsonDriver&) = delete;

    void start() override;
    void stop() override;
    void command(const chargers::ChargeCommand& command) override;
    std::optional<chargers::ChargeCommand> commanded() const override { return commanded_; }
    bool command_settled() const override { return !command_pending_; }
    const chargers::ChargerStatus& status() const override { return status_; }
    const chargers::DriverHealth& health() const override { return health_; }
    const chargers::ChargingSession& session() const override { return session_; }
    void restore_session(const chargers::ChargingSession& session) override { session_ = session; }
    void on_update(std::function<void()> callback) override { on_update_ = std::move(callback); }
    void suspend(bool suspended) override { suspended_ = suspended; }

    const ChargerReport& report() const { return report_; }
    const Counters& counters() const { return counters_; }
    const MqttJsonDriverSettings& settings() const { return settings_; }

private:
    void on_message(const mqtt::MqttMessage& message);
    void check_timeout();
    void refresh();
    void send_command();
    void log_refusal(const std::string& reason);

    Executor& executor_;
    mqtt::MqttClient& client_;
    MqttJsonDriverSettings settings_;
    std::string name_;
    chargers::ChargerStatus status_;
    chargers::DriverHealth health_;
    chargers::ChargingSession session_;
    ChargerReport report_;
    std::optional<TimePoint> last_data_;
    std::optional<TimePoint> power_stopped_;  // without Status: since when Ac.Power has been 0
    bool vehicle_seen_ = false;
    std::optional<chargers::ChargeCommand> commanded_;
    bool command_pending_ = false;
    bool suspended_ = false;
    bool running_ = false;
    std::optional<mqtt::MqttClient::SubscriptionId> subscription_;
    std::optional<Executor::TimerId> timeout_timer_;
    std::set<std::string> logged_reasons_;
    std::function<void()> on_update_;
    Counters counters_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace evhil::mqtt_json
