#pragma once
// The Alfen NG9xx Modbus register map as data (docs/alfen.md has the facts and their sources): one row per value,
// with its address, size, type, access, the unit that serves it and a getter that reads the value from the
// station model. The station answers reads by walking these rows through an O(1) address index, so adding a
// register is adding a row, and nothing switches over addresses. The generic parts (value types, encoding, the
// index, the read walk) are simulators/common/modbus_registers.hpp.

#include <cstdint>
#include <span>
#include <string_view>

#include "drivers/core/clock.hpp"
#include "simulators/common/modbus_registers.hpp"

namespace evhil::sim::alfen {

class AlfenStation;

using sim::Access;
using sim::FloatNanPattern;
using sim::RegisterType;
using sim::RegisterValue;

// Unit 200 serves the station rows; units 1 and 2 serve the socket rows, one socket each.
enum class UnitScope : std::uint8_t { station, socket };

// What a write to a read_write row changes in the model; none for read-only rows.
enum class WriteTarget : std::uint8_t { none, setpoint, phases, scn_limit_l1, scn_limit_l2, scn_limit_l3 };

// How NaN ("reserved or unavailable") is encoded: the reference only says "NaN" for floats (UNCONFIRMED bit
// pattern), so it is a setting (FloatNanPattern); 16-bit registers read 0xFFFF.

// What a getter sees: the station, the socket (0 or 1; 0 for station rows) and one instant for the whole
// request, so that every value in one read belongs to the same moment.
struct RegisterContext {
    const AlfenStation& station;
    std::size_t socket;
    TimePoint now;
};

using RegisterGetter = RegisterValue (*)(const RegisterContext&);

struct RegisterRow {
    std::uint16_t address;
    std::uint16_t count;
    RegisterType type;
    Access access;
    UnitScope scope;
    std::string_view name;
    RegisterGetter get;
    WriteTarget write_target = WriteTarget::none;
};

// The longest row (the 17-register strings).
inline constexpr std::uint16_t max_row_registers = 17;

// Every row, ordered by scope and address.
std::span<const RegisterRow> register_map();
// The row that holds `address` in `scope`, or nullptr when the register is not mapped there. Constant time.
const RegisterRow* find_register(UnitScope scope, std::uint16_t address);
// Encodes a row's value into its row.count registers (out.size() >= row.count): big-endian, high word first;
// strings two characters per register, high byte first, NUL-padded; NaN per `nan`.
void encode_register(const RegisterRow& row, const RegisterValue& value, FloatNanPattern nan,
                     std::span<std::uint16_t> out);

}  // namespace evhil::sim::alfen
