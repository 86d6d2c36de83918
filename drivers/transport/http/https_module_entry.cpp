// The one symbol of evchargerd-https.so (https_module.hpp): a new Beast HTTPS client on the caller's executor.

#include "drivers/transport/http/https_client.hpp"
#include "drivers/transport/http/https_module.hpp"

extern "C" __attribute__((visibility("default"))) evhil::http::HttpPort* evhil_new_https_client(
    evhil::Executor* executor, const evhil::http::HttpsSettings* settings) {
    return new evhil::http::HttpsClient(*executor, *settings);
}
