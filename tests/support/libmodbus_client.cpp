#include "tests/support/libmodbus_client.hpp"

#include <fmt/format.h>
#include <modbus/modbus.h>

#include <cerrno>
#include <stdexcept>

namespace evhil::modbus {
namespace {

void set_timeout(modbus_t* context, Duration timeout) {
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
    modbus_set_response_timeout(context, static_cast<uint32_t>(micros / 1000000),
                                static_cast<uint32_t>(micros % 1000000));
}

}  // namespace

LibmodbusTcpClient::LibmodbusTcpClient(TcpClientSettings settings)
    : settings_(std::move(settings)),
      context_(modbus_new_tcp_pi(settings_.host.c_str(), std::to_string(settings_.port).c_str())) {
    if (context_ == nullptr) {
        throw std::runtime_error(
            fmt::format("cannot create a Modbus TCP context for {}: {}", endpoint(), modbus_strerror(errno)));
    }
}

LibmodbusTcpClient::LibmodbusTcpClient(LibmodbusTcpClient&& other) noexcept
    : settings_(std::move(other.settings_)), context_(other.context_), connected_(other.connected_) {
    other.context_ = nullptr;
    other.connected_ = false;
}

LibmodbusTcpClient::~LibmodbusTcpClient() {
    if (context_ != nullptr) {
        disconnect();
        modbus_free(context_);
    }
}

std::string LibmodbusTcpClient::endpoint() const {
    return fmt::format("{}:{}", settings_.host, settings_.port);
}

std::optional<PortError> LibmodbusTcpClient::connect() {
    disconnect();
    // libmodbus bounds its non-blocking connect() by the response timeout, so the connect timeout is applied
    // by setting the response timeout for the duration of the connect.
    set_timeout(context_, settings_.connect_timeout);
    int rc = modbus_connect(context_);
    int error = errno;
    set_timeout(context_, settings_.response_timeout);
    if (rc == -1) {
        return PortError{PortError::Kind::connect_failed, std::nullopt,
                         fmt::format("cannot connect to {}: {}", endpoint(), modbus_strerror(error))};
    }
    connected_ = true;
    return std::nullopt;
}

void LibmodbusTcpClient::disconnect() {
    if (connected_) {
        modbus_close(context_);
        connected_ = false;
    }
}

std::optional<PortError> LibmodbusTcpClient::select_unit(std::uint8_t unit) {
    if (!connected_) {
        return PortError{PortError::Kind::not_connected, std::nullopt, "not connected to " + endpoint()};
    }
    modbus_set_slave(context_, unit);
    return std::nullopt;
}

PortError LibmodbusTcpClient::fail(const char* operation, std::uint8_t unit, std::uint16_t address) {
    int error = errno;
    std::string message =
        fmt::format("{} unit {} register {} on {}: {}", operation, unit, address, endpoint(), modbus_strerror(error));
    if (error > MODBUS_ENOBASE && error <= MODBUS_ENOBASE + 0x0B) {
        return PortError{PortError::Kind::exception, static_cast<ExceptionCode>(error - MODBUS_ENOBASE), message};
    }
    disconnect();
    if (error == ETIMEDOUT) {
        return PortError{PortError::Kind::timeout, std::nullopt, message};
    }
    if (error == EMBBADDATA || error == EMBBADCRC || error == EMBBADEXC || error == EMBMDATA || error == EMBBADSLAVE ||
        error == EMBUNKEXC) {
        return PortError{PortError::Kind::bad_response, std::nullopt, message};
    }
    return PortError{PortError::Kind::connection_lost, std::nullopt, message};
}

PortResult<std::vector<std::uint16_t>> LibmodbusTcpClient::read_holding_registers(std::uint8_t unit,
                                                                                  std::uint16_t address,
                                                                                  std::uint16_t count) {
    if (auto error = select_unit(unit)) {
        return *error;
    }
    std::vector<std::uint16_t> registers(count);
    if (modbus_read_registers(context_, address, count, registers.data()) != count) {
        return fail("read", unit, address);
    }
    return registers;
}

PortResult<Done> LibmodbusTcpClient::write_register(std::uint8_t unit, std::uint16_t address, std::uint16_t value) {
    if (auto error = select_unit(unit)) {
        return *error;
    }
    if (modbus_write_register(context_, address, value) != 1) {
        return fail("write", unit, address);
    }
    return Done{};
}

PortResult<Done> LibmodbusTcpClient::write_registers(std::uint8_t unit, std::uint16_t address,
                                                     std::span<const std::uint16_t> values) {
    if (auto error = select_unit(unit)) {
        return *error;
    }
    if (modbus_write_registers(context_, address, static_cast<int>(values.size()), values.data()) !=
        static_cast<int>(values.size())) {
        return fail("write", unit, address);
    }
    return Done{};
}

}  // namespace evhil::modbus
