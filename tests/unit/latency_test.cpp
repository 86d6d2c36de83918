// Latencies measured on a protocol trace: setpoint to applied, link restored to reconnected, and the
// re-send of the setpoint on a new connection.

#include <gtest/gtest.h>

#include "drivers/transport/modbus/pdu.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "harness/traces/latency.hpp"
#include "harness/traces/modbus_tcp/modbus_tcp_codec.hpp"

namespace evhil::harness {
namespace {

using namespace std::chrono_literals;

const TimePoint t0 = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 6 / 21));

TimePoint at(double seconds) {
    return t0 + from_seconds(seconds);
}

std::vector<std::uint8_t> adu(std::uint16_t transaction, const modbus::Pdu& pdu) {
    auto length = static_cast<std::uint16_t>(pdu.size() + 1);
    std::vector<std::uint8_t> bytes(7 + pdu.size());
    bytes[0] = static_cast<std::uint8_t>(transaction >> 8);
    bytes[1] = static_cast<std::uint8_t>(transaction & 0xFF);
    bytes[4] = static_cast<std::uint8_t>(length >> 8);
    bytes[5] = static_cast<std::uint8_t>(length & 0xFF);
    bytes[6] = 1;  // unit
    std::copy(pdu.begin(), pdu.end(), bytes.begin() + 7);
    return bytes;
}

FrameEvent event(FrameEvent::Kind kind, double t, std::uint32_t connection, std::vector<std::uint8_t> bytes = {}) {
    FrameEvent result;
    result.kind = kind;
    result.time = at(t);
    result.protocol = "modbus_tcp";
    result.connection = connection;
    result.bytes = std::move(bytes);
    return result;
}

struct Trace {
    std::vector<FrameEvent> events;
    std::uint16_t transaction = 0;

    void open(double t, std::uint32_t connection) { events.push_back(event(FrameEvent::Kind::opened, t, connection)); }
    void close(double t, std::uint32_t connection) { events.push_back(event(FrameEvent::Kind::closed, t, connection)); }
    // A setpoint write and, `ack_after` later, its acknowledgement (none when negative).
    void write(double t, std::uint32_t connection, float amps, double ack_after) {
        auto values = modbus::encode_float32(amps);
        ++transaction;
        events.push_back(event(FrameEvent::Kind::to_device, t, connection,
                               adu(transaction, modbus::encode_write_multiple(1210, values))));
        if (ack_after >= 0) {
            events.push_back(event(FrameEvent::Kind::from_device, t + ack_after, connection,
                                   adu(transaction, modbus::encode_write_multiple_response(1210, 2))));
        }
    }
};

const auto codec = make_modbus_tcp_codec(ModbusSetpointField{1210, ModbusSetpointField::Format::float32});

TEST(Latency, SetpointToAppliedRunsFromTheChangeToTheAcknowledgedWrite) {
    Trace trace;
    trace.open(0.0, 1);
    trace.write(0.010, 1, 16, 0.002);
    trace.write(5.001, 1, 10, 0.003);
    auto metrics = measure_latencies({trace.events, {{at(0.0), 16}, {at(5.0), 10}, {at(7.0), 8}}, {}, *codec});
    EXPECT_EQ(metrics["latency.setpoint_to_applied.count"], 2);
    EXPECT_NEAR(metrics["latency.setpoint_to_applied.max_s"], 0.012, 1e-6);
    EXPECT_NEAR(metrics["latency.setpoint_to_applied.mean_s"], (0.012 + 0.004) / 2, 1e-6);
    EXPECT_EQ(metrics["latency.setpoint_to_applied.missing"], 1);  // 8 A was never written
}

TEST(Latency, AWriteAnsweredWithAnExceptionDoesNotCountAsApplied) {
    Trace trace;
    trace.open(0.0, 1);
    trace.write(0.010, 1, 16, -1);
    trace.events.push_back(event(FrameEvent::Kind::from_device, 0.02, 1,
                                 adu(1, modbus::encode_exception(modbus::function::write_multiple_registers,
                                                                 modbus::ExceptionCode::server_device_busy))));
    auto metrics = measure_latencies({trace.events, {{at(0.0), 16}}, {}, *codec});
    EXPECT_EQ(metrics["latency.setpoint_to_applied.count"], 0);
    EXPECT_EQ(metrics["latency.setpoint_to_applied.missing"], 1);
}

TEST(Latency, ReconnectAndResendAfterABrokenConnection) {
    Trace trace;
    trace.open(0.0, 1);
    trace.write(0.01, 1, 16, 0.001);
    trace.close(10.2, 1);  // a close still on its way when the fault ended at 10 s
    trace.open(11.5, 2);
    trace.write(11.5004, 2, 16, 0.001);
    auto metrics = measure_latencies({trace.events, {{at(0.0), 16}}, {at(10.0)}, *codec});
    EXPECT_EQ(metrics["latency.reconnect.count"], 1);
    EXPECT_NEAR(metrics["latency.reconnect.max_s"], 1.5, 1e-6);
    EXPECT_EQ(metrics["latency.resend_after_reconnect.count"], 1);
    EXPECT_NEAR(metrics["latency.resend_after_reconnect.max_s"], 0.0004, 1e-6);
}

TEST(Latency, AConnectionTheFaultDidNotBreakNeedsNoReconnect) {
    Trace trace;
    trace.open(0.0, 1);
    trace.close(40.0, 1);  // closed much later, for another reason
    trace.open(41.0, 2);
    auto metrics = measure_latencies({trace.events, {}, {at(20.0)}, *codec});
    EXPECT_EQ(metrics["latency.reconnect.count"], 0);
    EXPECT_EQ(metrics["latency.resend_after_reconnect.count"], 0);  // no setpoint written on connection 2
}

}  // namespace
}  // namespace evhil::harness
