#pragma once
// `evhil sim mqtt-json`: a charger that reports JSON over MQTT, as a process of its own.
//
//   evhil sim mqtt-json [--broker HOST:PORT] [--topic T] [--command-topic T] [--interval 1s] [--no-status]
//                       [--no-current] [--soc PERCENT] [--unplugged] [--max-current A] [--venus PORTAL:INSTANCE]
//                       [--fault KIND:START:DURATION]...
//
// With no --broker it starts a Mosquitto of its own on a free loopback port. It prints
// "mqtt-json charger on HOST:PORT topic T commands T" once it publishes. --venus also follows the GX's N/ topics of
// that evcharger instance (and keeps the GX's bridge alive). --fault silence:20:15 is silent from 20 s after start for
// 15 s; the kinds are silence, garbage, wrong_types, partial and burst. Runs until SIGINT or SIGTERM.
//
// Covered by tests/cli/evchargerd_mqtt_json_test.sh.

#include "simulators/standalone_simulator.hpp"

namespace evhil::sim::mqtt_json {

StandaloneSimulator standalone_simulator();

}  // namespace evhil::sim::mqtt_json
