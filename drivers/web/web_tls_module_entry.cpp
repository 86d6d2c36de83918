// The one symbol of evchargerd-web-tls.so (web_tls.hpp): the TLS connection starter for the web UI's server.

#include "drivers/web/web_tls.hpp"

extern "C" __attribute__((visibility("default"))) evhil::web::ConnectionStarter* evhil_new_web_tls(
    const evhil::web::WebTls* tls, std::string* error) {
    try {
        return evhil::web::make_tls_starter(*tls).release();
    } catch (const std::exception& failure) {
        *error = failure.what();
        return nullptr;
    }
}
