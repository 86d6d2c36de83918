#pragma once
// Conditions in scenario expectations: "SIGNAL OP VALUE [± TOLERANCE]", e.g.
//     driver.applied_current == 10 ± 0.2
//     ev.soc >= 99.5
//     driver.state != backing_off            (a state name of the signal on the left)
//     driver.last_session_energy == ev.energy_received ± 2%   (another signal, relative tolerance)
// `+-` may be written for `±`. Equality without a tolerance allows 1e-6.

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace evhil::harness {

enum class CompareOp { less, less_equal, equal, not_equal, greater_equal, greater };

struct Condition {
    std::string text;
    std::string signal;
    CompareOp op = CompareOp::equal;
    // The right-hand side: a number, or a name (another signal, or a state label of the left signal).
    std::variant<double, std::string> operand;
    double tolerance = 1e-6;
    bool tolerance_is_percent = false;
};

// std::nullopt and an error message when the text is not a condition.
std::variant<Condition, std::string> parse_condition(const std::string& text);

// Evaluates with the right-hand side already resolved to a number. NaN on either side is false.
bool evaluate(const Condition& condition, double left, double right);

std::string to_string(CompareOp op);

}  // namespace evhil::harness
