#pragma once
// The daemon's port provider: real adapters on the executor, one per device. The MQTT transport comes from the caller:
// evchargerd loads paho as a module (drivers/transport/mqtt/paho_module.hpp), the benchmarks link it.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/transport/modbus/tcp_client.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"
#include "drivers/transport/port_provider.hpp"

namespace evhil::station {

class RealPortProvider final : public PortProvider {
public:
    using MqttTransportFactory = std::function<std::unique_ptr<mqtt::MqttTransport>(Executor& executor)>;

    RealPortProvider(Executor& executor, MqttTransportFactory make_mqtt_transport, Rng rng = Rng(1))
        : executor_(executor), make_mqtt_transport_(std::move(make_mqtt_transport)), rng_(rng) {}
    modbus::ModbusPort& modbus_tcp(const std::string& device_id, const modbus::TcpClientSettings& endpoint) override {
        auto& port = modbus_[device_id];
        port = std::make_unique<modbus::TcpClient>(executor_, endpoint);
        return *port;
    }
    mqtt::MqttClient& mqtt(const std::string& device_id, const mqtt::MqttSettings& broker) override {
        auto& client = mqtt_[device_id];
        client = std::make_unique<mqtt::MqttClient>(executor_, make_mqtt_transport_(executor_), broker,
                                                    rng_.fork("mqtt." + device_id), "mqtt." + device_id);
        return *client;
    }

private:
    Executor& executor_;
    MqttTransportFactory make_mqtt_transport_;
    Rng rng_;
    std::map<std::string, std::unique_ptr<modbus::TcpClient>> modbus_;
    std::map<std::string, std::unique_ptr<mqtt::MqttClient>> mqtt_;
};

}  // namespace evhil::station
