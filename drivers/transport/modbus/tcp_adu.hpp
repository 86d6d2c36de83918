#pragma once
// Modbus TCP application data units: the MBAP header in front of a PDU. The one place that knows its layout,
// for the client, the server, the recording tap and the trace codecs. Pure: bytes in, values out.
//
// MBAP header: transaction id (2), protocol id (2, always 0), length (2, counts the unit id and the PDU),
// unit id (1) — Modbus Messaging on TCP/IP Implementation Guide v1.0b, §3.1.3.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "drivers/transport/stream_framing.hpp"

namespace evhil::modbus::tcp_adu {

// The tag of Modbus TCP frames in a recorded trace (FrameEvent::protocol).
inline constexpr const char* protocol_tag = "modbus_tcp";

inline constexpr std::size_t header_size = 7;
// The length field counts the unit id and the PDU: at least unit + function code, at most unit + 253 bytes.
inline constexpr std::uint16_t min_length = 2;
inline constexpr std::uint16_t max_length = 254;

inline std::uint16_t read_u16(const std::uint8_t* bytes) {
    return static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
}

// Whether a header's protocol id and length can be Modbus TCP at all.
inline bool plausible_header(const std::uint8_t* header) {
    std::uint16_t length = read_u16(header + 4);
    return read_u16(header + 2) == 0 && length >= min_length && length <= max_length;
}

// The whole frame's size as its header announces it (header included).
inline std::size_t frame_size(const std::uint8_t* header) {
    return 6 + std::size_t{read_u16(header + 4)};
}

// Written field by field into a sized vector: GCC 12 reports false array-bounds warnings for an insert of the
// header after a reserve().
inline std::vector<std::uint8_t> make(std::uint16_t transaction, std::uint8_t unit, std::span<const std::uint8_t> pdu) {
    std::vector<std::uint8_t> adu(header_size + pdu.size());
    auto length = static_cast<std::uint16_t>(pdu.size() + 1);
    adu[0] = static_cast<std::uint8_t>(transaction >> 8);
    adu[1] = static_cast<std::uint8_t>(transaction & 0xFF);
    adu[4] = static_cast<std::uint8_t>(length >> 8);
    adu[5] = static_cast<std::uint8_t>(length & 0xFF);
    adu[6] = unit;
    std::copy(pdu.begin(), pdu.end(), adu.begin() + static_cast<std::ptrdiff_t>(header_size));
    return adu;
}

struct Adu {
    std::uint16_t transaction = 0;
    std::uint16_t protocol = 0;
    std::uint8_t unit = 0;
    std::span<const std::uint8_t> pdu;
};

// A complete frame's fields; std::nullopt when it is shorter than a header and a function code. The length
// field is not checked against the size: callers frame by it first.
inline std::optional<Adu> parse(std::span<const std::uint8_t> bytes) {
    if (bytes.size() <= header_size) {
        return std::nullopt;
    }
    return Adu{read_u16(bytes.data()), read_u16(bytes.data() + 2), bytes[6], bytes.subspan(header_size)};
}

// How a recording tap frames Modbus TCP: by the MBAP length.
inline StreamFraming framing() {
    return {.protocol = protocol_tag,
            .frame_size = [](std::span<const std::uint8_t> buffered) -> std::optional<std::size_t> {
                if (buffered.size() < header_size) {
                    return 0;
                }
                if (!plausible_header(buffered.data())) {
                    return std::nullopt;
                }
                return frame_size(buffered.data());
            },
            .redact = {}};
}

}  // namespace evhil::modbus::tcp_adu
