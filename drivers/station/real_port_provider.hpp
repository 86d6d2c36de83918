#pragma once
// The daemon's port provider: real adapters on the executor, one per device.

#include <map>
#include <memory>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/transport/mqtt/paho_transport.hpp"
#include "drivers/transport/port_provider.hpp"

namespace evhil::station {

class RealPortProvider final : public PortProvider {
public:
    explicit RealPortProvider(Executor& executor, Rng rng = Rng(1)) : executor_(executor), rng_(rng) {}
    modbus::ModbusPort& modbus_tcp(const std::string& device_id, const modbus::TcpClientSettings& endpoint) override {
        auto& port = modbus_[device_id];
        port = std::make_unique<modbus::TcpClient>(executor_, endpoint);
        return *port;
    }
    mqtt::MqttClient& mqtt(const std::string& device_id, const mqtt::MqttSettings& broker) override {
        auto& client = mqtt_[device_id];
        client = std::make_unique<mqtt::MqttClient>(executor_, std::make_unique<mqtt::PahoMqttTransport>(executor_),
                                                    broker, rng_.fork("mqtt." + device_id), "mqtt." + device_id);
        return *client;
    }

private:
    Executor& executor_;
    Rng rng_;
    std::map<std::string, std::unique_ptr<modbus::TcpClient>> modbus_;
    std::map<std::string, std::unique_ptr<mqtt::MqttClient>> mqtt_;
};

}  // namespace evhil::station
