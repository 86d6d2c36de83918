#pragma once
// `evhil sim gx`: the virtual GX as a process of its own.
//
//   evhil sim gx [--dbus ADDRESS] [--pv-peak W] [--pv W] [--pv-position dc|ac_output|ac_input] [--house W]
//                [--battery-capacity WH] [--battery-soc PERCENT] [--no-battery] [--min-soc PERCENT]
//                [--grid-setpoint W] [--portal-id HEX] [--site FILE] [--mqtt HOST:PORT | --no-mqtt]
//
// With no --dbus it starts a private dbus-daemon (simulators/victron/private-bus.conf, socket in a temporary
// folder) and prints the address to export as DBUS_SYSTEM_BUS_ADDRESS, so that evchargerd and busctl find it. It
// publishes system, settings, battery, grid meter (and PV inverter) services, and once a second recomputes them from
// the site: PV on a clear-sky curve at the real time of day (or --pv fixed), the house load, the ESS battery, and
// the power of every com.victronenergy.evcharger.* on the bus. Runs until SIGINT or SIGTERM.
//
// Like a GX it runs the Venus MQTT bridge (drivers/venus/venus_mqtt_bridge.hpp): every com.victronenergy.* service of
// the bus on N/<portal>/..., W/ and R/ and the keep-alive. With no --mqtt it starts a Mosquitto of its own on a free
// loopback port, where only the bridge may publish under N/<portal>/, and prints "Venus MQTT on 127.0.0.1:PORT".
//
// Covered by tests/cli/sim_gx_test.sh and tests/conformance/venus_mqtt_test.sh.

#include "simulators/standalone_simulator.hpp"

namespace evhil::sim::victron {

StandaloneSimulator standalone_simulator();

}  // namespace evhil::sim::victron
