// The Modbus TCP frame codec: what the protocol-neutral traces, baselines and latencies learn from a frame.

#include <gtest/gtest.h>

#include "drivers/transport/modbus/pdu.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "drivers/transport/modbus/tcp_adu.hpp"
#include "harness/traces/modbus_tcp/modbus_tcp_codec.hpp"

namespace evhil::harness {
namespace {

std::vector<std::uint8_t> frame(std::uint16_t transaction, const modbus::Pdu& pdu) {
    return modbus::tcp_adu::make(transaction, 1, pdu);
}

TEST(ModbusTcpCodec, FindsTheSetpointOnlyInTheDevicesSetpointWrite) {
    auto alfen = make_modbus_tcp_codec(ModbusSetpointField{1210, ModbusSetpointField::Format::float32});
    auto write = frame(7, modbus::encode_write_multiple(1210, modbus::encode_float32(13.5F)));
    ASSERT_TRUE(alfen->setpoint_in(write));
    EXPECT_DOUBLE_EQ(*alfen->setpoint_in(write), 13.5);
    EXPECT_FALSE(alfen->setpoint_in(frame(8, modbus::encode_write_multiple(1212, modbus::encode_float32(13.5F)))));
    EXPECT_FALSE(alfen->setpoint_in(frame(9, modbus::encode_read_holding(1210, 2))));
    EXPECT_FALSE(make_modbus_tcp_codec()->setpoint_in(write));  // a device without a setpoint field

    // A register in deciamperes, written with FC6.
    auto deci = make_modbus_tcp_codec(ModbusSetpointField{528, ModbusSetpointField::Format::uint16, 0.1});
    auto single = frame(10, modbus::encode_write_single(528, 160));
    ASSERT_TRUE(deci->setpoint_in(single));
    EXPECT_NEAR(*deci->setpoint_in(single), 16.0, 1e-9);
}

TEST(ModbusTcpCodec, PairsByTransactionAndTellsAnExceptionFromAnAck) {
    auto codec = make_modbus_tcp_codec();
    auto request = frame(0x1234, modbus::encode_write_multiple(1210, modbus::encode_float32(10.0F)));
    auto ack = frame(0x1234, modbus::encode_write_multiple_response(1210, 2));
    auto refused = frame(0x1234, modbus::encode_exception(0x10, modbus::ExceptionCode::server_device_busy));
    EXPECT_EQ(codec->pairing_key(request, true), 0x1234U);
    EXPECT_EQ(codec->pairing_key(ack, false), codec->pairing_key(request, true));
    EXPECT_FALSE(codec->is_refusal(ack));
    EXPECT_TRUE(codec->is_refusal(refused));
    EXPECT_FALSE(codec->pairing_key(std::vector<std::uint8_t>{0, 1, 0, 0, 0, 2, 1}, true));  // no function code
    EXPECT_EQ(codec->baseline_line(std::vector<std::uint8_t>{0, 1, 0, 0, 0, 2, 1}, true), "malformed ADU");
    EXPECT_EQ(codec->pcap().device_port, 502);
}

TEST(ModbusTcpCodec, BaselineLinesKeepTheRequestAndDropPolledValues) {
    auto codec = make_modbus_tcp_codec();
    auto read = frame(1, modbus::encode_read_holding(1200, 2));
    EXPECT_EQ(codec->baseline_line(read, true), "unit 1 FC3 read 1200 x2");
    auto reply = frame(1, modbus::Pdu{0x03, 4, 0x41, 0x80, 0x00, 0x00});
    EXPECT_EQ(codec->baseline_line(reply, false), "unit 1 FC3 reply x2");
    EXPECT_NE(codec->text_line(reply, false).find("0x4180"), std::string::npos);  // the text trace keeps them
}

}  // namespace
}  // namespace evhil::harness
