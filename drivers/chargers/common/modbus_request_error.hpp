#pragma once
// A Modbus port's result in the terms of the connection supervisor, for every Modbus charger driver.

#include <optional>

#include "drivers/chargers/common/connection_supervisor.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"

namespace evhil::chargers {

inline RequestError request_error(const modbus::PortError& error) {
    return RequestError{error.message, error.breaks_connection(), error.kind == modbus::PortError::Kind::exception,
                        error.kind == modbus::PortError::Kind::timeout};
}

template <typename T>
std::optional<RequestError> request_error(const modbus::PortResult<T>& result) {
    if (result.ok()) {
        return std::nullopt;
    }
    return request_error(result.error());
}

}  // namespace evhil::chargers
