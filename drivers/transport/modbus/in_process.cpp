#include "drivers/transport/modbus/in_process.hpp"

namespace evhil::modbus {

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

InProcessServer::InProcessServer(ModbusDevice& device, const Clock& clock, std::string name)
    : device_(device), clock_(clock), name_(std::move(name)), sessions_(device.connection_rules()) {}

std::optional<SessionTable::SessionId> InProcessServer::open_session() {
    if (faults_.link_down) {
        return std::nullopt;
    }
    sessions_.expire_idle(clock_.now());
    return sessions_.open(clock_.now());
}

std::variant<Pdu, PortError> InProcessServer::transact(SessionTable::SessionId session, std::uint8_t unit,
                                                       std::span<const std::uint8_t> request) {
    sessions_.expire_idle(clock_.now());
    if (faults_.link_down) {
        sessions_.close_all();
    }
    if (!sessions_.is_open(session)) {
        return PortError{PortError::Kind::connection_lost, std::nullopt, name_ + " closed the connection"};
    }
    if (faults_.hang) {
        return PortError{PortError::Kind::timeout, std::nullopt, name_ + " did not answer"};
    }
    sessions_.touch(session, clock_.now());
    ++requests_served_;
    if (faults_.exception) {
        return encode_exception(request.empty() ? 0 : request[0], *faults_.exception);
    }
    auto response = device_.handle(unit, request);
    if (!response) {
        return PortError{PortError::Kind::timeout, std::nullopt,
                         name_ + " gave no answer for unit " + std::to_string(unit)};
    }
    return std::move(*response);
}

std::optional<PortError> InProcessClient::connect() {
    disconnect();
    session_ = server_.open_session();
    if (!session_) {
        return PortError{PortError::Kind::connect_failed, std::nullopt,
                         "cannot connect to " + server_.name() +
                             (server_.faults().link_down ? " (link down)" : " (connection refused)")};
    }
    return std::nullopt;
}

void InProcessClient::disconnect() {
    if (session_) {
        server_.close_session(*session_);
        session_.reset();
    }
}

std::variant<Pdu, PortError> InProcessClient::transact(std::uint8_t unit, const Pdu& request) {
    if (!session_) {
        return PortError{PortError::Kind::not_connected, std::nullopt, "not connected"};
    }
    auto result = server_.transact(*session_, unit, request);
    if (auto* error = std::get_if<PortError>(&result); error != nullptr && error->breaks_connection()) {
        disconnect();
    }
    return result;
}

PortResult<std::vector<std::uint16_t>> InProcessClient::read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                                                               std::uint16_t count) {
    auto result = transact(unit, encode_read_holding(address, count));
    if (auto* error = std::get_if<PortError>(&result)) {
        return *error;
    }
    auto decoded = decode_read_response(std::get<Pdu>(result), count);
    if (auto* error = std::get_if<ResponseError>(&decoded)) {
        return PortError{error->exception ? PortError::Kind::exception : PortError::Kind::bad_response,
                         error->exception, error->message};
    }
    return std::get<std::vector<std::uint16_t>>(std::move(decoded));
}

PortResult<Done> InProcessClient::write(std::uint8_t unit, const Pdu& request) {
    auto result = transact(unit, request);
    if (auto* error = std::get_if<PortError>(&result)) {
        return *error;
    }
    if (auto error = check_write_response(request, std::get<Pdu>(result))) {
        return PortError{error->exception ? PortError::Kind::exception : PortError::Kind::bad_response,
                         error->exception, error->message};
    }
    return Done{};
}

PortResult<Done> InProcessClient::write_register(std::uint8_t unit, std::uint16_t address, std::uint16_t value) {
    return write(unit, encode_write_single(address, value));
}

PortResult<Done> InProcessClient::write_registers(std::uint8_t unit, std::uint16_t address,
                                                  std::span<const std::uint16_t> values) {
    return write(unit, encode_write_multiple(address, values));
}

}  // namespace evhil::modbus
