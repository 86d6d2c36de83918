#include "drivers/transport/modbus/pdu.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace evhil::modbus {
namespace {

// Writes into a PDU already sized for it: the hot paths (every poll encodes a read and its reply) then allocate
// once per PDU and never grow it.
void set_u16(Pdu& out, std::size_t at, std::uint16_t value) {
    out[at] = static_cast<std::uint8_t>(value >> 8);
    out[at + 1] = static_cast<std::uint8_t>(value & 0xFF);
}

// Function code, address and a second 16-bit field: reads, single writes and write acks.
Pdu address_pdu(std::uint8_t function_code, std::uint16_t address, std::uint16_t second) {
    Pdu pdu(5);
    pdu[0] = function_code;
    set_u16(pdu, 1, address);
    set_u16(pdu, 3, second);
    return pdu;
}

std::uint16_t get_u16(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

struct ExceptionName {
    ExceptionCode code;
    const char* name;
};
constexpr std::array exception_names{
    ExceptionName{ExceptionCode::illegal_function, "illegal_function"},
    ExceptionName{ExceptionCode::illegal_data_address, "illegal_data_address"},
    ExceptionName{ExceptionCode::illegal_data_value, "illegal_data_value"},
    ExceptionName{ExceptionCode::server_device_failure, "server_device_failure"},
    ExceptionName{ExceptionCode::acknowledge, "acknowledge"},
    ExceptionName{ExceptionCode::server_device_busy, "server_device_busy"},
    ExceptionName{ExceptionCode::gateway_path_unavailable, "gateway_path_unavailable"},
    ExceptionName{ExceptionCode::gateway_target_failed, "gateway_target_failed"},
};

}  // namespace

std::string to_string(ExceptionCode code) {
    for (const auto& entry : exception_names) {
        if (entry.code == code) {
            return entry.name;
        }
    }
    return fmt::format("exception_{:#04x}", static_cast<unsigned>(code));
}

std::optional<ExceptionCode> parse_exception_code(const std::string& text) {
    for (const auto& entry : exception_names) {
        if (text == entry.name) {
            return entry.code;
        }
    }
    unsigned number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && end == text.data() + text.size() && number >= 1 && number <= 0x7F) {
        return static_cast<ExceptionCode>(number);
    }
    return std::nullopt;
}

Pdu encode_read_holding(std::uint16_t address, std::uint16_t count) {
    return address_pdu(function::read_holding_registers, address, count);
}

Pdu encode_write_single(std::uint16_t address, std::uint16_t value) {
    return address_pdu(function::write_single_register, address, value);
}

Pdu encode_write_multiple(std::uint16_t address, std::span<const std::uint16_t> values) {
    Pdu pdu(6 + values.size() * 2);
    pdu[0] = function::write_multiple_registers;
    set_u16(pdu, 1, address);
    set_u16(pdu, 3, static_cast<std::uint16_t>(values.size()));
    pdu[5] = static_cast<std::uint8_t>(values.size() * 2);
    for (std::size_t i = 0; i < values.size(); ++i) {
        set_u16(pdu, 6 + 2 * i, values[i]);
    }
    return pdu;
}

std::variant<Request, ExceptionCode> decode_request(std::span<const std::uint8_t> pdu) {
    if (pdu.empty()) {
        return ExceptionCode::illegal_function;
    }
    Request request;
    request.function = pdu[0];
    switch (request.function) {
        case function::read_holding_registers:
        case function::read_input_registers:
            if (pdu.size() != 5) {
                return ExceptionCode::illegal_data_value;
            }
            request.address = get_u16(pdu, 1);
            request.count = get_u16(pdu, 3);
            if (request.count == 0 || request.count > max_read_registers) {
                return ExceptionCode::illegal_data_value;
            }
            return request;
        case function::write_single_register:
            if (pdu.size() != 5) {
                return ExceptionCode::illegal_data_value;
            }
            request.address = get_u16(pdu, 1);
            request.count = 1;
            request.values = {get_u16(pdu, 3)};
            return request;
        case function::write_multiple_registers: {
            if (pdu.size() < 6) {
                return ExceptionCode::illegal_data_value;
            }
            request.address = get_u16(pdu, 1);
            request.count = get_u16(pdu, 3);
            std::size_t byte_count = pdu[5];
            if (request.count == 0 || request.count > max_write_registers ||
                byte_count != std::size_t{request.count} * 2 || pdu.size() != 6 + byte_count) {
                return ExceptionCode::illegal_data_value;
            }
            for (std::size_t i = 0; i < request.count; ++i) {
                request.values.push_back(get_u16(pdu, 6 + 2 * i));
            }
            return request;
        }
        default:
            return request;  // unknown function: the device answers Illegal Function
    }
}

