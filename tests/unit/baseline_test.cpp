// Protocol baselines: normalising a trace (the diff, the files and the HTML view are in baseline_diff_test.cpp).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <sstream>
#include <stdexcept>

#include "drivers/transport/modbus/pdu.hpp"
#include "harness/traces/baseline.hpp"
#include "harness/traces/modbus_tcp/modbus_tcp_codec.hpp"

namespace evhil::harness {
namespace {

using namespace std::chrono_literals;
using Lines = std::vector<std::string>;

// Any fixed instant: only times relative to it matter.
const TimePoint run_start = TimePoint{} + std::chrono::hours(24 * 365 * 55);

std::vector<std::uint8_t> adu(std::uint16_t transaction, std::uint8_t unit, const modbus::Pdu& pdu) {
    const auto length = static_cast<std::uint16_t>(pdu.size() + 1);
    std::vector<std::uint8_t> bytes{
        static_cast<std::uint8_t>(transaction >> 8), static_cast<std::uint8_t>(transaction & 0xFF), 0,   0,
        static_cast<std::uint8_t>(length >> 8),      static_cast<std::uint8_t>(length & 0xFF),      unit};
    bytes.insert(bytes.end(), pdu.begin(), pdu.end());
    return bytes;
}

constexpr std::uint8_t station_unit = 200;  // the Alfen answers station-info reads on unit 200

// Builds a trace the way the tap would report it, with times relative to the start of the run.
class TraceBuilder {
public:
    TraceBuilder() {
        trace_.scenario = "alfen-link-drop";
        trace_.device = "charger";
        trace_.target = "wire";
        trace_.start = run_start;
        trace_.codec = make_modbus_tcp_codec();
    }

    TraceBuilder& opened(Duration at, std::uint32_t connection) {
        FrameEvent event;
        event.kind = FrameEvent::Kind::opened;
        event.time = run_start + at;
        event.connection = connection;
        trace_.events.push_back(event);
        return *this;
    }

    TraceBuilder& frame(Duration at, std::uint32_t connection, bool request, std::uint16_t transaction,
                        const modbus::Pdu& pdu, std::uint8_t unit = 1) {
        FrameEvent event;
        event.kind = request ? FrameEvent::Kind::to_device : FrameEvent::Kind::from_device;
        event.time = run_start + at;
        event.connection = connection;
        event.bytes = adu(transaction, unit, pdu);
        trace_.events.push_back(event);
        return *this;
    }

    // A read of `count` registers at `address` and its reply 15 ms later carrying `value` in every register.
    TraceBuilder& poll(Duration at, std::uint32_t connection, std::uint16_t transaction, std::uint16_t address,
                       std::uint16_t count, std::uint16_t value) {
        const std::vector<std::uint16_t> registers(count, value);
        frame(at, connection, true, transaction, modbus::encode_read_holding(address, count));
        return frame(at + 15ms, connection, false, transaction,
                     modbus::encode_read_response(modbus::function::read_holding_registers, registers));
    }

    TraceBuilder& closed(Duration at, std::uint32_t connection, std::string note) {
        FrameEvent event;
        event.kind = FrameEvent::Kind::closed;
        event.time = run_start + at;
        event.connection = connection;
        event.client_endpoint = fmt::format("127.0.0.1:{}", 40000 + connection);
        event.device_endpoint = "127.0.0.1:1502";
        event.note = std::move(note);
        trace_.events.push_back(event);
        return *this;
    }

    // One attempt of a driver retrying through an exception fault: it connects, reads the station info, gets
    // server_device_failure back and closes, all within milliseconds of `at`.
    TraceBuilder& failed_attempt(Duration at, std::uint32_t connection, std::uint16_t transaction) {
        opened(at, connection);
        frame(at + 4ms, connection, true, transaction, modbus::encode_read_holding(100, 79), station_unit);
        frame(at + 9ms, connection, false, transaction,
              modbus::encode_exception(modbus::function::read_holding_registers,
                                       modbus::ExceptionCode::server_device_failure),
              station_unit);
        return closed(at + 10ms, connection, "client closed");
    }

    TraceBuilder& unframed(Duration at, std::uint32_t connection, bool from_client, std::size_t size) {
        FrameEvent event;
        event.kind = FrameEvent::Kind::unframed;
        event.time = run_start + at;
        event.connection = connection;
        event.bytes.assign(size, 0xFF);
        event.from_client = from_client;
        trace_.events.push_back(event);
        return *this;
    }

