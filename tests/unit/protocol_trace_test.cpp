// The protocol trace's two file formats: the text lines people diff, and a pcapng that tshark's Modbus/TCP
// dissector decodes without "Decode As".

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/traces/dbus/dbus_codec.hpp"
#include "harness/traces/modbus_tcp/modbus_tcp_codec.hpp"
#include "harness/traces/protocol_trace.hpp"
#include "tests/unit/test_files.hpp"

namespace evhil::harness {
namespace {

using evhil::testing::slurp;
using evhil::testing::TempDir;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const TimePoint trace_start = std::chrono::sys_days{std::chrono::year{2026} / 6 / 21} + 8h;

FrameEvent make_event(FrameEvent::Kind kind, Duration offset, std::vector<std::uint8_t> bytes = {}) {
    FrameEvent event;
    event.kind = kind;
    event.time = trace_start + offset;
    event.protocol = "modbus_tcp";
    event.connection = 1;
    event.bytes = std::move(bytes);
    event.client_endpoint = "127.0.0.1:40312";
    event.device_endpoint = "127.0.0.1:1502";
    return event;
}

// One connection: FC3 read of 1200 x2, FC16 write of 1210 x2, a garbled reply (its MBAP length 0xff06 promises
// far more bytes than come), one more read, and the client leaving.
ProtocolTrace sample_trace() {
    ProtocolTrace trace;
    trace.scenario = "alfen/plug-and-charge";
    trace.device = "alfen";
    trace.target = "wire";
    trace.start = trace_start;
    trace.codec = make_modbus_tcp_codec();
    trace.events = {
        make_event(FrameEvent::Kind::opened, 0ms),
        make_event(FrameEvent::Kind::to_device, 1ms, {0, 1, 0, 0, 0, 6, 1, 0x03, 0x04, 0xB0, 0x00, 0x02}),
        make_event(FrameEvent::Kind::from_device, 2500us, {0, 1, 0, 0, 0, 7, 1, 0x03, 4, 0x00, 0x42, 0x41, 0x80}),
        make_event(FrameEvent::Kind::to_device, 1s,
                   {0, 2, 0, 0, 0, 11, 1, 0x10, 0x04, 0xBA, 0x00, 0x02, 4, 0x41, 0x80, 0x00, 0x00}),
        make_event(FrameEvent::Kind::from_device, 1002ms, {0, 2, 0, 0, 0, 6, 1, 0x10, 0x04, 0xBA, 0x00, 0x02}),
        make_event(FrameEvent::Kind::unframed, 2s, {0, 3, 0, 0, 0xFF, 6, 1, 0x83}),
        make_event(FrameEvent::Kind::to_device, 2100ms, {0, 4, 0, 0, 0, 6, 1, 0x03, 0x04, 0xB0, 0x00, 0x01}),
        make_event(FrameEvent::Kind::from_device, 2102ms, {0, 4, 0, 0, 0, 5, 1, 0x03, 2, 0x12, 0x34}),
        make_event(FrameEvent::Kind::closed, 3s),
    };
    trace.events[5].from_client = false;
    trace.events[8].note = "client closed";
    return trace;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::uint32_t le32(const std::string& bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) {
        value = (value << 8) | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
    }
    return value;
}

struct Block {
    std::uint32_t type;
    std::string body;  // between the leading total length and the trailing one
};

// Splits a pcapng file into blocks, checking the framing every reader relies on.
std::vector<Block> blocks_of(const std::string& file) {
    std::vector<Block> blocks;
    std::size_t at = 0;
    while (at < file.size()) {
        EXPECT_LE(at + 12, file.size());
        std::uint32_t type = le32(file, at);
        std::uint32_t total = le32(file, at + 4);
        EXPECT_EQ(total % 4, 0u) << "block at " << at;
        EXPECT_LE(at + total, file.size()) << "block at " << at;
        if (total < 12 || at + total > file.size()) {
            break;
        }
        EXPECT_EQ(le32(file, at + total - 4), total) << "trailing length of the block at " << at;
        blocks.push_back({type, file.substr(at + 8, total - 12)});
        at += total;
    }
    return blocks;
}

std::uint16_t ipv4_checksum_residue(const std::string& header) {
    std::uint32_t sum = 0;
    for (std::size_t at = 0; at < 20; at += 2) {
        sum += (static_cast<std::uint8_t>(header[at]) << 8) | static_cast<std::uint8_t>(header[at + 1]);
    }
    while ((sum >> 16) != 0) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(sum);
}

TEST(TextTrace, HeaderAndOneLinePerEvent) {
    auto lines = lines_of(format_text_trace(sample_trace()));
    ASSERT_EQ(lines.size(), 8u + 9u);
    EXPECT_EQ(lines[0], "# evhil protocol trace");
    EXPECT_EQ(lines[1], "# scenario:  alfen/plug-and-charge");
    EXPECT_EQ(lines[4], "# start:     2026-06-21T08:00:00.000Z");
    EXPECT_EQ(lines[8], "    0.000000 c1 + client 127.0.0.1:40312 device 127.0.0.1:1502");
    EXPECT_EQ(lines[9], "    0.001000 c1 > 0001 0000 0006 01 | 03 04b0 0002  ; tid 1 unit 1 FC3 read 1200 x2");
    EXPECT_EQ(lines[10],
              "    0.002500 c1 < 0001 0000 0007 01 | 03 04 0042 4180  ; tid 1 unit 1 FC3 reply [0x0042 0x4180]");
    EXPECT_EQ(lines[11],
              "    1.000000 c1 > 0002 0000 000b 01 | 10 04ba 0002 04 4180 0000  ; tid 2 unit 1 FC16 write 1210 x2 "
              "[0x4180 0x0000]");
    EXPECT_EQ(lines[12], "    1.002000 c1 < 0002 0000 0006 01 | 10 04ba 0002  ; tid 2 unit 1 FC16 ack 1210 x2");
    EXPECT_EQ(lines[13], "    2.000000 c1 ! 00 03 00 00 ff 06 01 83  ; unframed, 8 bytes from device");
    EXPECT_EQ(lines[16], "    3.000000 c1 - client closed");
}

TEST(TextTrace, SameInputSameText) {
    EXPECT_EQ(format_text_trace(sample_trace()), format_text_trace(sample_trace()));
}

TEST(TextTrace, WritesIntoNewDirectoriesAndNamesThePathOnFailure) {
    TempDir dir("trace");
    auto path = dir.path() / "traces" / "alfen.trace";
    write_text_trace(sample_trace(), path);
    EXPECT_EQ(slurp(path), format_text_trace(sample_trace()));

    // A parent that is a regular file cannot become a directory.
    auto blocked = path / "nested.trace";
    try {
        write_text_trace(sample_trace(), blocked);
        FAIL() << "wrote below a regular file";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()).rfind("cannot write " + blocked.string() + ": ", 0), 0u) << error.what();
    }
    EXPECT_THROW(write_pcapng(sample_trace(), blocked), std::runtime_error);
}

