// The generic register table of simulated Modbus slaves: value encoding, the compile-time index, the read walk.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "simulators/common/modbus_registers.hpp"

namespace evhil::sim {
namespace {

struct Row {
    std::uint16_t address;
    std::uint16_t count;
    RegisterType type;
    double value;
};

constexpr std::array rows{Row{10, 2, RegisterType::f32, 16.0}, Row{12, 1, RegisterType::u16, 7.0},
                          Row{20, 4, RegisterType::u64, 1e6}};
constexpr auto index = build_register_index<32>(
    rows, [](const Row&) { return true; }, 4);

std::vector<std::uint16_t> encoded(RegisterType type, std::uint16_t count, RegisterValue value,
                                   FloatNanPattern nan = FloatNanPattern::quiet_nan) {
    std::vector<std::uint16_t> out(count);
    encode_register_value(type, count, value, nan, out);
    return out;
}

TEST(ModbusRegisters, EncodesEachTypeBigEndianWithItsNanAndRange) {
    EXPECT_EQ(encoded(RegisterType::f32, 2, {16.0, {}}), (std::vector<std::uint16_t>{0x4180, 0x0000}));
    EXPECT_EQ(encoded(RegisterType::f32, 2, {std::nan(""), {}}), (std::vector<std::uint16_t>{0x7FC0, 0x0000}));
    EXPECT_EQ(encoded(RegisterType::f32, 2, {std::nan(""), {}}, FloatNanPattern::all_ones),
              (std::vector<std::uint16_t>{0xFFFF, 0xFFFF}));
    EXPECT_EQ(encoded(RegisterType::u16, 1, {-3.0, {}}), (std::vector<std::uint16_t>{0}));
    EXPECT_EQ(encoded(RegisterType::s16, 1, {-3.0, {}}), (std::vector<std::uint16_t>{0xFFFD}));
    EXPECT_EQ(encoded(RegisterType::u32, 2, {70000.0, {}}), (std::vector<std::uint16_t>{0x0001, 0x1170}));
    EXPECT_EQ(encoded(RegisterType::string, 2, {0, "ABC"}), (std::vector<std::uint16_t>{0x4142, 0x4300}));
}

TEST(ModbusRegisters, TheIndexFindsTheRowHoldingAnyOfItsRegisters) {
    EXPECT_EQ(index.row_at(10), 0);
    EXPECT_EQ(index.row_at(11), 0);
    EXPECT_EQ(index.row_at(12), 1);
    EXPECT_EQ(index.row_at(13), -1);
    EXPECT_EQ(index.row_at(23), 2);
    EXPECT_EQ(index.row_at(1000), -1);
}

TEST(ModbusRegisters, AReadMayCutValuesButNotCrossAGap) {
    auto find = [](std::uint32_t at) -> const Row* {
        auto row = index.row_at(at);
        return row < 0 ? nullptr : &rows[static_cast<std::size_t>(row)];
    };
    auto encode = [](const Row& row, std::span<std::uint16_t> out) {
        encode_register_value(row.type, row.count, {row.value, {}}, FloatNanPattern::quiet_nan, out);
    };
    std::array<std::uint16_t, 2> words{};
    ASSERT_TRUE(read_register_range<4>(11, words, find, encode));  // the low word of 16.0, then 7
    EXPECT_EQ(words[0], 0x0000);
    EXPECT_EQ(words[1], 7);
    std::array<std::uint16_t, 3> across{};
    EXPECT_FALSE(read_register_range<4>(11, across, find, encode));  // register 13 is not mapped
}

}  // namespace
}  // namespace evhil::sim
