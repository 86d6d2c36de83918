#include "drivers/venus/bus_value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace evhil::venus {
namespace {

// Python's repr of a float: the shortest digits that round-trip, written in positional notation when the decimal
// exponent is in [-4, 16), otherwise in scientific notation with at least two exponent digits.
std::string python_float(double value) {
    if (std::isnan(value)) {
        return "nan";
    }
    if (std::isinf(value)) {
        return value > 0 ? "inf" : "-inf";
    }
    char buffer[64];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
    std::string scientific(buffer, end);  // e.g. "-1.2345e+02"
    auto e = scientific.find('e');
    int exponent = std::atoi(scientific.c_str() + e + 1);
    std::string digits;
    bool negative = scientific[0] == '-';
    for (std::size_t i = negative ? 1 : 0; i < e; ++i) {
        if (scientific[i] != '.') {
            digits += scientific[i];
        }
    }
    std::string sign = negative ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
        std::string mantissa = digits.substr(0, 1);
        if (digits.size() > 1) {
            mantissa += "." + digits.substr(1);
        }
        char exp[16];
        std::snprintf(exp, sizeof(exp), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        return sign + mantissa + exp;
    }
    if (exponent < 0) {
        return sign + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    }
    auto integer_digits = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= integer_digits) {
        return sign + digits + std::string(integer_digits - digits.size(), '0') + ".0";
    }
    return sign + digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
}

}  // namespace

bool is_valid(const BusValue& value) {
    return !std::holds_alternative<Invalid>(value);
}

bool as_number(const BusValue& value, double& out) {
    if (const auto* b = std::get_if<bool>(&value)) {
        out = *b ? 1.0 : 0.0;
        return true;
    }
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
        out = static_cast<double>(*i);
        return true;
    }
    if (const auto* d = std::get_if<double>(&value)) {
        out = *d;
        return true;
    }
    return false;
}

bool python_equal(const BusValue& a, const BusValue& b) {
    if (std::holds_alternative<std::int64_t>(a) && std::holds_alternative<std::int64_t>(b)) {
        return std::get<std::int64_t>(a) == std::get<std::int64_t>(b);  // exact beyond 2^53
    }
    double x = 0;
    double y = 0;
    if (as_number(a, x) && as_number(b, y)) {
        return x == y;
    }
    return a == b;  // same alternative: both invalid or equal texts; otherwise different kinds
}

std::string python_str(const BusValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Invalid>) {
                return "---";
            } else if constexpr (std::is_same_v<T, bool>) {
                return v ? "True" : "False";
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                return std::to_string(v);
            } else if constexpr (std::is_same_v<T, double>) {
                return python_float(v);
            } else {
                return v;
            }
        },
        value);
}

}  // namespace evhil::venus
