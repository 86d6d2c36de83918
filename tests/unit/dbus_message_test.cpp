// The D-Bus message decoder (harness/traces/dbus/dbus_message.hpp) and the D-Bus trace codec (dbus_codec.hpp): on
// messages captured with dbus-monitor --pcap from `evhil sim gx` driven by busctl, on messages assembled here byte
// by byte per the D-Bus specification, on every truncation and on corrupted bytes, and on a live private bus.

#include <gtest/gtest.h>
#include <unistd.h>

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
#include "simulators/victron/private_bus.hpp"
#include "tests/support/run_command.hpp"

namespace evhil::harness {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Type = DbusMessage::Type;

Bytes from_hex(std::string_view hex) {
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
const Bytes captured_set_value = from_hex(
    "6c0104010800000002000000b500000001016f002c0000002f53657474696e67732f4347776163732f426174746572794c6966652f4d69"
    "6e696d756d536f634c696d697400000000030173000800000053657456616c756500000000000000000201730019000000636f6d2e7669"
    "6374726f6e656e657267792e4275734974656d00000000000000060173001a000000636f6d2e76696374726f6e656e657267792e736574"
    "74696e6773000000000000080167000176000007017300040000003a312e3700000000016900000a000000");
// Its reply, from the settings service.
const Bytes captured_return = from_hex(
    "6c02010104000000060000002d000000050175000200000006017300040000003a312e3700000000080167000169000007017300040000"
    "003a312e320000000000000000");
// What the settings service announced on the change.
const Bytes captured_properties_changed = from_hex(
    "6c04010138000000050000009d00000001016f002c0000002f53657474696e67732f4347776163732f426174746572794c6966652f4d69"
    "6e696d756d536f634c696d6974000000000201730019000000636f6d2e76696374726f6e656e657267792e4275734974656d0000000000"
    "0000030173001100000050726f706572746965734368616e676564000000000000000801670005617b73767d0000000000000701730004"
    "0000003a312e320000000030000000000000000400000054657874000173000400000031302e30000000000500000056616c7565000164"
    "000000000000000000002440");
// The battery service's periodic ItemsChanged.
const Bytes captured_items_changed = from_hex(
    "6c04010160000000040000006d00000001016f00010000002f000000000000000201730019000000636f6d2e76696374726f6e656e6572"
    "67792e4275734974656d00000000000000030173000c0000004974656d734368616e676564000000000801670009617b73617b73767d7d"
    "000007017300040000003a312e330000000058000000000000000f0000002f44632f426174746572792f536f63004000000004000000546578"
    "74000173001100000035302e3031323236363636363636363637000000000000000500000056616c756500016400000000071542f49101"
    "4940");
// busctl ... SetValue v ai 0: velib's invalid value, an empty int32 array in the variant.
const Bytes captured_invalid_value = from_hex(
    "6c0104010800000002000000b500000001016f002c0000002f53657474696e67732f4347776163732f426174746572794c6966652f4d69"
    "6e696d756d536f634c696d697400000000030173000800000053657456616c756500000000000000000201730019000000636f6d2e7669"
    "6374726f6e656e657267792e4275734974656d00000000000000060173001a000000636f6d2e76696374726f6e656e657267792e736574"
    "74696e6773000000000000080167000176000007017300040000003a312e38000000000261690000000000");
// busctl ... com.victronenergy.system /Nope ... SetValue v i 10: the service's error.
const Bytes captured_error = from_hex(
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

Bytes message(
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
Header set_value_header(bool big_endian = false) {
    Header header;
    header.path = "/SetCurrent";
    header.interface = "com.victronenergy.BusItem";
    header.member = "SetValue";
    header.destination = "com.victronenergy.evcharger.garage";
    header.signature = "v";
    header.big_endian = big_endian;
    return header;
}

Bytes set_value(bool big_endian = false) {
    return message(set_value_header(big_endian), [](Wire& body) { body.signature("i").i32(10); });
}

Bytes set_value_return() {
    Header header;
    header.type = 2;
    header.serial = 12;
    header.reply_serial = 7;
    header.sender = ":1.4";
    header.signature = "i";
    return message(header, [](Wire& body) { body.i32(0); });
}

// One a{sv} item: {"Text": s text, "Value": d value}.
void item(Wire& wire, std::string_view text, double value) {
    wire.array(8, [&](Wire& entries) {
        entries.align(8).string("Text").signature("s").string(text);
        entries.align(8).string("Value").signature("d").f64(value);
    });
}

Bytes items_changed() {
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

Bytes unknown_method_error() {
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
Bytes call_with(std::string_view signature, const std::function<void(Wire&)>& write, bool big_endian = false) {
    Header header = set_value_header(big_endian);
    header.signature = std::string(signature);
    return message(header, write);
}

std::optional<std::string> body_of(const Bytes& bytes) {
    const auto parsed = parse_dbus_message(bytes);
    return parsed ? std::optional(parsed->body) : std::nullopt;
}

std::vector<Bytes> samples() {
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

TEST(DbusMessage, ReadsACapturedSetValueCall) {
    const auto call = parse_dbus_message(captured_set_value);
    ASSERT_TRUE(call);
    EXPECT_EQ(call->type, Type::method_call);
    EXPECT_EQ(call->flags, 0x04);  // sd-bus allows interactive authorization
    EXPECT_EQ(call->serial, 2U);
    EXPECT_EQ(call->path, "/Settings/CGwacs/BatteryLife/MinimumSocLimit");
    EXPECT_EQ(call->interface, "com.victronenergy.BusItem");
    EXPECT_EQ(call->member, "SetValue");
    EXPECT_EQ(call->destination, "com.victronenergy.settings");
    EXPECT_EQ(call->sender, ":1.7");  // the daemon fills it in on the way
    EXPECT_EQ(call->signature, "v");
    EXPECT_FALSE(call->reply_serial);
    EXPECT_EQ(call->body, "v i 10");
}

TEST(DbusMessage, ReadsCapturedRepliesSignalsAndErrors) {
    const auto reply = parse_dbus_message(captured_return);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->type, Type::method_return);
    EXPECT_EQ(reply->reply_serial, 2U);
    EXPECT_EQ(reply->body, "i 0");

    const auto changed = parse_dbus_message(captured_properties_changed);
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->type, Type::signal);
    EXPECT_EQ(changed->member, "PropertiesChanged");
    EXPECT_EQ(changed->body, R"(a{sv} 2 "Text" s "10.0" "Value" d 10)");

    const auto items = parse_dbus_message(captured_items_changed);
    ASSERT_TRUE(items);
    EXPECT_EQ(items->path, "/");
    EXPECT_EQ(items->body,
              R"(a{sa{sv}} 1 "/Dc/Battery/Soc" 2 "Text" s "50.01226666666667" "Value" d 50.01226666666667)");

    const auto invalid = parse_dbus_message(captured_invalid_value);
    ASSERT_TRUE(invalid);
    EXPECT_EQ(invalid->body, "v ai 0");

    const auto error = parse_dbus_message(captured_error);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->type, Type::error);
    EXPECT_EQ(error->error_name, "org.freedesktop.DBus.Error.UnknownObject");
    EXPECT_EQ(error->reply_serial, 2U);
    EXPECT_EQ(error->body, R"(s "Unknown object '/Nope'.")");
}

TEST(DbusMessage, ReadsAssembledMessages) {
    const auto call = parse_dbus_message(set_value());
    ASSERT_TRUE(call);
    EXPECT_EQ(call->serial, 7U);
    EXPECT_EQ(call->body, "v i 10");
    EXPECT_EQ(body_of(set_value_return()), "i 0");
    EXPECT_EQ(body_of(items_changed()), R"(a{sa{sv}} 2 "/Ac/Power" 2 "Text" s "1200 W" "Value" d 1200 )"
                                        R"("/SetCurrent" 2 "Text" s "8 A" "Value" d 8)");
    EXPECT_EQ(body_of(unknown_method_error()), R"(s "No such method \"Reset\"")");
    EXPECT_EQ(body_of(call_with("v", [](Wire& body) { body.signature("ai").u32(0).align(4); })), "v ai 0");
}

TEST(DbusMessage, ReadsBigEndianAsLittleEndian) {
    const auto big = parse_dbus_message(set_value(true));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->serial, 7U);
    EXPECT_EQ(big->body, "v i 10");
    const auto sizes = [](bool big_endian) {
        return body_of(call_with(
            "nqxtdb",
            [](Wire& body) {
                body.number(0xfffe, 2).number(513, 2).number(~std::uint64_t{4}, 8).number(1ULL << 40, 8).f64(-0.25);
                body.u32(1);
            },
            big_endian));
    };
    EXPECT_EQ(sizes(true), "n -2 q 513 x -5 t 1099511627776 d -0.25 b true");
    EXPECT_EQ(sizes(true), sizes(false));
}

TEST(DbusMessage, WritesValuesAsBusctlDoes) {
    const auto body = body_of(call_with("ybiusogh(si)asa{sv}", [](Wire& body) {
        body.byte(3).u32(0).i32(-7).u32(3).string("a\"b\\c\n\x01").string("/Path").signature("sv").u32(0);
        body.align(8).string("a").i32(1);
        body.array(4, [](Wire& strings) { strings.string("a").string("b"); });
        body.array(8, [](Wire&) {});
    }));
    EXPECT_EQ(body, R"(y 3 b false i -7 u 3 s "a\"b\\c\n\x01" o /Path g "sv" h 0 (si) ( "a" 1 ) as 2 "a" "b" a{sv} 0)");
    EXPECT_EQ(body_of(call_with("d", [](Wire& w) { w.f64(16.5); })), "d 16.5");
    EXPECT_EQ(body_of(call_with("d", [](Wire& w) { w.f64(0.1); })), "d 0.1");  // shortest round trip
    EXPECT_EQ(body_of(call_with("s",
                                [](Wire& w) {
                                    w.string(
                                        "25 \xc2\xb0"
                                        "C");
                                })),
              "s \"25 \xc2\xb0"
              "C\"");
}

TEST(DbusMessage, RefusesMalformedHeaders) {
    const auto with = [](std::size_t at, std::uint8_t value) {
        Bytes bytes = set_value();
        bytes[at] = value;
        return parse_dbus_message(bytes).has_value();
    };
    EXPECT_TRUE(with(2, 0x01));  // flags are anything
    EXPECT_FALSE(with(0, 'x'));  // endianness
    EXPECT_FALSE(with(1, 0));    // the invalid type
    EXPECT_FALSE(with(1, 5));    // a type this decoder cannot describe
    EXPECT_FALSE(with(3, 2));    // protocol version
    EXPECT_FALSE(with(8, 0));    // serial 0
    Bytes trailing = set_value();
    trailing.push_back(0);
    EXPECT_FALSE(parse_dbus_message(trailing));

    Header no_member = set_value_header();
    no_member.member.clear();
    EXPECT_FALSE(parse_dbus_message(message(no_member, [](Wire& b) { b.signature("i").i32(10); })));
    Header signal_without_interface;
    signal_without_interface.type = 4;
    signal_without_interface.path = "/";
    signal_without_interface.member = "ItemsChanged";
    EXPECT_FALSE(parse_dbus_message(message(signal_without_interface)));
    Header return_without_reply_serial;
    return_without_reply_serial.type = 2;
    EXPECT_FALSE(parse_dbus_message(message(return_without_reply_serial)));
    for (const char* path : {"", "SetCurrent", "/a//b", "/a/", "/a-b"}) {
        Header header = set_value_header();
        header.path = path;
        EXPECT_FALSE(parse_dbus_message(message(header, [](Wire& b) { b.signature("i").i32(10); }))) << path;
    }
    Header root = set_value_header();
    root.path = "/";
    EXPECT_TRUE(parse_dbus_message(message(root, [](Wire& b) { b.signature("i").i32(10); })));
}

TEST(DbusMessage, RefusesBadSignaturesAndNesting) {
    for (const char* signature : {"a", "(", "()", "(i", "i)", "{sv}", "a{vs}", "a{s}", "a{svs}", "z", "a{sv"}) {
        EXPECT_FALSE(body_of(call_with(signature, [](Wire& b) { b.u32(0).u32(0); }))) << signature;
    }
    // The specification's limits: 32 nested arrays, 32 nested structs, 64 containers with variants.
    EXPECT_TRUE(body_of(call_with(std::string(32, 'a') + "i", [](Wire& b) { b.u32(0); })));
    EXPECT_FALSE(body_of(call_with(std::string(33, 'a') + "i", [](Wire& b) { b.u32(0); })));
    const auto nested_structs = [](std::size_t depth) {
        return body_of(call_with(std::string(depth, '(') + "i" + std::string(depth, ')'), [](Wire& b) { b.u32(5); }));
    };
    EXPECT_TRUE(nested_structs(32));
    EXPECT_FALSE(nested_structs(33));
    const auto nested_variants = [](int depth) {
        return body_of(call_with("v", [depth](Wire& b) {
            for (int k = 1; k < depth; ++k) {
                b.signature("v");
            }
            b.signature("i").i32(1);
        }));
    };
    EXPECT_TRUE(nested_variants(64));
    EXPECT_FALSE(nested_variants(65));
}

TEST(DbusMessage, RefusesBadValues) {
    EXPECT_FALSE(body_of(call_with("b", [](Wire& b) { b.u32(2); })));
    EXPECT_FALSE(body_of(call_with("ai", [](Wire& b) { b.u32(5).i32(1).byte(0); })));  // ends inside an element
    EXPECT_FALSE(body_of(call_with("ai", [](Wire& b) { b.u32(400).i32(1); })));        // longer than the body
    EXPECT_FALSE(body_of(call_with("yi", [](Wire& b) { b.byte(1).byte(9).align(4).i32(1); })));      // padding not 0
    EXPECT_FALSE(body_of(call_with("s", [](Wire& b) { b.u32(2).byte('a').byte('b').byte('c'); })));  // no NUL
    EXPECT_FALSE(body_of(call_with("s", [](Wire& b) { b.string(std::string("a\0b", 3)); })));        // inner NUL
    EXPECT_FALSE(body_of(call_with("s", [](Wire& b) { b.string("\xff\xfe"); })));                    // not UTF-8
    EXPECT_FALSE(body_of(call_with("v", [](Wire& b) { b.signature("ii").i32(1).i32(2); })));         // two types in a v
    EXPECT_FALSE(body_of(call_with("g", [](Wire& b) { b.signature("a"); })));
    EXPECT_FALSE(body_of(call_with("i", [](Wire& b) { b.i32(1).i32(2); })));  // bytes the signature does not explain
    EXPECT_FALSE(body_of(call_with("", [](Wire& b) { b.i32(1); })));
    EXPECT_FALSE(body_of(call_with("ii", [](Wire& b) { b.i32(1); })));
}

// Every prefix of a message and every byte of it set to a few values: nullopt or a parse, within bounds
// (the unit tests run under ASan and UBSan in CI), and the codec's lines never throw.
TEST(DbusMessage, SurvivesTruncationAndCorruption) {
    const auto codec = make_dbus_codec();
    const auto exercise = [&](const Bytes& bytes) {
        std::span<const std::uint8_t> exact(bytes);
        (void)parse_dbus_message(exact);
        (void)dbus_message_length(exact);
        (void)codec->text_line(exact, true);
        (void)codec->baseline_line(exact, false);
        (void)codec->pairing_key(exact);
        (void)codec->is_refusal(exact);
    };
    for (const auto& sample : samples()) {
        ASSERT_TRUE(parse_dbus_message(sample));
        for (std::size_t size = 0; size < sample.size(); ++size) {
            // A copy of the prefix alone, so that ASan sees any read past it.
            const Bytes prefix(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(size));
            EXPECT_FALSE(parse_dbus_message(prefix)) << size;
            exercise(prefix);
        }
        for (std::size_t at = 0; at < sample.size(); ++at) {
            for (std::uint8_t value : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
                Bytes corrupted = sample;
                corrupted[at] = value;
                exercise(corrupted);
            }
            Bytes flipped = sample;
            flipped[at] ^= 0x04;
            exercise(flipped);
        }
    }
}

TEST(DbusMessage, TellsTheLengthFromTheFirst16Bytes) {
    const Bytes call = set_value();
    EXPECT_EQ(dbus_message_length(call), call.size());
    EXPECT_EQ(dbus_message_length(std::span(call).first(16)), call.size());
    EXPECT_FALSE(dbus_message_length(std::span(call).first(15)));
    EXPECT_EQ(dbus_message_length(set_value(true)), set_value(true).size());
    for (const auto& sample : samples()) {
        EXPECT_EQ(dbus_message_length(sample), sample.size());
    }
    // In a stream the next message follows: the length is that of the first.
    Bytes stream = call;
    stream.insert(stream.end(), captured_return.begin(), captured_return.end());
    EXPECT_EQ(dbus_message_length(stream), call.size());
    EXPECT_EQ(dbus_message_length(std::span(stream).subspan(call.size())), captured_return.size());

    Bytes nonsense = call;
    nonsense[0] = 'x';
    EXPECT_FALSE(dbus_message_length(nonsense));
    Bytes huge = call;
    huge[12] = huge[13] = huge[14] = huge[15] = 0xff;  // a header-fields array past the specification's limit
    EXPECT_FALSE(dbus_message_length(huge));
}

// ---- the codec --------------------------------------------------------------------------------------------------

TEST(DbusCodec, TextLinesSayWhatTheMessageIs) {
    const auto codec = make_dbus_codec();
    EXPECT_EQ(codec->protocol(), "dbus");
    EXPECT_EQ(
        codec->text_line(set_value(), true),
        "call SetValue /SetCurrent com.victronenergy.BusItem → com.victronenergy.evcharger.garage serial 7: v i 10");
    EXPECT_EQ(codec->text_line(set_value_return(), false), "return from :1.4 serial 12 reply to 7: i 0");
    EXPECT_EQ(codec->text_line(items_changed(), false),
              R"(signal ItemsChanged / com.victronenergy.BusItem from :1.4 serial 30: a{sa{sv}} 2 "/Ac/Power" 2 )"
              R"("Text" s "1200 W" "Value" d 1200 "/SetCurrent" 2 "Text" s "8 A" "Value" d 8)");
    EXPECT_EQ(
        codec->text_line(unknown_method_error(), false),
        R"(error org.freedesktop.DBus.Error.UnknownMethod → :1.5 serial 13 reply to 7: s "No such method \"Reset\"")");
    EXPECT_EQ(codec->text_line(captured_set_value, true),
              "call SetValue /Settings/CGwacs/BatteryLife/MinimumSocLimit com.victronenergy.BusItem :1.7 → "
              "com.victronenergy.settings serial 2 flags 0x04: v i 10");
    EXPECT_EQ(codec->text_line(captured_return, false), "return :1.2 → :1.7 serial 6 reply to 2: i 0");
    EXPECT_EQ(codec->text_line(captured_properties_changed, false),
              "signal PropertiesChanged /Settings/CGwacs/BatteryLife/MinimumSocLimit com.victronenergy.BusItem from "
              R"(:1.2 serial 5: a{sv} 2 "Text" s "10.0" "Value" d 10)");
    EXPECT_EQ(codec->text_line(Bytes{0x6c, 0x01}, true), "unparsed: 6c 01");
}

TEST(DbusCodec, BaselineLinesLeaveOutWhatVaries) {
    const auto codec = make_dbus_codec();
    EXPECT_EQ(codec->baseline_line(set_value(), true),
              "call SetValue /SetCurrent → com.victronenergy.evcharger.garage v i 10");
    EXPECT_EQ(codec->baseline_line(set_value_return(), false), "return i 0");
    EXPECT_EQ(codec->baseline_line(items_changed(), false), "signal ItemsChanged /");
    EXPECT_EQ(codec->baseline_line(captured_properties_changed, false),
              "signal PropertiesChanged /Settings/CGwacs/BatteryLife/MinimumSocLimit");
    EXPECT_EQ(codec->baseline_line(captured_return, false), "return i 0");
    // A GetValue's answer follows the physics: its type stays, its value goes.
    Header get_value_return;
    get_value_return.type = 2;
    get_value_return.serial = 13;
    get_value_return.reply_serial = 8;
    get_value_return.sender = ":1.4";
    get_value_return.signature = "v";
    auto power = message(get_value_return, [](Wire& body) { body.signature("d").align(8).f64(2760.5); });
    EXPECT_EQ(codec->text_line(power, false), "return from :1.4 serial 13 reply to 8: v d 2760.5");
    EXPECT_EQ(codec->baseline_line(power, false), "return v d");
    EXPECT_EQ(codec->baseline_line(captured_error, false),
              R"(error org.freedesktop.DBus.Error.UnknownObject s "Unknown object '/Nope'.")");
    EXPECT_EQ(codec->baseline_line(Bytes{0x6c, 0x01}, true), "malformed D-Bus message");

    // A long reply is data that follows the run; a unique name in a reply follows connection order.
    Header reply;
    reply.type = 2;
    reply.reply_serial = 3;
    reply.signature = "as";
    const auto names = message(reply, [](Wire& body) {
        body.array(4, [](Wire& strings) { strings.string("com.victronenergy.settings").string(":1.2").string("x"); });
    });
    EXPECT_EQ(codec->baseline_line(names, false), "return (54 bytes)");
    reply.signature = "s";
    reply.sender = "org.freedesktop.DBus";
    const auto hello = message(reply, [](Wire& body) { body.string(":1.23"); });
    EXPECT_EQ(codec->baseline_line(hello, false), R"(return from org.freedesktop.DBus s ":unique")");
}

TEST(DbusCodec, PairsCallsWithRepliesAndRefusesOnlyWithErrors) {
    const auto codec = make_dbus_codec();
    EXPECT_EQ(codec->pairing_key(set_value()), 7U);
    EXPECT_EQ(codec->pairing_key(set_value_return()), 7U);
    EXPECT_EQ(codec->pairing_key(unknown_method_error()), 7U);
    EXPECT_EQ(codec->pairing_key(captured_set_value), codec->pairing_key(captured_return));
    EXPECT_FALSE(codec->pairing_key(items_changed()));
    EXPECT_FALSE(codec->pairing_key(Bytes{0x6c}));
    Bytes no_reply_expected = set_value();
    no_reply_expected[2] = 0x01;
    EXPECT_FALSE(codec->pairing_key(no_reply_expected));

    EXPECT_TRUE(codec->is_refusal(unknown_method_error()));
    EXPECT_TRUE(codec->is_refusal(captured_error));
    EXPECT_FALSE(codec->is_refusal(set_value_return()));
    EXPECT_FALSE(codec->is_refusal(Bytes{}));
    EXPECT_FALSE(codec->setpoint_in(set_value()));
    EXPECT_EQ(codec->pcap().link_type, 231);
    EXPECT_EQ(codec->pcap().device_port, 0);
}

// ---- a live bus -------------------------------------------------------------------------------------------------

// The records of a classic pcap file (24-byte global header, 16-byte record headers), as dbus-monitor writes it.
std::vector<Bytes> pcap_records(const Bytes& file, std::uint32_t* link_type) {
    const auto u32 = [&](std::size_t at) {
        return static_cast<std::uint32_t>(file[at] | file[at + 1] << 8 | file[at + 2] << 16) |
               static_cast<std::uint32_t>(file[at + 3]) << 24;
    };
    std::vector<Bytes> records;
    if (file.size() < 24 || u32(0) != 0xa1b2c3d4) {
        return records;
    }
    *link_type = u32(20);
    std::size_t at = 24;
    while (file.size() - at >= 16 && file.size() - at - 16 >= u32(at + 8)) {
        const auto begin = file.begin() + static_cast<std::ptrdiff_t>(at + 16);
        records.emplace_back(begin, begin + u32(at + 8));
        at += 16 + u32(at + 8);
    }
    return records;
}

TEST(DbusCapture, ReadsWhatDbusMonitorCapturesOnAPrivateBus) {
    sim::victron::PrivateBus bus;
    const auto folder = std::filesystem::temp_directory_path() / ("evhil-dbus-capture-" + std::to_string(getpid()));
    std::filesystem::create_directories(folder);
    const auto capture = folder / "capture.pcap";
    // dbus-send --address opens a peer connection, which the bus refuses before Hello; --bus registers. The
    // monitor gets a second to become one before the call, and is stopped by its own pid.
    const std::string monitor = "dbus-monitor --address '" + bus.address() + "' --pcap >'" + capture.string() +
                                "' 2>/dev/null & monitor=$!; sleep 1; ";
    const std::string call = "dbus-send --bus='" + bus.address() +
                             "' --dest=org.freedesktop.DBus --type=method_call --print-reply /org/freedesktop/DBus "
                             "org.freedesktop.DBus.ListNames >/dev/null; sent=$?; ";
    int status = 0;
    test::run_command(monitor + call + "sleep 0.5; { kill $monitor; wait $monitor; } 2>/dev/null; exit $sent", &status);
    ASSERT_EQ(status, 0);
    std::ifstream in(capture, std::ios::binary);
    const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove_all(folder);
    std::uint32_t link_type = 0;
    const auto records = pcap_records(file, &link_type);
    EXPECT_EQ(link_type, 231U);
    ASSERT_FALSE(records.empty());
    std::optional<std::uint32_t> call_serial;
    bool answered = false;
    for (const auto& record : records) {
        const auto parsed = parse_dbus_message(record);
        ASSERT_TRUE(parsed) << hex_bytes(record);
        if (parsed->type == Type::method_call && parsed->member == "ListNames") {
            call_serial = parsed->serial;
        }
        if (parsed->type == Type::method_return && call_serial && parsed->reply_serial == call_serial) {
            answered = parsed->signature == "as" && parsed->body.find("\"org.freedesktop.DBus\"") != std::string::npos;
        }
    }
    EXPECT_TRUE(call_serial);
    EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace evhil::harness
