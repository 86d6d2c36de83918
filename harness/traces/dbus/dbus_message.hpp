#pragma once
// A pure decoder of raw D-Bus messages in the wire format of the D-Bus specification, for the D-Bus trace codec
// (dbus_codec.hpp) and for reading dbus-monitor --pcap captures. It never trusts a length: anything malformed or
// truncated is nullopt. Tests: tests/unit/dbus_message_test.cpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace evhil::harness {

struct DbusMessage {
    enum class Type { invalid, method_call, method_return, error, signal };
    Type type = Type::invalid;
    std::uint8_t flags = 0;
    std::uint32_t serial = 0;
    std::string path;
    std::string interface;
    std::string member;
    std::string error_name;
    std::string destination;
    std::string sender;
    std::string signature;
    std::optional<std::uint32_t> reply_serial;
    // The body on one line, as busctl writes values: each top-level value after its signature, the elements of
    // containers bare, a variant's value after its own signature: `v i 10`, `as 2 "a" "b"`,
    // `a{sv} 2 "Text" s "8 A" "Value" d 8`, structs as `( "a" 1 )`. Empty for an empty body.
    std::string body;
};

// The message that is all of `bytes` (trailing bytes make it malformed: a frame is exactly one message).
std::optional<DbusMessage> parse_dbus_message(std::span<const std::uint8_t> bytes);

// The length of the message that starts the buffer, known from its first 16 bytes, so a reader of a byte stream
// knows where the message ends before it has all of it; nullopt with fewer bytes or a header that is no D-Bus.
std::optional<std::size_t> dbus_message_length(std::span<const std::uint8_t> bytes);

}  // namespace evhil::harness
