#pragma once
// The MQTT broker of a run, shared by every MQTT client of the site as one broker is on a real installation: the
// MQTT-JSON chargers and their drivers, the GX's Venus MQTT bridge and the app that reads it, Home Assistant discovery
// and Home Assistant itself. The in-process broker (Mosquitto's semantics on the virtual clock) on sim, a real
// Mosquitto on free loopback ports on wire. It exists once something of the run asks for it.
//
// As on an installation that is not wide open, it takes one user with a password drawn from the run's seed (anonymous
// clients are refused on both targets), and on wire it has a TLS listener with a certificate of a throw-away CA: every
// client connects with TLS and checks the certificate, except those the harness records through a tap, which use the
// plain listener so that their packets can be read (the tap blanks the password before recording).
//
// Faults, with `device: mqtt`: broker_restart (instant) and broker_down (sustained); both lose every session and
// retained message, as Mosquitto without persistence does. Signal: mqtt.restarts.
//
// Covered by the scenarios in scenarios/mqtt/ (sim and wire).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"
#include "harness/scenario/faults.hpp"

namespace evhil::mqtt {
class InProcessMqttBroker;
}
namespace evhil::sim::mqtt {
class MosquittoBroker;
}

namespace evhil::harness {

class RunBroker {
public:
    RunBroker(Executor& executor, const std::string& target, Rng rng);
    ~RunBroker();
    RunBroker(const RunBroker&) = delete;
    RunBroker& operator=(const RunBroker&) = delete;

    // A client of this broker, not started: `settings` without host, port or TLS (the broker's are filled in). On wire
    // `via_port` routes it through a recording tap in front of the broker instead.
    std::unique_ptr<mqtt::MqttClient> client(mqtt::MqttSettings settings, Rng rng, const std::string& log_name,
                                             std::uint16_t via_port = 0);
    // The Mosquitto's port on wire; 0 on sim.
    std::uint16_t port() const;
    std::uint64_t restarts() const { return restarts_; }

    // broker_restart / broker_down; false for any other fault.
    bool set_fault(const std::string& fault, bool on);
    static const std::vector<FaultSpec>& faults();

private:
    void stop();
    void start();

    Executor& executor_;
    std::unique_ptr<mqtt::InProcessMqttBroker> in_process_;  // sim
    std::unique_ptr<sim::mqtt::MosquittoBroker> mosquitto_;  // wire
    std::string username_ = "evhil";
    std::string password_;
    std::uint64_t restarts_ = 0;
};

}  // namespace evhil::harness
