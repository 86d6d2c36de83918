#pragma once
// D-Bus messages for the decoder's and the codec's tests: captured with dbus-monitor --pcap from `evhil sim gx`
// driven by busctl, and assembled byte by byte per the specification (Wire, message()).

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/traces/dbus/dbus_codec.hpp"
#include "harness/traces/dbus/dbus_message.hpp"
#include "tests/support/run_command.hpp"

namespace evhil::harness::dbus_test {

using Bytes = std::vector<std::uint8_t>;
using Type = DbusMessage::Type;

inline Bytes from_hex(std::string_view hex) {
    Bytes bytes;
    for (std::size_t at = 0; at + 1 < hex.size(); at += 2) {
        bytes.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(at, 2)), nullptr, 16)));
    }
    return bytes;
}

// ---- captured messages ------------------------------------------------------------------------------------------
// Recorded with `dbus-monitor --pcap` on the bus of `evhil sim gx` while busctl called SetValue on
// com.victronenergy.settings: libdbus, sd-bus and the daemon each marshalled some of them.

// busctl call ... /Settings/CGwacs/BatteryLife/MinimumSocLimit com.victronenergy.BusItem SetValue v i 10
inline const Bytes captured_set_value = from_hex(
    "6c0104010800000002000000b500000001016f002c0000002f53657474696e67732f4347776163732f426174746572794c6966652f4d69"
    "6e696d756d536f634c696d697400000000030173000800000053657456616c756500000000000000000201730019000000636f6d2e7669"
    "6374726f6e656e657267792e4275734974656d00000000000000060173001a000000636f6d2e76696374726f6e656e657267792e736574"
    "74696e6773000000000000080167000176000007017300040000003a312e3700000000016900000a000000");
// Its reply, from the settings service.
inline const Bytes captured_return = from_hex(
    "6c02010104000000060000002d000000050175000200000006017300040000003a312e3700000000080167000169000007017300040000"
    "003a312e320000000000000000");
// What the settings service announced on the change.
inline const Bytes captured_properties_changed = from_hex(
    "6c04010138000000050000009d00000001016f002c0000002f53657474696e67732f4347776163732f426174746572794c6966652f4d69"
    "6e696d756d536f634c696d6974000000000201730019000000636f6d2e76696374726f6e656e657267792e4275734974656d0000000000"
    "0000030173001100000050726f706572746965734368616e676564000000000000000801670005617b73767d0000000000000701730004"
    "0000003a312e320000000030000000000000000400000054657874000173000400000031302e30000000000500000056616c7565000164"
    "000000000000000000002440");
// The battery service's periodic ItemsChanged.
inline const Bytes captured_items_changed = from_hex(
    "6c04010160000000040000006d00000001016f00010000002f000000000000000201730019000000636f6d2e76696374726f6e656e6572"
    "67792e4275734974656d00000000000000030173000c0000004974656d734368616e676564000000000801670009617b73617b73767d7d"
    "000007017300040000003a312e330000000058000000000000000f0000002f44632f426174746572792f536f63004000000004000000546578"
    "74000173001100000035302e3031323236363636363636363637000000000000000500000056616c756500016400000000071542f49101"
    "4940");
// busctl ... SetValue v ai 0: velib's invalid value, an empty int32 array in the variant.
inline const Bytes captured_invalid_value = from_hex(
    "6c0104010800000002000000b500000001016f002c0000002f53657474696e67732f4347776163732f426174746572794c6966652f4d69"
    "6e696d756d536f634c696d697400000000030173000800000053657456616c756500000000000000000201730019000000636f6d2e7669"
    "6374726f6e656e657267792e4275734974656d00000000000000060173001a000000636f6d2e76696374726f6e656e657267792e736574"
    "74696e6773000000000000080167000176000007017300040000003a312e38000000000261690000000000");
// busctl ... com.victronenergy.system /Nope ... SetValue v i 10: the service's error.
inline const Bytes captured_error = from_hex(
    "6c0301011c0000000500000065000000050175000200000006017300040000003a312e390000000004017300280000006f72672e667265"
    "656465736b746f702e444275732e4572726f722e556e6b6e6f776e4f626a6563740000000000000000080167000173000007017300040000"
    "003a312e330000000017000000556e6b6e6f776e206f626a65637420272f4e6f7065272e00");

// ---- messages assembled per the specification -------------------------------------------------------------------

// Writes wire values at their alignment. Bodies are written on their own: they start at a multiple of 8 in the
// message, so their alignment is the same as from their own first byte.
class Wire {
public:
    explicit Wire(bool big_endian = false) : big_endian_(big_endian) {}

    Bytes bytes;

