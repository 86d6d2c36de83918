#pragma once
// How a driver reaches its device. The station asks the provider for a port by device id and endpoint; the
// daemon's provider opens real adapters, the harness' provider hands out the ports of its links (in-process on
// sim, through the recording tap on wire and bench). One method per kind of port; each returns a port the
// provider owns and keeps alive as long as itself. A provider implements the kinds it serves; asking one for a kind
// it does not serve is a wiring error (a driver kind asking for the wrong transport) and throws.

#include <stdexcept>
#include <string>

#include "drivers/transport/modbus/modbus_port.hpp"
#include "drivers/transport/modbus/tcp_client.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"

namespace evhil {

class PortProvider {
public:
    virtual ~PortProvider() = default;
    virtual modbus::ModbusPort& modbus_tcp(const std::string& device_id,
                                           const modbus::TcpClientSettings& /*endpoint*/) {
        throw std::logic_error("device '" + device_id + "' is not reached over Modbus TCP here");
    }
    // A client of the broker the device reports to; the driver starts it.
    virtual mqtt::MqttClient& mqtt(const std::string& device_id, const mqtt::MqttSettings& /*broker*/) {
        throw std::logic_error("device '" + device_id + "' is not reached over MQTT here");
    }
};

}  // namespace evhil
