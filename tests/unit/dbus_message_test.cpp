// The D-Bus message decoder (harness/traces/dbus/dbus_message.hpp): on messages captured with dbus-monitor --pcap
// and assembled byte by byte (dbus_test_messages.hpp), on every truncation and on corrupted bytes. The codec and a
// live private bus: dbus_codec_test.cpp.

#include <gtest/gtest.h>

#include "harness/traces/dbus/dbus_message.hpp"
#include "tests/unit/dbus_test_messages.hpp"

namespace evhil::harness {
namespace {

using namespace dbus_test;

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
        (void)codec->pairing_key(exact, true);
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

}  // namespace
}  // namespace evhil::harness
