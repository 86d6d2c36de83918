#pragma once
// The daemon's port provider: real adapters on the executor, one per device.

#include <map>
#include <memory>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/port_provider.hpp"

namespace evhil::station {

class RealPortProvider final : public PortProvider {
public:
    explicit RealPortProvider(Executor& executor) : executor_(executor) {}
    modbus::ModbusPort& modbus_tcp(const std::string& device_id, const modbus::TcpClientSettings& endpoint) override {
        auto& port = modbus_[device_id];
        port = std::make_unique<modbus::TcpClient>(executor_, endpoint);
        return *port;
    }

private:
    Executor& executor_;
    std::map<std::string, std::unique_ptr<modbus::TcpClient>> modbus_;
};

}  // namespace evhil::station
