#include "drivers/transport/modbus/register_codec.hpp"

#include <bit>

namespace evhil::modbus {

std::vector<std::uint16_t> encode_u32(std::uint32_t value) {
    return {static_cast<std::uint16_t>(value >> 16), static_cast<std::uint16_t>(value & 0xFFFF)};
}

std::vector<std::uint16_t> encode_u64(std::uint64_t value) {
    return {static_cast<std::uint16_t>(value >> 48), static_cast<std::uint16_t>((value >> 32) & 0xFFFF),
            static_cast<std::uint16_t>((value >> 16) & 0xFFFF), static_cast<std::uint16_t>(value & 0xFFFF)};
}

std::vector<std::uint16_t> encode_float32(float value) {
    return encode_u32(std::bit_cast<std::uint32_t>(value));
}

std::vector<std::uint16_t> encode_float64(double value) {
    return encode_u64(std::bit_cast<std::uint64_t>(value));
}

std::vector<std::uint16_t> encode_string(const std::string& text, std::size_t registers) {
    std::vector<std::uint16_t> words(registers, 0);
    for (std::size_t i = 0; i < text.size() && i < registers * 2; ++i) {
        auto byte = static_cast<std::uint8_t>(text[i]);
        words[i / 2] |= (i % 2 == 0) ? static_cast<std::uint16_t>(byte << 8) : byte;
    }
    return words;
}

std::uint32_t decode_u32(std::span<const std::uint16_t> words) {
    return (static_cast<std::uint32_t>(words[0]) << 16) | words[1];
}

std::uint64_t decode_u64(std::span<const std::uint16_t> words) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        value = (value << 16) | words[i];
    }
    return value;
}

float decode_float32(std::span<const std::uint16_t> words) {
    return std::bit_cast<float>(decode_u32(words));
}

double decode_float64(std::span<const std::uint16_t> words) {
    return std::bit_cast<double>(decode_u64(words));
}

std::string decode_string(std::span<const std::uint16_t> words) {
    std::string text;
    for (auto word : words) {
        for (char c : {static_cast<char>(word >> 8), static_cast<char>(word & 0xFF)}) {
            if (c == '\0') {
                goto done;  // NUL-terminated
            }
            text.push_back(c);
        }
    }
done:
    auto first = text.find_first_not_of(' ');
    auto last = text.find_last_not_of(' ');
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

}  // namespace evhil::modbus
