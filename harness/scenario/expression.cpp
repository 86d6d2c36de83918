#include "harness/scenario/expression.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <regex>

namespace evhil::harness {
namespace {

struct OpToken {
    const char* text;
    CompareOp op;
};
// Two-character operators first so "<=" is not read as "<".
constexpr std::array op_tokens{OpToken{"<=", CompareOp::less_equal}, OpToken{">=", CompareOp::greater_equal},
                               OpToken{"==", CompareOp::equal},      OpToken{"!=", CompareOp::not_equal},
                               OpToken{"<", CompareOp::less},        OpToken{">", CompareOp::greater}};

std::optional<double> parse_number(const std::string& text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::string trim(const std::string& text) {
    auto first = text.find_first_not_of(" \t");
    auto last = text.find_last_not_of(" \t");
    return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

bool is_name(const std::string& text) {
    static const std::regex name(R"([A-Za-z_][A-Za-z0-9_.]*)");
    return std::regex_match(text, name);
}

}  // namespace

std::string to_string(CompareOp op) {
    for (const auto& token : op_tokens) {
        if (token.op == op) {
            return token.text;
        }
    }
    return "?";
}

std::variant<Condition, std::string> parse_condition(const std::string& text) {
    Condition condition;
    condition.text = text;
    std::size_t op_position = std::string::npos;
    std::size_t op_length = 0;
    for (const auto& token : op_tokens) {
        auto found = text.find(token.text);
        if (found != std::string::npos && (op_position == std::string::npos || found < op_position ||
                                           (found == op_position && std::string(token.text).size() > op_length))) {
            op_position = found;
            op_length = std::string(token.text).size();
            condition.op = token.op;
        }
    }
    if (op_position == std::string::npos) {
        return "expected 'SIGNAL OP VALUE' with OP one of < <= == != >= >, got '" + text + "'";
    }
    condition.signal = trim(text.substr(0, op_position));
    if (!is_name(condition.signal)) {
        return "'" + condition.signal + "' is not a signal name";
    }
    std::string rest = text.substr(op_position + op_length);
    for (const char* marker : {"±", "+-"}) {
        auto found = rest.find(marker);
        if (found != std::string::npos) {
            std::string tolerance = trim(rest.substr(found + std::string(marker).size()));
            rest = rest.substr(0, found);
            if (!tolerance.empty() && tolerance.back() == '%') {
                condition.tolerance_is_percent = true;
                tolerance.pop_back();
            }
            auto value = parse_number(trim(tolerance));
            if (!value || *value < 0) {
                return "tolerance '" + tolerance + "' is not a non-negative number";
            }
            condition.tolerance = *value;
            break;
        }
    }
    rest = trim(rest);
    if (auto number = parse_number(rest)) {
        condition.operand = *number;
    } else if (is_name(rest)) {
        condition.operand = rest;
    } else {
        return "'" + rest + "' is neither a number nor a name";
    }
    return condition;
}

bool evaluate(const Condition& condition, double left, double right) {
    if (std::isnan(left) || std::isnan(right)) {
        return false;
    }
    double tolerance =
        condition.tolerance_is_percent ? std::abs(right) * condition.tolerance / 100.0 : condition.tolerance;
    switch (condition.op) {
        case CompareOp::less:
            return left < right;
        case CompareOp::less_equal:
            return left <= right + tolerance;
        case CompareOp::equal:
            return std::abs(left - right) <= tolerance;
        case CompareOp::not_equal:
            return std::abs(left - right) > tolerance;
        case CompareOp::greater_equal:
            return left >= right - tolerance;
        case CompareOp::greater:
            return left > right;
    }
    return false;
}

}  // namespace evhil::harness
