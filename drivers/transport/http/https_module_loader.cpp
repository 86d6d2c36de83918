#include "drivers/core/module_loader.hpp"
#include "drivers/transport/http/https_module.hpp"

namespace evhil::http {

std::unique_ptr<HttpPort> load_https_client(Executor& executor, const HttpsSettings& settings) {
    static const auto entry = reinterpret_cast<HttpsModuleEntry>(
        load_module_symbol(https_module_file, https_module_entry, "the HTTPS module"));
    return std::unique_ptr<HttpPort>(entry(&executor, &settings));
}

}  // namespace evhil::http
