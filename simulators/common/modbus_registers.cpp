#include "simulators/common/modbus_registers.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace evhil::sim {
namespace {

void put_u32(std::span<std::uint16_t> out, std::uint32_t value) {
    out[0] = static_cast<std::uint16_t>(value >> 16);
    out[1] = static_cast<std::uint16_t>(value & 0xFFFF);
}

void put_u64(std::span<std::uint16_t> out, std::uint64_t value) {
    for (std::size_t i = 0; i < 4; ++i) {
        out[i] = static_cast<std::uint16_t>(value >> (48 - 16 * i));
    }
}

template <typename Unsigned>
Unsigned to_unsigned(double value) {
    if (!(value > 0)) {
        return 0;
    }
    if (value >= static_cast<double>(std::numeric_limits<Unsigned>::max())) {
        return std::numeric_limits<Unsigned>::max();
    }
    return static_cast<Unsigned>(std::llround(value));
}

}  // namespace

void encode_register_value(RegisterType type, std::uint16_t count, const RegisterValue& value,
                           FloatNanPattern nan_pattern, std::span<std::uint16_t> out) {
    bool is_nan = std::isnan(value.number);
    bool all_ones = nan_pattern == FloatNanPattern::all_ones;
    switch (type) {
        case RegisterType::string:
            std::fill_n(out.begin(), count, std::uint16_t{0});
            for (std::size_t i = 0; i < value.text.size() && i < std::size_t{count} * 2; ++i) {
                auto byte = static_cast<std::uint8_t>(value.text[i]);
                out[i / 2] |= (i % 2 == 0) ? static_cast<std::uint16_t>(byte << 8) : byte;
            }
            return;
        case RegisterType::s16:
            out[0] = is_nan ? 0xFFFF
                            : static_cast<std::uint16_t>(
                                  static_cast<std::int16_t>(std::clamp(std::llround(value.number), -32768LL, 32767LL)));
            return;
        case RegisterType::u16:
            out[0] = is_nan ? 0xFFFF : to_unsigned<std::uint16_t>(value.number);
            return;
        case RegisterType::u32:
            put_u32(out, is_nan ? 0xFFFFFFFFu : to_unsigned<std::uint32_t>(value.number));
            return;
        case RegisterType::u64:
            put_u64(out, is_nan ? ~std::uint64_t{0} : to_unsigned<std::uint64_t>(value.number));
            return;
        case RegisterType::f32:
            put_u32(out, !is_nan    ? std::bit_cast<std::uint32_t>(static_cast<float>(value.number))
                         : all_ones ? 0xFFFFFFFFu
                                    : 0x7FC00000u);
            return;
        case RegisterType::f64:
            put_u64(out, !is_nan    ? std::bit_cast<std::uint64_t>(value.number)
                         : all_ones ? ~std::uint64_t{0}
                                    : 0x7FF8000000000000ull);
            return;
    }
}

}  // namespace evhil::sim
