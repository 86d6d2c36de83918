#pragma once
// A value on the Victron bus, as velib_python holds it: invalid (Python's None), a boolean, an integer, a float or a
// text. Integers of every D-Bus width arrive as one integer type (velib unwraps them all to Python's int) and leave
// as int32, or int64 when they do not fit, as velib wraps them. Comparison follows Python's `==`, which velib uses to
// decide whether a write changes anything: 1 == 1.0 == True, and a number never equals a text.

#include <cstdint>
#include <string>
#include <variant>

namespace evhil::venus {

struct Invalid {
    bool operator==(const Invalid&) const = default;
};

using BusValue = std::variant<Invalid, bool, std::int64_t, double, std::string>;

bool is_valid(const BusValue& value);
bool python_equal(const BusValue& a, const BusValue& b);
// Python's str(value): "True", "16", "16.0", "0.0001", "1e-05", "1e+16", the text itself. Invalid gives "---", the
// text velib's GetText returns for an invalid value.
std::string python_str(const BusValue& value);
// The value as a number when it is one (bool, integer or float).
bool as_number(const BusValue& value, double& out);

}  // namespace evhil::venus
