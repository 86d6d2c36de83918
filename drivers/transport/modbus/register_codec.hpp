#pragma once
// Multi-register values: big-endian bytes, high word first (the order Modbus devices such as the Alfen NG9xx
// use). Strings hold two ASCII characters per register, high byte first, NUL-padded.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace evhil::modbus {

std::vector<std::uint16_t> encode_float32(float value);
std::vector<std::uint16_t> encode_float64(double value);
std::vector<std::uint16_t> encode_u32(std::uint32_t value);
std::vector<std::uint16_t> encode_u64(std::uint64_t value);
// Exactly `registers` registers: truncated or NUL-padded.
std::vector<std::uint16_t> encode_string(const std::string& text, std::size_t registers);

float decode_float32(std::span<const std::uint16_t> words);
double decode_float64(std::span<const std::uint16_t> words);
std::uint32_t decode_u32(std::span<const std::uint16_t> words);
std::uint64_t decode_u64(std::span<const std::uint16_t> words);
// Strips NUL padding and surrounding spaces.
std::string decode_string(std::span<const std::uint16_t> words);

}  // namespace evhil::modbus
