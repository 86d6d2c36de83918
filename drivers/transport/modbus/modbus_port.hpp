#pragma once
// The port a driver talks Modbus through. Adapters: TcpClient (Modbus TCP on Boost.Asio: the daemon, the wire
// and bench targets) and InProcessClient (sim target: the same PDUs handed straight to a simulator).
//
// Asynchronous: every call returns at once and its handler runs later on the executor the port was made with,
// never inline and never on another thread, so no request blocks the executor and a hung device delays only
// its own driver. Requests are queued and sent one at a time in call order. disconnect() drops the queue:
// handlers of dropped requests are never called, so a driver that has disconnected is never surprised by a
// stale answer. Any error that leaves the stream in doubt (timeout, reset, garbled answer) closes the
// connection before its handler runs; an exception answer leaves it open.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "drivers/core/clock.hpp"
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

// How long a request may take, on the port's clock (virtual on the sim target, so a hang costs the same there).
struct PortTimeouts {
    Duration connect = std::chrono::seconds(3);
    Duration response = std::chrono::seconds(2);
};

class ModbusPort {
public:
    using ConnectHandler = std::function<void(std::optional<PortError>)>;
    using PduHandler = std::function<void(std::variant<Pdu, PortError>)>;
    using ReadHandler = std::function<void(PortResult<std::vector<std::uint16_t>>)>;
    using WriteHandler = std::function<void(PortResult<Done>)>;

    virtual ~ModbusPort() = default;

    virtual void connect(ConnectHandler done) = 0;
    virtual void disconnect() = 0;
    virtual bool is_connected() const = 0;
    virtual std::string endpoint() const = 0;
    // One request PDU to `unit`; `done` gets the response PDU (an exception response is a PDU too) or why
    // there is none.
    virtual void transact(std::uint8_t unit, Pdu request, PduHandler done) = 0;

    // The typed requests, on top of transact(): encoded, sent, and the answer checked against the request.
    void read_holding_registers(std::uint8_t unit, std::uint16_t address, std::uint16_t count, ReadHandler done);
    void write_register(std::uint8_t unit, std::uint16_t address, std::uint16_t value, WriteHandler done);
    void write_registers(std::uint8_t unit, std::uint16_t address, std::span<const std::uint16_t> values,
                         WriteHandler done);

private:
    PortError checked_failure(const ResponseError& error);
    PduHandler check_write(Pdu request, WriteHandler done);
};

}  // namespace evhil::modbus
