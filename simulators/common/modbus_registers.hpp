#pragma once
// Generic tooling for a simulated Modbus slave whose register map is data: the value types a row can have, how each
// is encoded into registers, a compile-time address index over the rows, and the walk that serves a read of any
// range from rows of any length. A device's simulator keeps only its rows (address, size, type, access, getter) and
// what its writes do. Pure: no I/O, no clock.
//
// Covered by tests/unit/modbus_registers_test.cpp and, through the Alfen station, alfen_register_map_test.cpp.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace evhil::sim {

enum class RegisterType : std::uint8_t { string, s16, u16, u32, u64, f32, f64 };
enum class Access : std::uint8_t { read, read_write };

// How NaN ("reserved or unavailable") is encoded in float rows; 16-, 32- and 64-bit integer rows read all ones.
enum class FloatNanPattern : std::uint8_t {
    quiet_nan,  // 0x7FC00000 / 0x7FF8000000000000, what a C library produces for NAN
    all_ones,   // 0xFFFF in every register, like the integer rows
};

// A getter's result; the row's type decides how it is encoded. Integers up to 2^53 are exact in `number`,
// plenty for millisecond counters.
struct RegisterValue {
    double number = 0;
    std::string_view text;  // string rows only
};

// Encodes `value` into `count` registers (out.size() >= count): big-endian, high word first; strings two
// characters per register, high byte first, NUL-padded; integers rounded and clamped to their range.
void encode_register_value(RegisterType type, std::uint16_t count, const RegisterValue& value, FloatNanPattern nan,
                           std::span<std::uint16_t> out);

// Address -> index of the row holding it, -1 where nothing is mapped; `Size` is one past the highest address.
template <std::size_t Size>
struct RegisterIndex {
    std::array<std::int16_t, Size> slots{};
    constexpr std::int16_t row_at(std::uint32_t address) const {
        return address < Size ? slots[address] : std::int16_t{-1};
    }
};

// Builds the index of the rows for which `belongs(row)` holds (one unit's table). Used in a constant expression,
// overlapping rows, a row past `Size` or one longer than `max_row` fail to compile.
template <std::size_t Size, typename Row, std::size_t N, typename Belongs>
constexpr RegisterIndex<Size> build_register_index(const std::array<Row, N>& rows, Belongs belongs,
                                                   std::uint16_t max_row) {
    RegisterIndex<Size> index;
    index.slots.fill(-1);
    for (std::size_t i = 0; i < N; ++i) {
        if (!belongs(rows[i])) {
            continue;
        }
        for (std::size_t offset = 0; offset < rows[i].count; ++offset) {
            std::size_t address = rows[i].address + offset;
            if (address >= Size || index.slots[address] != -1 || rows[i].count > max_row) {
                throw "register rows overlap or exceed the index";  // a compile error in a constant expression
            }
            index.slots[address] = static_cast<std::int16_t>(i);
        }
    }
    return index;
}

// Serves a read of `out.size()` registers from `address`. `find(at)` gives the row holding register `at` (nullptr
// when unmapped) and `encode(row, words)` its value into `words`. A read may start or end inside a multi-register
// value (a slave serves registers, not values); any unmapped register fails the whole read (returns false, the
// caller answers Illegal Data Address).
template <std::size_t MaxRow, typename Find, typename Encode>
bool read_register_range(std::uint16_t address, std::span<std::uint16_t> out, Find find, Encode encode) {
    std::array<std::uint16_t, MaxRow> row_words{};
    const std::uint32_t end = std::uint32_t{address} + static_cast<std::uint32_t>(out.size());
    for (std::uint32_t at = address; at < end;) {
        const auto* row = find(at);
        if (row == nullptr) {
            return false;
        }
        if (at == row->address && at + row->count <= end) {
            // The common case, a whole value: straight into the answer.
            encode(*row, out.subspan(at - address, row->count));
            at += row->count;
            continue;
        }
        encode(*row, std::span<std::uint16_t>(row_words));
        const std::uint32_t from = at - row->address;
        const std::uint32_t to = std::min<std::uint32_t>(row->count, end - row->address);
        std::copy(row_words.begin() + from, row_words.begin() + to, out.begin() + (at - address));
        at = row->address + to;
    }
    return true;
}

}  // namespace evhil::sim
