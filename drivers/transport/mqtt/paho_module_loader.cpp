#include "drivers/core/module_loader.hpp"
#include "drivers/transport/mqtt/paho_module.hpp"

namespace evhil::mqtt {

std::unique_ptr<MqttTransport> load_paho_transport(Executor& executor) {
    // A failed load throws, and the next call tries again.
    static const auto entry =
        reinterpret_cast<PahoModuleEntry>(load_module_symbol(paho_module_file, paho_module_entry, "the MQTT module"));
    return std::unique_ptr<MqttTransport>(entry(&executor));
}

}  // namespace evhil::mqtt
