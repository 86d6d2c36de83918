// The D-Bus trace codec: the text trace's and the baseline's lines, pairing and refusals; and what dbus-monitor
// captures on a private bus read back message by message.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness/traces/dbus/dbus_codec.hpp"
#include "harness/traces/dbus/dbus_message.hpp"
#include "simulators/victron/private_bus.hpp"
#include "tests/support/run_command.hpp"
#include "tests/unit/dbus_test_messages.hpp"

namespace evhil::harness {
namespace {

using namespace dbus_test;

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
    EXPECT_EQ(codec->pairing_key(set_value(), true), 7U);
    EXPECT_EQ(codec->pairing_key(set_value_return(), false), 7U);
    EXPECT_EQ(codec->pairing_key(unknown_method_error(), false), 7U);
    EXPECT_EQ(codec->pairing_key(captured_set_value, true), codec->pairing_key(captured_return, false));
    EXPECT_FALSE(codec->pairing_key(items_changed(), true));
    EXPECT_FALSE(codec->pairing_key(Bytes{0x6c}, true));
    Bytes no_reply_expected = set_value();
    no_reply_expected[2] = 0x01;
    EXPECT_FALSE(codec->pairing_key(no_reply_expected, true));

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
