#pragma once
// The port a driver talks Modbus through. Adapters: LibmodbusTcpClient (real TCP, libmodbus) and
// InProcessClient (sim target, hands the same PDUs straight to a simulator). Calls are synchronous: a
// request returns its answer or an error; the driver measures latency on its clock.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "drivers/transport/modbus/pdu.hpp"

namespace evhil::modbus {

struct PortError {
    enum class Kind {
        connect_failed,   // could not open the connection
        not_connected,    // request while closed
        timeout,          // no answer in time
        connection_lost,  // peer closed or reset; the port is now closed
        exception,        // the device answered with a Modbus exception; the connection stays up
        bad_response,     // the answer did not match the request
    };
    Kind kind;
    std::optional<ExceptionCode> exception;
    std::string message;

    // Whether the connection is unusable afterwards (the driver must reconnect).
    bool breaks_connection() const { return kind != Kind::exception; }
};
std::string to_string(PortError::Kind kind);

template <typename T>
class PortResult {
public:
    PortResult(T value) : value_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
    PortResult(PortError error) : value_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
    bool ok() const { return value_.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T& value() const { return std::get<0>(value_); }
    const PortError& error() const { return std::get<1>(value_); }

private:
    std::variant<T, PortError> value_;
};
struct Done {};

class ModbusPort {
public:
    virtual ~ModbusPort() = default;

    virtual std::optional<PortError> connect() = 0;
    virtual void disconnect() = 0;
    virtual bool is_connected() const = 0;
    virtual std::string endpoint() const = 0;

    virtual PortResult<std::vector<std::uint16_t>> read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                                                          std::uint16_t count) = 0;
    virtual PortResult<Done> write_register(std::uint8_t unit, std::uint16_t address, std::uint16_t value) = 0;
    virtual PortResult<Done> write_registers(std::uint8_t unit, std::uint16_t address,
                                             std::span<const std::uint16_t> values) = 0;
};

}  // namespace evhil::modbus
