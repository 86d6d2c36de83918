#pragma once
// A blocking Modbus TCP master on libmodbus, for tests and benchmarks only: an independent implementation that
// checks the simulators' server and the recording tap from the outside, and the yardstick the server's speed is
// measured against. (The drivers use the asynchronous TcpClient; docs/architecture.md says why.) Any error that
// leaves the stream in doubt (timeout, reset, garbled answer) closes the connection.

#include <cstdint>
#include <string>

#include "drivers/core/clock.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"
#include "drivers/transport/modbus/tcp_client.hpp"

struct _modbus;  // NOLINT(bugprone-reserved-identifier): libmodbus's own name behind modbus_t

namespace evhil::modbus {

class LibmodbusTcpClient {
public:
    explicit LibmodbusTcpClient(TcpClientSettings settings);
    LibmodbusTcpClient(LibmodbusTcpClient&& other) noexcept;
    ~LibmodbusTcpClient();
    LibmodbusTcpClient(const LibmodbusTcpClient&) = delete;
    LibmodbusTcpClient& operator=(const LibmodbusTcpClient&) = delete;

    std::optional<PortError> connect();
    void disconnect();
    bool is_connected() const { return connected_; }
    std::string endpoint() const;

    PortResult<std::vector<std::uint16_t>> read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                                                  std::uint16_t count);
    PortResult<Done> write_register(std::uint8_t unit, std::uint16_t address, std::uint16_t value);
    PortResult<Done> write_registers(std::uint8_t unit, std::uint16_t address, std::span<const std::uint16_t> values);

private:
    // Turns errno after a failed libmodbus call into a PortError, closing the connection when it is unusable.
    PortError fail(const char* operation, std::uint8_t unit, std::uint16_t address);
    std::optional<PortError> select_unit(std::uint8_t unit);

    TcpClientSettings settings_;
    _modbus* context_;
    bool connected_ = false;
};

}  // namespace evhil::modbus
