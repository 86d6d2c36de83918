#pragma once
// Home Assistant in a scenario (the homeassistant: section): the station's discovery output, the code evchargerd runs
// (drivers/homeassistant/), on the run's MQTT broker, and Home Assistant itself as the other client of that broker.
//
// Home Assistant here does what its MQTT integration does: at every connect it subscribes to the discovery prefix and
// the base topic and then sends its birth message (<prefix>/status online); it keeps the configs it was given and the
// last state and availability of every charger; its commands are the entities' command topics. ha_restart is a
// restart of Home Assistant: it disconnects, forgets every entity, connects again and sends its birth.
//
// Signals (under ha.): connected; births; configs (config topics with a non-empty config known since the last start);
// config_messages (config messages received since the last start, retained or live); per charger
// <charger>.available (1 when both availability topics say online), <charger>.power, .current, .set_current,
// .enabled (1 for ON), .energy (kWh), from its JSON state.
//
// Covered by the scenarios in scenarios/homeassistant/ (sim and wire).

#include <map>
#include <memory>
#include <set>
#include <string>

#include "drivers/homeassistant/home_assistant.hpp"
#include "drivers/station/station.hpp"
#include "harness/devices/mqtt/run_broker.hpp"
#include "harness/devices/rig.hpp"

namespace evhil::harness {

class HomeAssistantRig {
public:
    HomeAssistantRig(Executor& executor, station::Station& station, homeassistant::HomeAssistantSettings settings,
                     RunBroker& broker, const Rng& rng);
    ~HomeAssistantRig();
    HomeAssistantRig(const HomeAssistantRig&) = delete;
    HomeAssistantRig& operator=(const HomeAssistantRig&) = delete;

    void start();
    void stop();
    // Home Assistant restarts: everything it knew is gone, and it connects and sends its birth again.
    void restart();
    // Home Assistant sends `payload` on <base>/<charger>/<command>/set.
    void command(const std::string& charger, const std::string& command, const std::string& payload);

    void add_signals(const SignalAdder& add);
    std::map<std::string, double> metrics() const;

private:
    struct ChargerView {
        std::map<std::string, double> state;  // numbers from the JSON state
        std::string availability;
    };
    void on_discovery(const mqtt::MqttMessage& message);
    void on_base(const mqtt::MqttMessage& message);
    void forget();

    homeassistant::HomeAssistantSettings settings_;
    std::unique_ptr<mqtt::MqttClient> discovery_client_;  // the station's, with the will
    std::unique_ptr<homeassistant::HomeAssistantDiscovery> discovery_;
    std::unique_ptr<mqtt::MqttClient> home_assistant_;  // Home Assistant's own client
    std::vector<std::string> charger_ids_;
    std::set<std::string> configs_;
    std::uint64_t config_messages_ = 0;
    std::uint64_t births_ = 0;
    std::uint64_t restarts_ = 0;
    std::uint64_t commands_ = 0;
    std::string bridge_status_;  // <base>/status
    std::map<std::string, ChargerView> chargers_;
};

}  // namespace evhil::harness
