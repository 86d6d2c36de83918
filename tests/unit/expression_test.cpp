#include <gtest/gtest.h>

#include <cmath>

#include "harness/scenario/expression.hpp"

namespace evhil::harness {
namespace {

Condition parse(const std::string& text) {
    auto parsed = parse_condition(text);
    EXPECT_TRUE(std::holds_alternative<Condition>(parsed)) << std::get<std::string>(parsed);
    return std::get<Condition>(parsed);
}

TEST(Expression, ParsesSignalOperatorNumberAndTolerance) {
    auto c = parse("driver.applied_current == 10 ± 0.2");
    EXPECT_EQ(c.signal, "driver.applied_current");
    EXPECT_EQ(c.op, CompareOp::equal);
    EXPECT_EQ(std::get<double>(c.operand), 10.0);
    EXPECT_EQ(c.tolerance, 0.2);
    EXPECT_TRUE(evaluate(c, 10.15, 10.0));
    EXPECT_FALSE(evaluate(c, 10.25, 10.0));
}

TEST(Expression, TwoCharacterOperatorsAreNotSplit) {
    EXPECT_EQ(parse("ev.soc >= 99.5").op, CompareOp::greater_equal);
    EXPECT_EQ(parse("ev.soc <= 5").op, CompareOp::less_equal);
    EXPECT_EQ(parse("driver.state != backing_off").op, CompareOp::not_equal);
    EXPECT_EQ(std::get<std::string>(parse("driver.state != backing_off").operand), "backing_off");
}

TEST(Expression, RelativeToleranceAgainstAnotherSignal) {
    auto c = parse("driver.last_session_energy == ev.energy_received +- 2%");
    EXPECT_TRUE(c.tolerance_is_percent);
    EXPECT_TRUE(evaluate(c, 10.15, 10.0));
    EXPECT_FALSE(evaluate(c, 10.25, 10.0));
}

TEST(Expression, NanIsNeverTrue) {
    auto c = parse("driver.power < 100");
    EXPECT_FALSE(evaluate(c, std::nan(""), 100));
    auto n = parse("driver.power != 100");
    EXPECT_FALSE(evaluate(n, std::nan(""), 100));
}

TEST(Expression, RejectsGarbage) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_condition("ev.soc is high")));
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_condition("== 3")));
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_condition("ev.soc > 3 ± x")));
}

}  // namespace
}  // namespace evhil::harness
