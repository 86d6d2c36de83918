#pragma once
// Modbus PDU codec (function code + data, no unit ID and no MBAP header), shared by the client adapters,
// the server adapters and the simulators. Pure: bytes in, values out.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace evhil::modbus {

using Pdu = std::vector<std::uint8_t>;

namespace function {
inline constexpr std::uint8_t read_holding_registers = 0x03;
inline constexpr std::uint8_t read_input_registers = 0x04;
inline constexpr std::uint8_t write_single_register = 0x06;
inline constexpr std::uint8_t write_multiple_registers = 0x10;
inline constexpr std::uint8_t exception_flag = 0x80;
}  // namespace function

enum class ExceptionCode : std::uint8_t {
    illegal_function = 0x01,
    illegal_data_address = 0x02,
    illegal_data_value = 0x03,
    server_device_failure = 0x04,
    acknowledge = 0x05,
    server_device_busy = 0x06,
    gateway_path_unavailable = 0x0A,
    gateway_target_failed = 0x0B,
};
std::string to_string(ExceptionCode code);
// Accepts names as written in scenarios ("illegal_data_address") and numbers ("2").
std::optional<ExceptionCode> parse_exception_code(const std::string& text);

// Protocol limits from the Modbus application protocol specification.
inline constexpr std::uint16_t max_read_registers = 125;
inline constexpr std::uint16_t max_write_registers = 123;

// Requests, as a client builds them.
Pdu encode_read_holding(std::uint16_t address, std::uint16_t count);
Pdu encode_write_single(std::uint16_t address, std::uint16_t value);
Pdu encode_write_multiple(std::uint16_t address, std::span<const std::uint16_t> values);

// A request as a server sees it. Function codes it does not know still decode, so the device can answer
// them with Illegal Function itself.
struct Request {
    std::uint8_t function = 0;
    std::uint16_t address = 0;
    std::uint16_t count = 0;            // registers read or written
    std::vector<std::uint16_t> values;  // written values (FC6: one, FC16: count)
};
// A malformed request (wrong length, count out of limits) decodes to the exception the server must send.
std::variant<Request, ExceptionCode> decode_request(std::span<const std::uint8_t> pdu);

// Responses, as a server builds them.
Pdu encode_read_response(std::uint8_t function, std::span<const std::uint16_t> registers);
Pdu encode_write_single_response(std::uint16_t address, std::uint16_t value);
Pdu encode_write_multiple_response(std::uint16_t address, std::uint16_t count);
Pdu encode_exception(std::uint8_t function, ExceptionCode code);

// Responses, as a client checks them against its request.
struct ResponseError {
    std::optional<ExceptionCode> exception;  // set when the server answered with an exception
    std::string message;
};
std::variant<std::vector<std::uint16_t>, ResponseError> decode_read_response(std::span<const std::uint8_t> pdu,
                                                                             std::uint16_t expected_count);
std::optional<ResponseError> check_write_response(std::span<const std::uint8_t> request,
                                                  std::span<const std::uint8_t> response);

// One-line human summary, for logs and traces: "FC16 write 1210 x2 [0x4180 0x0000]".
std::string describe_pdu(std::span<const std::uint8_t> pdu, bool is_request);

}  // namespace evhil::modbus
