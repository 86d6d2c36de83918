#pragma once
// The real Modbus TCP client adapter, on libmodbus. Blocking calls bounded by the configured timeouts; any
// error that leaves the stream in doubt (timeout, reset, garbled answer) closes the connection so the next
// request cannot read a stale reply, and the driver reconnects.

#include <cstdint>
#include <string>

#include "drivers/core/clock.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"

struct _modbus;  // NOLINT(bugprone-reserved-identifier): libmodbus's own name behind modbus_t

namespace evhil::modbus {

struct TcpClientSettings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 502;
    Duration connect_timeout = std::chrono::seconds(3);
    Duration response_timeout = std::chrono::seconds(2);
};

class LibmodbusTcpClient final : public ModbusPort {
public:
    explicit LibmodbusTcpClient(TcpClientSettings settings);
    ~LibmodbusTcpClient() override;
    LibmodbusTcpClient(const LibmodbusTcpClient&) = delete;
    LibmodbusTcpClient& operator=(const LibmodbusTcpClient&) = delete;

    std::optional<PortError> connect() override;
    void disconnect() override;
    bool is_connected() const override { return connected_; }
    std::string endpoint() const override;

    PortResult<std::vector<std::uint16_t>> read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                                                  std::uint16_t count) override;
    PortResult<Done> write_register(std::uint8_t unit, std::uint16_t address, std::uint16_t value) override;
    PortResult<Done> write_registers(std::uint8_t unit, std::uint16_t address,
                                     std::span<const std::uint16_t> values) override;

private:
    // Turns errno after a failed libmodbus call into a PortError, closing the connection when it is unusable.
    PortError fail(const char* operation, std::uint8_t unit, std::uint16_t address);
    std::optional<PortError> select_unit(std::uint8_t unit);

    TcpClientSettings settings_;
    _modbus* context_;
    bool connected_ = false;
};

}  // namespace evhil::modbus