    const ProtocolTrace& trace() const { return trace_; }

private:
    ProtocolTrace trace_;
};

const std::vector<std::uint16_t> sixteen_amps{0x4180, 0x0000};

const std::string header = "# scenario alfen-link-drop device charger bucket 10s from each connect";

// The lines of one connection that tried once through an exception fault (TraceBuilder::failed_attempt).
const Lines failed_attempt_block{
    "connection",
    "  c+0s + connect",
    "  c+0s > unit 200 FC3 read 100 x79",
    "  c+0s < unit 200 FC3 exception server_device_failure",
    "  c+0s - close client closed",
};

Lines concat(std::initializer_list<Lines> parts) {
    Lines out;
    for (const auto& part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

TEST(NormaliseTrace, SmallTraceGivesHeaderAndBucketedLinesPerConnection) {
    TraceBuilder builder;
    // Comments give the time from the connect at 120 ms, which is what the buckets count.
    builder.opened(120ms, 1)
        .poll(200ms, 1, 1, 1200, 16, 230)                                                   // c+0.08s
        .frame(10s + 300ms, 1, true, 2, modbus::encode_write_multiple(1210, sixteen_amps))  // c+10.18s
        .frame(10s + 320ms, 1, false, 2, modbus::encode_write_multiple_response(1210, 2))   // c+10.2s
        .frame(30s + 150ms, 1, true, 3, modbus::encode_read_holding(1200, 16))              // c+30.03s
        .frame(30s + 160ms, 1, false, 3,                                                    // c+30.04s
               modbus::encode_exception(modbus::function::read_holding_registers,
                                        modbus::ExceptionCode::server_device_busy))
        .closed(35s, 1, "device closed")  // c+34.88s
        .unframed(41s, 2, false, 5);      // never opened: the event is its own origin
    const Lines expected{
        header,
        "connection",
        "  c+0s + connect",
        "  c+0s > unit 1 FC3 read 1200 x16",
        "  c+0s < unit 1 FC3 reply x16",
        "  c+10s > unit 1 FC16 write 1210 x2 [0x4180 0x0000]",
        "  c+10s < unit 1 FC16 ack 1210 x2",
        "  c+30s > unit 1 FC3 read 1200 x16",
        "  c+30s < unit 1 FC3 exception server_device_busy",
        "  c+30s - close device closed",
        "connection",
        "  c+0s ! unframed from device",
    };
    EXPECT_EQ(normalise_trace(builder.trace()), expected);
}

TEST(NormaliseTrace, TransactionIdsAndConnectionNumbersAreMasked) {
    TraceBuilder first;
    first.opened(0s, 1).poll(1s, 1, 7, 1200, 16, 0).closed(2s, 1, "client closed");
    TraceBuilder second;
    second.opened(0s, 4).poll(1s, 4, 65000, 1200, 16, 0).closed(2s, 4, "client closed");
    EXPECT_EQ(normalise_trace(first.trace()), normalise_trace(second.trace()));
}

TEST(NormaliseTrace, ResponseLandsInItsRequestsBucketAcrossABoundary) {
    TraceBuilder builder;
    builder.opened(3s, 1)
        .frame(12s + 990ms, 1, true, 5, modbus::encode_read_holding(1200, 16))  // c+9.99s
        .frame(
            13s + 20ms, 1, false, 5,  // c+10.02s
            modbus::encode_read_response(modbus::function::read_holding_registers, std::vector<std::uint16_t>(16, 1)));
    const Lines lines = normalise_trace(builder.trace());
    ASSERT_EQ(lines.size(), 5U);
    EXPECT_EQ(lines[3], "  c+0s > unit 1 FC3 read 1200 x16");
    EXPECT_EQ(lines[4], "  c+0s < unit 1 FC3 reply x16");
}

TEST(NormaliseTrace, ResponseMatchesOnlyItsOwnConnectionAndTransaction) {
    TraceBuilder builder;
    builder.opened(0s, 1)
        .opened(0s, 2)
        .frame(1s, 1, true, 5, modbus::encode_read_holding(1200, 16))
        // Same transaction ID on another connection, and another ID on the same one: neither is the answer.
        .frame(12s, 2, false, 5, modbus::encode_read_response(3, std::vector<std::uint16_t>(16, 1)))
        .frame(23s, 1, false, 6, modbus::encode_read_response(3, std::vector<std::uint16_t>(4, 1)));
    const Lines expected{
        header,
        "connection",
        "  c+0s + connect",
        "  c+0s > unit 1 FC3 read 1200 x16",
        "  c+20s < unit 1 FC3 reply x4",
        "connection",
        "  c+0s + connect",
        "  c+10s < unit 1 FC3 reply x16",
    };
    EXPECT_EQ(normalise_trace(builder.trace()), expected);
}

TEST(NormaliseTrace, TenOrElevenIdenticalPollsInABucketNormaliseTheSame) {
    TraceBuilder ten;
    ten.opened(0s, 1);
    for (int i = 0; i < 10; ++i) {
        ten.poll(500ms + i * 1s, 1, static_cast<std::uint16_t>(i), 1200, 16, static_cast<std::uint16_t>(i));
    }
    TraceBuilder eleven;
    eleven.opened(0s, 1);
    for (int i = 0; i < 11; ++i) {
        eleven.poll(200ms + i * 900ms, 1, static_cast<std::uint16_t>(100 + i), 1200, 16,
                    static_cast<std::uint16_t>(7 * i));
    }
    const Lines lines = normalise_trace(ten.trace());
    EXPECT_EQ(lines.size(), 5U);  // header, connection, connect, read, reply
    EXPECT_EQ(lines, normalise_trace(eleven.trace()));
}

TEST(NormaliseTrace, ChangedPolledAddressChangesTheOutput) {
    TraceBuilder before;
    before.poll(1s, 1, 1, 1200, 16, 0);
    TraceBuilder after;
    after.poll(1s, 1, 1, 1201, 16, 0);
    const auto before_lines = normalise_trace(before.trace());
    const auto after_lines = normalise_trace(after.trace());
    EXPECT_NE(before_lines, after_lines);
    EXPECT_EQ(after_lines[2], "  c+0s > unit 1 FC3 read 1201 x16");
}

TEST(NormaliseTrace, WrittenValuesAreKeptAndReadValuesDropped) {
    auto write = [](std::uint16_t value) {
        TraceBuilder builder;
        builder.frame(1s, 1, true, 1, modbus::encode_write_multiple(1210, std::vector<std::uint16_t>{value, 0}))
            .frame(2s, 1, true, 2, modbus::encode_write_single(1215, value))
            .frame(2s + 5ms, 1, false, 2, modbus::encode_write_single_response(1215, value));
        return normalise_trace(builder.trace());
    };
    const Lines lines = write(0x4180);
    EXPECT_NE(std::find(lines.begin(), lines.end(), "  c+0s > unit 1 FC16 write 1210 x2 [0x4180 0x0000]"), lines.end());
    EXPECT_NE(std::find(lines.begin(), lines.end(), "  c+0s > unit 1 FC6 write 1215 = 0x4180"), lines.end());
    EXPECT_NE(lines, write(0x4120));

    TraceBuilder low;
    low.poll(1s, 1, 1, 1200, 2, 0x0000);
    TraceBuilder high;
    high.poll(1s, 1, 1, 1200, 2, 0x4396);
    EXPECT_EQ(normalise_trace(low.trace()), normalise_trace(high.trace()));
}

TEST(NormaliseTrace, ExceptionCodeIsKept) {
    auto answered_with = [](modbus::ExceptionCode code) {
        TraceBuilder builder;
        builder.frame(1s, 1, true, 1, modbus::encode_read_holding(1200, 16))
            .frame(1s + 3ms, 1, false, 1, modbus::encode_exception(modbus::function::read_holding_registers, code));
        return normalise_trace(builder.trace());
    };
    const Lines busy = answered_with(modbus::ExceptionCode::server_device_busy);
    EXPECT_EQ(busy.back(), "  c+0s < unit 1 FC3 exception server_device_busy");
    EXPECT_NE(busy, answered_with(modbus::ExceptionCode::illegal_data_address));
}

TEST(NormaliseTrace, CloseNoteKeepsTheReasonWithoutEndpoints) {
    // Three connections the tap never saw open, so each close is at its own origin.
    TraceBuilder builder;
    builder.closed(1s, 3, "connect failed: 127.0.0.1:1502: Connection refused")
        .closed(2s, 4, "client 127.0.0.1:40004 closed")
        .closed(3s, 5, "reset by 10.0.0.7:50312 (localhost:1502, port 1502)");
    const Lines lines = normalise_trace(builder.trace(), {std::chrono::seconds(1)});
    const Lines expected{
        "# scenario alfen-link-drop device charger bucket 1s from each connect",
        "connection",
        "  c+0s - close connect failed: <device>: Connection refused",
        "connection",
        "  c+0s - close client <client> closed",
        "connection",
        "  c+0s - close reset by <endpoint> (<endpoint>, port <port>)",
    };
    EXPECT_EQ(lines, expected);
}

TEST(NormaliseTrace, UnframedBytesNameTheSenderButNotTheirCount) {
    TraceBuilder three;
    three.unframed(1s, 1, true, 3).unframed(1s, 1, false, 3);
    TraceBuilder nine;
    nine.unframed(1s, 1, true, 9).unframed(1s, 1, false, 9);
    const Lines lines = normalise_trace(three.trace());
    EXPECT_EQ(lines, normalise_trace(nine.trace()));
    EXPECT_EQ(lines[2], "  c+0s ! unframed from device");
    EXPECT_EQ(lines[3], "  c+0s ! unframed from driver");
}

TEST(NormaliseTrace, BucketsCountFromEachConnectionsConnect) {
    const Lines expected{
        header,
        "connection",
        "  c+0s + connect",
        "  c+0s > unit 1 FC3 read 1200 x16",
        "  c+0s < unit 1 FC3 reply x16",
        "  c+20s - close device closed",
        "connection",
        "  c+0s + connect",
        "  c+10s > unit 1 FC3 read 1200 x16",
        "  c+10s < unit 1 FC3 reply x16",
    };
    TraceBuilder builder;
    builder.opened(0s, 1)
        .poll(1s, 1, 1, 1200, 16, 0)
        .closed(25s, 1, "device closed")
        .opened(37s + 900ms, 2)
        .poll(49s + 900ms, 2, 2, 1200, 16, 0);  // 12 s after its connect, 49.9 s after the start of the run
    EXPECT_EQ(normalise_trace(builder.trace()), expected);

    // Back-off jitter moves the reconnect; relative to it, nothing changed.
    TraceBuilder later;
    later.opened(0s, 1)
        .poll(1s, 1, 1, 1200, 16, 0)
        .closed(25s, 1, "device closed")
        .opened(41s + 300ms, 2)
        .poll(53s + 300ms, 2, 2, 1200, 16, 0);
    EXPECT_EQ(normalise_trace(later.trace()), expected);
}

TEST(NormaliseTrace, ConsecutiveIdenticalRetriesCollapseIntoOneBlock) {
    // The driver retries through an exception fault with a growing back-off, then the fault clears.
    auto fault_then_recovery = [](int attempts) {
        TraceBuilder builder;
        std::uint32_t connection = 1;
        Duration at = 2s;
        for (int attempt = 0; attempt < attempts; ++attempt) {
            builder.failed_attempt(at, connection++, static_cast<std::uint16_t>(attempt + 1));
            at += 1s + attempt * 700ms;
        }
        builder.opened(at, connection).poll(at + 50ms, connection, 1, 1200, 16, 0);
        return normalise_trace(builder.trace());
    };
    const Lines three = fault_then_recovery(3);
    const Lines expected = concat({
        {header},
        failed_attempt_block,
        {"connection", "  c+0s + connect", "  c+0s > unit 1 FC3 read 1200 x16", "  c+0s < unit 1 FC3 reply x16"},
    });
    EXPECT_EQ(three, expected);
    EXPECT_EQ(fault_then_recovery(5), three);
}

TEST(NormaliseTrace, ADifferentConnectionBetweenRepeatsIsKept) {
    const Lines healthy_block{"connection", "  c+0s + connect", "  c+0s > unit 1 FC3 read 1200 x16",
                              "  c+0s < unit 1 FC3 reply x16", "  c+0s - close client closed"};
    const Lines expected = concat({{header}, failed_attempt_block, healthy_block, failed_attempt_block});

    TraceBuilder builder;
    builder.failed_attempt(0s, 1, 1)
        .opened(2s, 2)
        .poll(2s + 50ms, 2, 2, 1200, 16, 0)
        .closed(3s, 2, "client closed")
        .failed_attempt(5s, 3, 3);
    EXPECT_EQ(normalise_trace(builder.trace()), expected);

    // A, A, B, B, A: each run of repeats collapses on its own, and the last A is not merged with the first.
    TraceBuilder runs;
    runs.failed_attempt(0s, 1, 1)
        .failed_attempt(1s, 2, 2)
        .opened(2s, 3)
        .poll(2s + 50ms, 3, 3, 1200, 16, 0)
        .closed(3s, 3, "client closed")
        .opened(4s, 4)
        .poll(4s + 50ms, 4, 4, 1200, 16, 0)
        .closed(5s, 4, "client closed")
        .failed_attempt(7s, 5, 5);
    EXPECT_EQ(normalise_trace(runs.trace()), expected);
}

TEST(NormaliseTrace, BucketMustBePositive) {
    EXPECT_THROW(normalise_trace(TraceBuilder().trace(), {Duration::zero()}), std::invalid_argument);
}

}  // namespace
}  // namespace evhil::harness
