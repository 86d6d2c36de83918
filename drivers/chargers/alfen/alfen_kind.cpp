#include "drivers/chargers/alfen/alfen_kind.hpp"

#include "drivers/chargers/alfen/alfen_driver.hpp"
#include "drivers/transport/modbus/tcp_endpoint.hpp"

namespace evhil::alfen {
namespace {

// The endpoint may carry the unit ids too: they are how the station is addressed (a bench file sets them).
std::vector<std::string> endpoint_keys() {
    auto keys = modbus::tcp_endpoint_keys();
    keys.insert(keys.end(), {"station_unit", "socket_unit"});
    return keys;
}

AlfenDriverSettings settings_for(const std::optional<ConfigNode>& driver, const ConfigNode& endpoint) {
    auto settings = driver ? parse_alfen_driver_settings(*driver) : AlfenDriverSettings{};
    settings.station_unit = static_cast<std::uint8_t>(endpoint.get_int("station_unit", settings.station_unit, 1, 247));
    settings.socket_unit = static_cast<std::uint8_t>(endpoint.get_int("socket_unit", settings.socket_unit, 1, 2));
    return settings;
}

}  // namespace

chargers::ChargerKind charger_kind() {
    chargers::ChargerKind kind;
    kind.type = "alfen";
    kind.description = "Alfen Eve / NG9xx over Modbus TCP (port 502, units 200 and 1)";
    kind.setting_keys = alfen_driver_setting_keys();
    kind.endpoint_keys = endpoint_keys();
    kind.check = [](const std::optional<ConfigNode>& driver, const std::optional<ConfigNode>& endpoint,
                    const std::vector<std::string>& extra_endpoint_keys) {
        if (driver) {
            parse_alfen_driver_settings(*driver);
        }
        if (endpoint) {
            auto allowed = endpoint_keys();
            allowed.insert(allowed.end(), extra_endpoint_keys.begin(), extra_endpoint_keys.end());
            endpoint->allow_keys(allowed);
            modbus::parse_tcp_endpoint(*endpoint, 502);
            settings_for(driver, *endpoint);
        }
    };
    kind.make = [](chargers::ChargerContext& context) -> std::unique_ptr<chargers::ChargerDriver> {
        // Keys were checked by `check` (station config) or by the bench file's loader, which adds its caps.
        auto settings = settings_for(context.driver, context.endpoint);
        auto& port = context.ports.modbus_tcp(context.id, modbus::parse_tcp_endpoint(context.endpoint, 502));
        return std::make_unique<AlfenDriver>(context.executor, port, settings, context.rng, context.id);
    };
    return kind;
}

}  // namespace evhil::alfen