    Wire& align(std::size_t alignment) {
        while (bytes.size() % alignment != 0) {
            bytes.push_back(0);
        }
        return *this;
    }
    Wire& byte(std::uint8_t value) {
        bytes.push_back(value);
        return *this;
    }
    Wire& number(std::uint64_t value, std::size_t size) {
        align(size);
        for (std::size_t k = 0; k < size; ++k) {
            const std::size_t shift = 8 * (big_endian_ ? size - 1 - k : k);
            bytes.push_back(static_cast<std::uint8_t>(value >> shift));
        }
        return *this;
    }
    Wire& u32(std::uint32_t value) { return number(value, 4); }
    Wire& i32(std::int32_t value) { return number(static_cast<std::uint32_t>(value), 4); }
    Wire& f64(double value) { return number(std::bit_cast<std::uint64_t>(value), 8); }
    Wire& string(std::string_view text) {
        u32(static_cast<std::uint32_t>(text.size()));
        bytes.insert(bytes.end(), text.begin(), text.end());
        return byte(0);
    }
    Wire& signature(std::string_view text) {
        byte(static_cast<std::uint8_t>(text.size()));
        bytes.insert(bytes.end(), text.begin(), text.end());
        return byte(0);
    }
    // The array's byte length counts from after the padding to its first element, which is there even when empty.
    Wire& array(std::size_t element_alignment, const std::function<void(Wire&)>& elements) {
        u32(0);
        const std::size_t length_at = bytes.size() - 4;
        align(element_alignment);
        const std::size_t start = bytes.size();
        elements(*this);
        const auto length = static_cast<std::uint32_t>(bytes.size() - start);
        for (std::size_t k = 0; k < 4; ++k) {
            bytes[length_at + k] = static_cast<std::uint8_t>(length >> (8 * (big_endian_ ? 3 - k : k)));
        }
        return *this;
    }

private:
    bool big_endian_;
};

struct Header {
    std::uint8_t type = 1;
    std::uint32_t serial = 7;
    std::string path;
    std::string interface;
    std::string member;
    std::string error_name;
    std::optional<std::uint32_t> reply_serial;
    std::string destination;
    std::string sender;
    std::string signature;
    bool big_endian = false;
};

inline Bytes message(
    const Header& header, const std::function<void(Wire&)>& body = [](Wire&) {}) {
    Wire body_wire(header.big_endian);
    body(body_wire);
    Wire wire(header.big_endian);
    wire.byte(header.big_endian ? 'B' : 'l').byte(header.type).byte(0).byte(1);
    wire.u32(static_cast<std::uint32_t>(body_wire.bytes.size())).u32(header.serial);
    const auto field = [&](std::uint8_t code, std::string_view type, std::string_view text) {
        if (!text.empty()) {
            wire.align(8).byte(code).signature(type);
            type == "g" ? wire.signature(text) : wire.string(text);
        }
    };
    wire.array(8, [&](Wire&) {
        field(1, "o", header.path);
        field(2, "s", header.interface);
        field(3, "s", header.member);
        field(4, "s", header.error_name);
        if (header.reply_serial) {
            wire.align(8).byte(5).signature("u").u32(*header.reply_serial);
        }
        field(6, "s", header.destination);
        field(7, "s", header.sender);
        field(8, "g", header.signature);
    });
    wire.align(8);
    wire.bytes.insert(wire.bytes.end(), body_wire.bytes.begin(), body_wire.bytes.end());
    return wire.bytes;
}

// The brief's SetValue: a variant int32 10 to /SetCurrent of the charger's service.
inline Header set_value_header(bool big_endian = false) {
    Header header;
    header.path = "/SetCurrent";
    header.interface = "com.victronenergy.BusItem";
    header.member = "SetValue";
    header.destination = "com.victronenergy.evcharger.garage";
    header.signature = "v";
    header.big_endian = big_endian;
    return header;
}

inline Bytes set_value(bool big_endian = false) {
    return message(set_value_header(big_endian), [](Wire& body) { body.signature("i").i32(10); });
}

inline Bytes set_value_return() {
    Header header;
    header.type = 2;
    header.serial = 12;
    header.reply_serial = 7;
    header.sender = ":1.4";
    header.signature = "i";
    return message(header, [](Wire& body) { body.i32(0); });
}

// One a{sv} item: {"Text": s text, "Value": d value}.
inline void item(Wire& wire, std::string_view text, double value) {
    wire.array(8, [&](Wire& entries) {
        entries.align(8).string("Text").signature("s").string(text);
        entries.align(8).string("Value").signature("d").f64(value);
    });
}

inline Bytes items_changed() {
    Header header;
    header.type = 4;
    header.serial = 30;
    header.path = "/";
    header.interface = "com.victronenergy.BusItem";
    header.member = "ItemsChanged";
    header.sender = ":1.4";
    header.signature = "a{sa{sv}}";
    return message(header, [](Wire& body) {
        body.array(8, [](Wire& entries) {
            entries.align(8).string("/Ac/Power");
            item(entries, "1200 W", 1200.0);
            entries.align(8).string("/SetCurrent");
            item(entries, "8 A", 8.0);
        });
    });
}

inline Bytes unknown_method_error() {
    Header header;
    header.type = 3;
    header.serial = 13;
    header.error_name = "org.freedesktop.DBus.Error.UnknownMethod";
    header.reply_serial = 7;
    header.destination = ":1.5";
    header.signature = "s";
    return message(header, [](Wire& body) { body.string("No such method \"Reset\""); });
}

// A body of `signature` as `write` lays it out, in a call that is otherwise well formed.
inline Bytes call_with(std::string_view signature, const std::function<void(Wire&)>& write, bool big_endian = false) {
    Header header = set_value_header(big_endian);
    header.signature = std::string(signature);
    return message(header, write);
}

inline std::optional<std::string> body_of(const Bytes& bytes) {
    const auto parsed = parse_dbus_message(bytes);
    return parsed ? std::optional(parsed->body) : std::nullopt;
}

inline std::vector<Bytes> samples() {
    return {captured_set_value,
            captured_return,
            captured_properties_changed,
            captured_items_changed,
            captured_invalid_value,
            captured_error,
            set_value(),
            set_value(true),
            set_value_return(),
            items_changed(),
            unknown_method_error()};
}

// ---- the decoder ------------------------------------------------------------------------------------------------

}  // namespace evhil::harness::dbus_test
