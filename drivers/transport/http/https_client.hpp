#pragma once
// HttpPort on Boost.Beast over TLS (OpenSSL): the price clients' way to Tibber and Octopus, and to the price API
// simulators on the wire target.
//
// Each request opens its own connection (resolve, connect, TLS handshake with SNI, the peer's certificate checked
// against the CA file or the system store and its name against the host, request, response, close): a price client
// asks a few times an hour, so a kept-alive connection would only be one more thing to go stale. The sockets run on
// an io_context and thread of the client's own, so that no TLS work ever runs on the executor; completions are
// posted to the executor. The whole exchange is bounded by the timeout; the response body by 4 MiB.
//
// Covered by tests/integration/https_client_test.cpp (against simulators/tariffs/tariff_server.hpp) and the
// price scenarios on the wire target.

#include <memory>

#include "drivers/core/executor.hpp"
#include "drivers/transport/http/http_port.hpp"

namespace evhil::http {

class HttpsClient final : public HttpPort {
public:
    HttpsClient(Executor& executor, HttpsSettings settings);
    ~HttpsClient() override;
    HttpsClient(const HttpsClient&) = delete;
    HttpsClient& operator=(const HttpsClient&) = delete;

    void request(HttpRequest request, Done done) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace evhil::http
