#pragma once
// HTTPS for the price API simulators: serves one handler (TibberApi or OctopusApi bound to the clock) over TLS with
// Boost.Beast, so that real clients (curl, a price client over HTTPS) talk to `evhil sim tibber|octopus` as to the
// real service, certificate check included.
//
//   TariffServer server(executor, {.cert_file = certs.server_cert_file, .key_file = certs.server_key_file},
//                       [&](const http::HttpRequest& r) { return api.handle(r, executor.now()); });
//   server.start();   // throws std::runtime_error with the reason
//   server.base_url();  // "https://127.0.0.1:PORT"
//
// HTTP/1.1 with keep-alive; a request body over body_limit is answered 413 and the connection closed. A SimAnswer's
// delay holds the answer back on an executor timer (later requests on that connection wait behind it, as on a real
// server); drop_connection closes the socket without an answer and without a TLS close_notify, as a crashed peer does.
//
// All I/O runs on the executor's io_context: call every method on its thread, or while it is not running.
// Covered by tests/cli/sim_tariffs_test.sh.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/http/http_types.hpp"
#include "simulators/tariffs/tariff_faults.hpp"

namespace evhil::sim::tariffs {

struct TariffServerSettings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: a free port, reported by port()
    std::string cert_file;   // PEM server certificate (chain)
    std::string key_file;    // PEM private key
    std::size_t body_limit = 64 * 1024;
};

class TariffServer {
public:
    using Handler = std::function<SimAnswer(const http::HttpRequest&)>;

    TariffServer(Executor& executor, TariffServerSettings settings, Handler handler);
    ~TariffServer();
    TariffServer(const TariffServer&) = delete;
    TariffServer& operator=(const TariffServer&) = delete;

    // Loads the certificate and listens. Throws std::runtime_error("cannot serve HTTPS on HOST:PORT: reason").
    void start();
    // Stops listening and closes every connection.
    void stop();

    std::uint16_t port() const;    // the bound port, after start()
    std::string base_url() const;  // "https://127.0.0.1:PORT"
    std::uint64_t requests_served() const;

private:
    struct Impl;
    // Shared so that asio handlers still queued after the server went can tell, through a weak pointer.
    std::shared_ptr<Impl> impl_;
};

}  // namespace evhil::sim::tariffs
