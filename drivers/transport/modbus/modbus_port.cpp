#include "drivers/transport/modbus/modbus_port.hpp"

namespace evhil::modbus {

// An answer that does not match its request leaves the stream in doubt, as a garbled frame does: the connection
// is closed before the handler runs. An exception answer is a proper answer and keeps it.
PortError ModbusPort::checked_failure(const ResponseError& error) {
    if (error.exception) {
        return PortError{PortError::Kind::exception, error.exception, error.message};
    }
    disconnect();
    return PortError{PortError::Kind::bad_response, std::nullopt, error.message};
}

std::string to_string(PortError::Kind kind) {
    switch (kind) {
        case PortError::Kind::connect_failed:
            return "connect_failed";
        case PortError::Kind::not_connected:
            return "not_connected";
        case PortError::Kind::timeout:
            return "timeout";
        case PortError::Kind::connection_lost:
            return "connection_lost";
        case PortError::Kind::exception:
            return "exception";
        case PortError::Kind::bad_response:
            return "bad_response";
    }
    return "unknown";
}

void ModbusPort::read_holding_registers(std::uint8_t unit, std::uint16_t address, std::uint16_t count,
                                        ReadHandler done) {
    transact(unit, encode_read_holding(address, count),
             [this, count, done = std::move(done)](std::variant<Pdu, PortError> result) {
                 if (auto* error = std::get_if<PortError>(&result)) {
                     done(std::move(*error));
                     return;
                 }
                 auto decoded = decode_read_response(std::get<Pdu>(result), count);
                 if (auto* error = std::get_if<ResponseError>(&decoded)) {
                     done(checked_failure(*error));
                     return;
                 }
                 done(std::get<std::vector<std::uint16_t>>(std::move(decoded)));
             });
}

ModbusPort::PduHandler ModbusPort::check_write(Pdu request, WriteHandler done) {
    return [this, request = std::move(request), done = std::move(done)](std::variant<Pdu, PortError> result) {
        if (auto* error = std::get_if<PortError>(&result)) {
            done(std::move(*error));
        } else if (auto mismatch = check_write_response(request, std::get<Pdu>(result))) {
            done(checked_failure(*mismatch));
        } else {
            done(Done{});
        }
    };
}

void ModbusPort::write_register(std::uint8_t unit, std::uint16_t address, std::uint16_t value, WriteHandler done) {
    Pdu request = encode_write_single(address, value);
    transact(unit, request, check_write(request, std::move(done)));
}

void ModbusPort::write_registers(std::uint8_t unit, std::uint16_t address, std::span<const std::uint16_t> values,
                                 WriteHandler done) {
    Pdu request = encode_write_multiple(address, values);
    transact(unit, request, check_write(request, std::move(done)));
}

}  // namespace evhil::modbus
