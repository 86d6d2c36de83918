// The one symbol of evchargerd-mqtt-paho.so (paho_module.hpp): a new paho-mqtt-cpp transport on the caller's executor.

#include "drivers/transport/mqtt/paho_module.hpp"
#include "drivers/transport/mqtt/paho_transport.hpp"

extern "C" __attribute__((visibility("default"))) evhil::mqtt::MqttTransport* evhil_new_paho_mqtt_transport(
    evhil::Executor* executor) {
    return new evhil::mqtt::PahoMqttTransport(*executor);
}
