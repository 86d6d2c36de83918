#include "drivers/venus/bus_value_json.hpp"

namespace evhil::venus {

nlohmann::json to_json_value(const BusValue& value) {
    return std::visit(
        [](const auto& held) -> nlohmann::json {
            using Held = std::decay_t<decltype(held)>;
            if constexpr (std::is_same_v<Held, Invalid>) {
                return nullptr;
            } else {
                return held;
            }
        },
        value);
}

std::optional<BusValue> from_json_value(const nlohmann::json& json, std::string& error) {
    switch (json.type()) {
        case nlohmann::json::value_t::null:
            return BusValue{Invalid{}};
        case nlohmann::json::value_t::boolean:
            return BusValue{json.get<bool>()};
        case nlohmann::json::value_t::number_integer:
            return BusValue{json.get<std::int64_t>()};
        case nlohmann::json::value_t::number_unsigned: {
            auto unsigned_value = json.get<std::uint64_t>();
            if (unsigned_value > static_cast<std::uint64_t>(INT64_MAX)) {
                error = "the number " + json.dump() + " does not fit a 64-bit integer";
                return std::nullopt;
            }
            return BusValue{static_cast<std::int64_t>(unsigned_value)};
        }
        case nlohmann::json::value_t::number_float:
            return BusValue{json.get<double>()};
        case nlohmann::json::value_t::string:
            return BusValue{json.get<std::string>()};
        default:
            error = std::string("a JSON ") + json.type_name() + " has no bus value";
            return std::nullopt;
    }
}

}  // namespace evhil::venus
