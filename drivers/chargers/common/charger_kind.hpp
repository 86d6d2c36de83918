#pragma once
// A row of the station's charger table (drivers/station/charger_kinds.cpp): a charger type, its settings
// schema and how to build its driver. Each driver folder provides its row; the station, the daemon and the
// harness find drivers only through the table.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/chargers/common/charger_driver.hpp"
#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/transport/port_provider.hpp"

namespace evhil::chargers {

struct ChargerContext {
    Executor& executor;
    std::string id;
    std::optional<ConfigNode> driver;  // the `driver:` settings
    ConfigNode endpoint;               // the `endpoint:` (or a bench file's device entry): where the charger is
    PortProvider& ports;
    Rng rng;
};

struct ChargerKind {
    std::string type;
    std::string description;
    std::vector<std::string> setting_keys;   // `driver:` keys
    std::vector<std::string> endpoint_keys;  // `endpoint:` keys
    // Validates settings and endpoint without building anything; throws ConfigError. `extra_endpoint_keys` are
    // keys the endpoint may carry for its caller (a bench file's caps).
    std::function<void(const std::optional<ConfigNode>& driver, const std::optional<ConfigNode>& endpoint,
                       const std::vector<std::string>& extra_endpoint_keys)>
        check;
    std::function<std::unique_ptr<ChargerDriver>(ChargerContext& context)> make;
};

}  // namespace evhil::chargers
