#pragma once
// MQTT 3.1.1 control packets as bytes on the wire (OASIS MQTT 3.1.1, section 2): the fixed header (type and flags,
// then the remaining length as a variable byte integer of one to four bytes) and the CONNECT layout, for the
// recording tap in front of a broker and the MQTT trace codec. Pure: bytes in, values out. The clients themselves
// use paho, which writes these packets; nothing here builds one.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "drivers/transport/stream_framing.hpp"

namespace evhil::mqtt::packet {

inline constexpr const char* protocol_tag = "mqtt";

enum class Type : std::uint8_t {
    connect = 1,
    connack,
    publish,
    puback,
    pubrec,
    pubrel,
    pubcomp,
    subscribe,
    suback,
    unsubscribe,
    unsuback,
    pingreq,
    pingresp,
    disconnect,
};

inline std::optional<Type> type_of(std::uint8_t first_byte) {
    const int type = first_byte >> 4;
    // 0 is reserved and 15 (AUTH) exists only in MQTT 5, which our clients do not speak.
    if (type < 1 || type > 14) {
        return std::nullopt;
    }
    return static_cast<Type>(type);
}

inline std::string_view type_name(Type type) {
    static constexpr std::string_view names[] = {"CONNECT",  "CONNACK", "PUBLISH",   "PUBACK",    "PUBREC",
                                                 "PUBREL",   "PUBCOMP", "SUBSCRIBE", "SUBACK",    "UNSUBSCRIBE",
                                                 "UNSUBACK", "PINGREQ", "PINGRESP",  "DISCONNECT"};
    return names[static_cast<int>(type) - 1];
}

struct FixedHeader {
    Type type;
    std::uint8_t flags;       // the low nibble: PUBLISH's dup, QoS and retain
    std::size_t header_size;  // 2 to 5 bytes
    std::size_t remaining_length;
    std::size_t frame_size() const { return header_size + remaining_length; }
};

enum class HeaderState { complete, need_more, invalid };

// The fixed header at the start of `bytes`: need_more while the length's bytes have not all arrived, invalid for a
// reserved type or a length longer than four bytes (section 1.5.5).
inline HeaderState read_fixed_header(std::span<const std::uint8_t> bytes, FixedHeader& header) {
    if (bytes.empty()) {
        return HeaderState::need_more;
    }
    auto type = type_of(bytes[0]);
    if (!type) {
        return HeaderState::invalid;
    }
    std::size_t length = 0;
    for (std::size_t i = 1; i <= 4; ++i) {
        if (i >= bytes.size()) {
            return HeaderState::need_more;
        }
        length |= std::size_t{bytes[i] & 0x7Fu} << (7 * (i - 1));
        if ((bytes[i] & 0x80u) == 0) {
            header = {*type, static_cast<std::uint8_t>(bytes[0] & 0x0Fu), i + 1, length};
            return HeaderState::complete;
        }
    }
    return HeaderState::invalid;
}

inline std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t at) {
    return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

// Where CONNECT's fields lie: the flags byte, then the payload's strings in their order (section 3.1.3).
struct ConnectLayout {
    std::uint8_t flags = 0;
    std::uint16_t keepalive_s = 0;
    std::size_t payload_at = 0;
    bool clean_session() const { return (flags & 0x02) != 0; }
    bool will() const { return (flags & 0x04) != 0; }
    int will_qos() const { return (flags >> 3) & 0x03; }
    bool will_retain() const { return (flags & 0x20) != 0; }
    bool password() const { return (flags & 0x40) != 0; }
    bool username() const { return (flags & 0x80) != 0; }
};

// nullopt when the variable header is cut short.
inline std::optional<ConnectLayout> connect_layout(std::span<const std::uint8_t> frame, const FixedHeader& header) {
    std::size_t at = header.header_size;
    if (frame.size() < at + 2) {
        return std::nullopt;
    }
    at += 2 + read_u16(frame, at);  // protocol name
    if (frame.size() < at + 4) {
        return std::nullopt;
    }
    return ConnectLayout{frame[at + 1], read_u16(frame, at + 2), at + 4};
}

// The offsets of CONNECT's payload strings (client id, will topic, will message, username, password, as present),
// each pointing at its two length bytes; empty when a string runs past the frame.
inline std::vector<std::size_t> connect_strings(std::span<const std::uint8_t> frame, const ConnectLayout& layout) {
    const std::size_t count = 1 + (layout.will() ? 2 : 0) + (layout.username() ? 1 : 0) + (layout.password() ? 1 : 0);
    std::vector<std::size_t> offsets;
    std::size_t at = layout.payload_at;
    for (std::size_t i = 0; i < count; ++i) {
        if (frame.size() < at + 2 || frame.size() < at + 2 + read_u16(frame, at)) {
            return {};
        }
        offsets.push_back(at);
        at += 2 + read_u16(frame, at);
    }
    return offsets;
}

// Overwrites a CONNECT's password with '*' of the same length: a trace or pcapng must never hold it, and equal
// lengths keep the packet valid for Wireshark.
inline void redact_password(std::vector<std::uint8_t>& frame) {
    FixedHeader header{};
    if (read_fixed_header(frame, header) != HeaderState::complete || header.type != Type::connect) {
        return;
    }
    auto layout = connect_layout(frame, header);
    if (!layout || !layout->password()) {
        return;
    }
    auto strings = connect_strings(frame, *layout);
    if (strings.empty()) {
        return;
    }
    const std::size_t at = strings.back();
    const std::size_t length = read_u16(frame, at);
    for (std::size_t i = 0; i < length; ++i) {
        frame[at + 2 + i] = '*';
    }
}

// How a recording tap in front of a broker frames MQTT.
inline StreamFraming framing() {
    return {.protocol = protocol_tag,
            .frame_size = [](std::span<const std::uint8_t> buffered) -> std::optional<std::size_t> {
                FixedHeader header{};
                switch (read_fixed_header(buffered, header)) {
                    case HeaderState::complete:
                        return header.frame_size();
                    case HeaderState::need_more:
                        return 0;
                    case HeaderState::invalid:
                        break;
                }
                return std::nullopt;
            },
            .redact = redact_password};
}

}  // namespace evhil::mqtt::packet
