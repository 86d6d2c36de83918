#pragma once
// The paho-mqtt-cpp adapter as a module that evchargerd loads only when its configuration names a broker.
//
// Linking paho-mqtt-c brings OpenSSL with it, and the dynamic loader relocates and touches about 2 MiB of libcrypto,
// libssl and paho in every process that links them, used or not: an Alfen-only evchargerd grew from 6.4 to 8.6 MiB of
// RSS, past its 8 MiB target. So evchargerd never links the adapter; the first MQTT client it makes loads
// evchargerd-mqtt-paho.so (built beside evchargerd) with dlopen and asks it for a transport. The tests, the harness
// and the simulators link the adapter directly.
//
// Where the module is looked for: drivers/core/module_loader.hpp. A module that cannot be found or loaded is a
// std::runtime_error naming every place tried and dlerror()'s reason.
//
// Covered by tests/cli/evchargerd_links_test.sh (evchargerd links neither paho nor OpenSSL) and by every evchargerd
// test with a broker (tests/cli/evchargerd_*_test.sh).

#include <memory>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/mqtt_transport.hpp"

namespace evhil::mqtt {

// The module's file name and its one entry point, which returns a new PahoMqttTransport the caller owns.
inline constexpr const char* paho_module_file = "evchargerd-mqtt-paho.so";
inline constexpr const char* paho_module_entry = "evhil_new_paho_mqtt_transport";
using PahoModuleEntry = MqttTransport* (*)(Executor* executor);

// Loads the module on first use (it stays loaded) and makes a transport; throws std::runtime_error.
std::unique_ptr<MqttTransport> load_paho_transport(Executor& executor);

}  // namespace evhil::mqtt
