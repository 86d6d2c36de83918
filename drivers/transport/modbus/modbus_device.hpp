#pragma once
// What a Modbus server adapter serves: a simulator's device model. The adapters (TcpServer for the wire,
// InProcessServer for the sim target) own the connections; the device answers PDUs and states its
// connection rules. Several unit IDs are served by one device: the unit is passed with each request.

#include <cstdint>
#include <optional>
#include <span>

#include "drivers/core/clock.hpp"
#include "drivers/transport/modbus/pdu.hpp"

namespace evhil::modbus {

struct ConnectionRules {
    std::size_t max_connections = 0;  // 0 = unlimited
    Duration idle_timeout{0};         // 0 = never close idle connections
};

class ModbusDevice {
public:
    virtual ~ModbusDevice() = default;
    // The response PDU, or std::nullopt for no answer at all (e.g. a unit ID the device ignores).
    virtual std::optional<Pdu> handle(std::uint8_t unit, std::span<const std::uint8_t> request) = 0;
    virtual ConnectionRules connection_rules() const { return {}; }
};

}  // namespace evhil::modbus
