#include "drivers/core/module_loader.hpp"
#include "drivers/web/web_tls.hpp"

namespace evhil::web {

std::unique_ptr<ConnectionStarter> load_tls_starter(const WebTls& tls) {
    static const auto entry = reinterpret_cast<WebTlsModuleEntry>(
        load_module_symbol(web_tls_module_file, web_tls_module_entry, "the web UI's TLS module"));
    std::string error;
    std::unique_ptr<ConnectionStarter> starter(entry(&tls, &error));
    if (!starter) {
        throw std::runtime_error(error);
    }
    return starter;
}

}  // namespace evhil::web