Pdu encode_read_response(std::uint8_t function_code, std::span<const std::uint16_t> registers) {
    Pdu pdu(2 + registers.size() * 2);
    pdu[0] = function_code;
    pdu[1] = static_cast<std::uint8_t>(registers.size() * 2);
    for (std::size_t i = 0; i < registers.size(); ++i) {
        set_u16(pdu, 2 + 2 * i, registers[i]);
    }
    return pdu;
}

Pdu encode_write_single_response(std::uint16_t address, std::uint16_t value) {
    return encode_write_single(address, value);  // FC6 echoes the request
}

Pdu encode_write_multiple_response(std::uint16_t address, std::uint16_t count) {
    return address_pdu(function::write_multiple_registers, address, count);
}

Pdu encode_exception(std::uint8_t function_code, ExceptionCode code) {
    return Pdu{static_cast<std::uint8_t>(function_code | function::exception_flag), static_cast<std::uint8_t>(code)};
}

namespace {
std::optional<ResponseError> check_exception(std::span<const std::uint8_t> pdu) {
    if (pdu.empty()) {
        return ResponseError{std::nullopt, "empty response"};
    }
    if ((pdu[0] & function::exception_flag) != 0) {
        if (pdu.size() != 2) {
            return ResponseError{std::nullopt, "malformed exception response"};
        }
        auto code = static_cast<ExceptionCode>(pdu[1]);
        return ResponseError{code, "exception " + to_string(code)};
    }
    return std::nullopt;
}
}  // namespace

std::variant<std::vector<std::uint16_t>, ResponseError> decode_read_response(std::span<const std::uint8_t> pdu,
                                                                             std::uint16_t expected_count) {
    if (auto error = check_exception(pdu)) {
        return *error;
    }
    if (pdu.size() < 2 || pdu[1] != expected_count * 2 || pdu.size() != 2u + pdu[1]) {
        return ResponseError{std::nullopt, fmt::format("read response of {} bytes does not hold {} registers",
                                                       pdu.size(), expected_count)};
    }
    std::vector<std::uint16_t> registers(expected_count);
    for (std::size_t i = 0; i < expected_count; ++i) {
        registers[i] = get_u16(pdu, 2 + 2 * i);
    }
    return registers;
}

std::optional<ResponseError> check_write_response(std::span<const std::uint8_t> request,
                                                  std::span<const std::uint8_t> response) {
    if (auto error = check_exception(response)) {
        return error;
    }
    // FC6 echoes the whole request; FC16 echoes function, address and count.
    if (response.size() != 5 || !std::equal(response.begin(), response.end(), request.begin())) {
        return ResponseError{std::nullopt, "write response does not echo the request"};
    }
    return std::nullopt;
}

std::string describe_pdu(std::span<const std::uint8_t> pdu, bool is_request) {
    if (pdu.empty()) {
        return "empty PDU";
    }
    if ((pdu[0] & function::exception_flag) != 0 && pdu.size() >= 2) {
        return fmt::format("FC{} exception {}", pdu[0] & 0x7F, to_string(static_cast<ExceptionCode>(pdu[1])));
    }
    std::string words;
    auto append_words = [&](std::size_t from) {
        for (std::size_t i = from; i + 1 < pdu.size(); i += 2) {
            words += fmt::format("{}{:#06x}", words.empty() ? "" : " ", get_u16(pdu, i));
        }
    };
    switch (pdu[0]) {
        case function::read_holding_registers:
        case function::read_input_registers:
            if (is_request && pdu.size() >= 5) {
                return fmt::format("FC{} read {} x{}", pdu[0], get_u16(pdu, 1), get_u16(pdu, 3));
            }
            append_words(2);
            return fmt::format("FC{} reply [{}]", pdu[0], words);
        case function::write_single_register:
            if (pdu.size() >= 5) {
                return fmt::format("FC6 {} {} = {:#06x}", is_request ? "write" : "ack", get_u16(pdu, 1),
                                   get_u16(pdu, 3));
            }
            break;
        case function::write_multiple_registers:
            if (is_request && pdu.size() >= 6) {
                append_words(6);
                return fmt::format("FC16 write {} x{} [{}]", get_u16(pdu, 1), get_u16(pdu, 3), words);
            }
            if (pdu.size() >= 5) {
                return fmt::format("FC16 ack {} x{}", get_u16(pdu, 1), get_u16(pdu, 3));
            }
            break;
        default:
            break;
    }
    return fmt::format("FC{} ({} bytes)", pdu[0], pdu.size());
}

}  // namespace evhil::modbus
