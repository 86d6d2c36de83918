#pragma once
// TLS for the web UI: the server's connections over Beast's ssl_stream, with the configured certificate chain and
// key (TLS 1.2 and 1.3 only). It links OpenSSL, which evchargerd does not, so evchargerd loads it as the module
// evchargerd-web-tls.so (beside itself, as drivers/core/module_loader.hpp says) only when web: tls: is configured;
// the tests link it directly.
//
// Covered by tests/web/web_server_test.cpp and tests/cli/evchargerd_web_test.sh.

#include <memory>
#include <string>

#include "drivers/web/http_server.hpp"
#include "drivers/web/web_settings.hpp"

namespace evhil::web {

inline constexpr const char* web_tls_module_file = "evchargerd-web-tls.so";
inline constexpr const char* web_tls_module_entry = "evhil_new_web_tls";
// nullptr with `error` set when the certificate or the key cannot be used.
using WebTlsModuleEntry = ConnectionStarter* (*)(const WebTls* tls, std::string* error);

// Throws std::runtime_error("cannot use the web UI's certificate FILE or key FILE: reason").
std::unique_ptr<ConnectionStarter> make_tls_starter(const WebTls& tls);
// The same through the module; throws std::runtime_error.
std::unique_ptr<ConnectionStarter> load_tls_starter(const WebTls& tls);

}  // namespace evhil::web