TEST(Pcapng, BlocksAreWellFormed) {
    TempDir dir("trace");
    auto path = dir.path() / "traces" / "alfen.pcapng";
    write_pcapng(sample_trace(), path);
    auto blocks = blocks_of(slurp(path));
    // SHB, IDB, then 3 handshake + 6 frames + 1 unframed + 3 teardown packets.
    ASSERT_EQ(blocks.size(), 2u + 13u);
    EXPECT_EQ(blocks[0].type, 0x0A0D0D0Au);
    EXPECT_EQ(le32(blocks[0].body, 0), 0x1A2B3C4Du);
    EXPECT_EQ(blocks[1].type, 1u);
    EXPECT_EQ(le32(blocks[1].body, 0) & 0xFFFF, 228u);  // LINKTYPE_IPV4

    auto start_us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(trace_start.time_since_epoch()).count());
    for (std::size_t i = 2; i < blocks.size(); ++i) {
        const auto& body = blocks[i].body;
        ASSERT_EQ(blocks[i].type, 6u);
        std::uint32_t captured = le32(body, 12);
        ASSERT_GE(captured, 20u);
        std::string ip = body.substr(20, captured);
        EXPECT_EQ(static_cast<std::uint8_t>(ip[0]), 0x45);
        EXPECT_EQ(ipv4_checksum_residue(ip), 0xFFFF) << "packet " << i - 2;
        if (static_cast<std::uint8_t>(ip[9]) != 6) {
            // Unframed bytes travel outside the TCP stream, under the experimental protocol number.
            EXPECT_EQ(static_cast<std::uint8_t>(ip[9]), 253);
            EXPECT_EQ(ip.substr(20), std::string("\x00\x03\x00\x00\xff\x06\x01\x83", 8));
            continue;
        }
        auto port_at = [&](std::size_t at) {
            return (static_cast<std::uint8_t>(ip[at]) << 8) | static_cast<std::uint8_t>(ip[at + 1]);
        };
        EXPECT_TRUE(port_at(20) == 502 || port_at(22) == 502) << "the device side is on port 502";
    }
    // The first request: absolute time start + 1 ms, payload = the ADU.
    const auto& request = blocks[2 + 3].body;
    std::uint64_t micros = (std::uint64_t{le32(request, 4)} << 32) | le32(request, 8);
    EXPECT_EQ(micros, start_us + 1000);
    EXPECT_EQ(le32(request, 12), 20u + 20u + 12u);
}

