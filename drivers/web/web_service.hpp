#pragma once
// evchargerd's web UI and REST API as one part the daemon starts and stops: the server, the API, the event streams,
// the history ring and the session costs, following the station through its listeners.
//
//   station status / user change ──► history, session cost ──► event hub ──► every open /api/events stream
//   HTTP request ──► access checks ──► API route ──► UserCommands ──► station (the same path as a Venus write)
//
// Covered by tests/web/web_api_test.cpp, tests/cli/evchargerd_web_test.sh and tests/browser/.

#include <map>
#include <memory>
#include <optional>

#include "drivers/web/config_api.hpp"
#include "drivers/web/event_hub.hpp"
#include "drivers/web/history.hpp"
#include "drivers/web/http_server.hpp"
#include "drivers/web/status_snapshot.hpp"
#include "drivers/web/web_api.hpp"

namespace evhil::web {

class WebService {
public:
    // Makes the TLS connection starter for web: tls: (evchargerd: load_tls_starter, the module; tests:
    // make_tls_starter); throws std::runtime_error.
    using TlsFactory = std::function<std::unique_ptr<ConnectionStarter>(const WebTls&)>;

    WebService(Executor& executor, station::Station& station, WebSettings settings,
               std::optional<ConfigHooks> config = std::nullopt, TlsFactory tls = nullptr);
    ~WebService();
    WebService(const WebService&) = delete;
    WebService& operator=(const WebService&) = delete;

    // Listens; throws std::runtime_error when the address cannot be bound or TLS cannot be set up.
    void start();
    void stop();
    std::uint16_t port() const { return server_.port(); }
    const EventHub& events() const { return events_; }
    const History& history() const { return history_; }
    // For tests and the benchmark: a request straight into the API, without a socket.
    Reply handle(const Request& request, const Peer& peer) { return api_.handle(request, peer); }

private:
    void on_charger(const station::Station::Charger& charger);
    // Once a second: a charger that cannot be reached has no refreshes, so its loss (and its return) and its graph
    // at 0 A come from here.
    void tick();

    Executor& executor_;
    station::Station& station_;
    WebSettings settings_;
    TlsFactory tls_;
    History history_;
    SessionCosts costs_;
    EventHub events_;
    std::unique_ptr<ConfigApi> config_;
    WebApi api_;
    HttpServer server_;
    std::map<std::string, bool> reachable_;
    Executor::TimerId tick_timer_{};
    bool ticking_ = false;
};

}  // namespace evhil::web
