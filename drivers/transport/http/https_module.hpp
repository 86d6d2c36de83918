#pragma once
// The Beast HTTPS client (https_client.hpp) as a module evchargerd loads only when its configuration names a price
// API: it links OpenSSL, which evchargerd does not (drivers/core/module_loader.hpp says why and where it is looked
// for). The tests, the harness and the simulators link the client directly.
//
// Covered by tests/cli/evchargerd_links_test.sh and tests/cli/evchargerd_prices_test.sh.

#include <memory>

#include "drivers/core/executor.hpp"
#include "drivers/transport/http/http_port.hpp"

namespace evhil::http {

inline constexpr const char* https_module_file = "evchargerd-https.so";
inline constexpr const char* https_module_entry = "evhil_new_https_client";
using HttpsModuleEntry = HttpPort* (*)(Executor* executor, const HttpsSettings* settings);

// Loads the module on first use and makes a client; throws std::runtime_error.
std::unique_ptr<HttpPort> load_https_client(Executor& executor, const HttpsSettings& settings);

}  // namespace evhil::http