// What a stock tshark makes of a capture: `arguments` after -r; `status` is its exit status.
std::string tshark(const fs::path& capture, const std::string& arguments, int& status) {
    std::string command = fmt::format("/usr/bin/tshark -r '{}' {} 2>/dev/null", capture.string(), arguments);
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        status = -1;
        return "";
    }
    std::string output;
    std::array<char, 256> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
        output += buffer.data();
    }
    status = ::pclose(pipe);
    return output;
}

// The point of the pcapng: a stock tshark decodes it as Modbus/TCP.
TEST(Pcapng, TsharkDecodesModbus) {
    if (!fs::exists("/usr/bin/tshark")) {
        GTEST_SKIP() << "tshark is not installed";
    }
    TempDir dir("trace");
    auto path = dir.path() / "alfen.pcapng";
    write_pcapng(sample_trace(), path);
    int status = -1;
    auto output =
        tshark(path, "-Y mbtcp -T fields -e mbtcp.trans_id -e modbus.func_code -e modbus.reference_num", status);
    ASSERT_EQ(status, 0) << output;
    auto lines = lines_of(output);
    // Responses to FC3 carry no reference number; tshark shows the FC16 one from the echoed address.
    EXPECT_EQ(lines,
              (std::vector<std::string>{"1\t3\t1200", "1\t3\t", "2\t16\t1210", "2\t16\t1210", "4\t3\t1200", "4\t3\t"}))
        << output;
}

// A D-Bus trace's pcapng carries each message raw, with the D-Bus link type: tshark dissects it as it does a
// `dbus-monitor --pcap` capture. The two messages were captured that way: a GUI's SetValue and its answer.
TEST(Pcapng, TsharkDecodesDbus) {
    if (!fs::exists("/usr/bin/tshark")) {
        GTEST_SKIP() << "tshark is not installed";
    }
    auto bytes = [](const std::string& hex) {
        std::vector<std::uint8_t> out;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
            out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        }
        return out;
    };
    ProtocolTrace trace;
    trace.scenario = "venus";
    trace.device = "gx";
    trace.target = "wire";
    trace.start = trace_start;
    trace.codec = make_dbus_codec();
    trace.events = {
        make_event(FrameEvent::Kind::opened, 0ms),
        make_event(FrameEvent::Kind::to_device, 1ms,
                   bytes("6c0104010800000002000000b500000001016f002c0000002f53657474696e67732f4347776163732f426174"
                         "746572794c6966652f4d696e696d756d536f634c696d697400000000030173000800000053657456616c7565"
                         "00000000000000000201730019000000636f6d2e76696374726f6e656e657267792e4275734974656d000000"
                         "00000000060173001a000000636f6d2e76696374726f6e656e657267792e73657474696e6773000000000000"
                         "080167000176000007017300040000003a312e3700000000016900000a000000")),
        make_event(FrameEvent::Kind::from_device, 2ms,
                   bytes("6c02010104000000060000002d000000050175000200000006017300040000003a312e370000000008016700"
                         "0169000007017300040000003a312e320000000000000000")),
    };
    for (auto& event : trace.events) {
        event.protocol = "dbus";
    }
    TempDir dir("trace");
    auto path = dir.path() / "gx.pcapng";
    write_pcapng(trace, path);
    int status = -1;
    auto output =
        tshark(path, "-T fields -e dbus.message_type -e dbus.member -e dbus.path -e dbus.reply_serial", status);
    ASSERT_EQ(status, 0) << output;
    EXPECT_EQ(lines_of(output),
              (std::vector<std::string>{"1\tSetValue\t/Settings/CGwacs/BatteryLife/MinimumSocLimit\t", "2\t\t\t2"}))
        << output;
}

}  // namespace
}  // namespace evhil::harness
