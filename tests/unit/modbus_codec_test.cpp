#include <gtest/gtest.h>

#include <cmath>

#include "drivers/transport/modbus/pdu.hpp"
#include "drivers/transport/modbus/register_codec.hpp"

namespace evhil::modbus {
namespace {

TEST(RegisterCodec, Float32IsBigEndianHighWordFirst) {
    EXPECT_EQ(encode_float32(16.0F), (std::vector<std::uint16_t>{0x4180, 0x0000}));
    EXPECT_EQ(decode_float32(std::vector<std::uint16_t>{0x4180, 0x0000}), 16.0F);
    EXPECT_TRUE(std::isnan(decode_float32(std::vector<std::uint16_t>{0x7FC0, 0x0000})));
}

TEST(RegisterCodec, Float64AndIntegersRoundTrip) {
    auto words = encode_float64(123456.789);
    EXPECT_EQ(words.size(), 4U);
    EXPECT_EQ(decode_float64(words), 123456.789);
    EXPECT_EQ(encode_u32(0x12345678), (std::vector<std::uint16_t>{0x1234, 0x5678}));
    EXPECT_EQ(decode_u64(encode_u64(0x0102030405060708ULL)), 0x0102030405060708ULL);
}

TEST(RegisterCodec, StringsAreTwoCharactersPerRegisterNulPadded) {
    auto words = encode_string("C2", 5);
    EXPECT_EQ(words, (std::vector<std::uint16_t>{0x4332, 0, 0, 0, 0}));
    EXPECT_EQ(decode_string(words), "C2");
    EXPECT_EQ(decode_string(encode_string(" Alfen NV ", 5)), "Alfen NV");
    EXPECT_EQ(decode_string(encode_string("ABCDEFGHIJKL", 5)), "ABCDEFGHIJ");
}

TEST(Pdu, RequestsEncodeAndDecode) {
    auto read = encode_read_holding(1210, 2);
    EXPECT_EQ(read, (Pdu{0x03, 0x04, 0xBA, 0x00, 0x02}));
    auto decoded = std::get<Request>(decode_request(read));
    EXPECT_EQ(decoded.function, 0x03);
    EXPECT_EQ(decoded.address, 1210);
    EXPECT_EQ(decoded.count, 2);

    std::vector<std::uint16_t> values{0x4180, 0x0000};
    auto write = encode_write_multiple(1210, values);
    EXPECT_EQ(write, (Pdu{0x10, 0x04, 0xBA, 0x00, 0x02, 0x04, 0x41, 0x80, 0x00, 0x00}));
    auto decoded_write = std::get<Request>(decode_request(write));
    EXPECT_EQ(decoded_write.values, values);
}

TEST(Pdu, MalformedRequestsDecodeToTheExceptionToSend) {
    EXPECT_EQ(std::get<ExceptionCode>(decode_request(Pdu{0x03, 0x00})), ExceptionCode::illegal_data_value);
    EXPECT_EQ(std::get<ExceptionCode>(decode_request(encode_read_holding(0, 126))), ExceptionCode::illegal_data_value);
    EXPECT_EQ(std::get<ExceptionCode>(decode_request(encode_read_holding(0, 0))), ExceptionCode::illegal_data_value);
    auto bad_count = encode_write_multiple(0, std::vector<std::uint16_t>{1, 2});
    bad_count[5] = 3;  // byte count disagrees with the register count
    EXPECT_EQ(std::get<ExceptionCode>(decode_request(bad_count)), ExceptionCode::illegal_data_value);
    // An unknown function decodes, so the device can answer Illegal Function.
    EXPECT_EQ(std::get<Request>(decode_request(Pdu{0x2B, 0x0E})).function, 0x2B);
}

TEST(Pdu, ClientChecksResponses) {
    auto response = encode_read_response(0x03, std::vector<std::uint16_t>{0x4180, 0});
    auto registers = std::get<std::vector<std::uint16_t>>(decode_read_response(response, 2));
    EXPECT_EQ(registers[0], 0x4180);
    EXPECT_TRUE(std::holds_alternative<ResponseError>(decode_read_response(response, 3)));
    auto exception =
        std::get<ResponseError>(decode_read_response(encode_exception(0x03, ExceptionCode::illegal_data_address), 2));
    EXPECT_EQ(exception.exception, ExceptionCode::illegal_data_address);

    auto request = encode_write_multiple(1210, std::vector<std::uint16_t>{1, 2});
    EXPECT_FALSE(check_write_response(request, encode_write_multiple_response(1210, 2)));
    EXPECT_TRUE(check_write_response(request, encode_write_multiple_response(1211, 2)));
}

TEST(Pdu, ExceptionNamesParse) {
    EXPECT_EQ(parse_exception_code("illegal_function"), ExceptionCode::illegal_function);
    EXPECT_EQ(parse_exception_code("6"), ExceptionCode::server_device_busy);
    EXPECT_FALSE(parse_exception_code("bogus"));
    EXPECT_EQ(describe_pdu(encode_read_holding(1201, 5), true), "FC3 read 1201 x5");
}

}  // namespace
}  // namespace evhil::modbus
