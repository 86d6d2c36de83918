#pragma once
// The trace codec of Modbus TCP: frames are whole ADUs (MBAP header + PDU, drivers/transport/modbus/tcp_adu.hpp),
// paired by transaction id, refused by an exception response, and carried in pcapng on TCP port 502, where
// Wireshark's Modbus/TCP dissector finds them.

#include <cstdint>
#include <memory>
#include <optional>

#include "harness/traces/frame_codec.hpp"

namespace evhil::harness {

// Which holding register a device's setpoint write goes to, and how it encodes amperes. Data, per device kind.
struct ModbusSetpointField {
    enum class Format { float32, uint16 };
    std::uint16_t address = 0;
    Format format = Format::float32;
    double amps_per_unit = 1.0;  // uint16 only: 0.1 for a register in deciamperes
};

// Without a setpoint field no frame carries a setpoint (latencies then measure none).
std::shared_ptr<const FrameCodec> make_modbus_tcp_codec(std::optional<ModbusSetpointField> setpoint = std::nullopt);

}  // namespace evhil::harness
