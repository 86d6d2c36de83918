#pragma once
// The REST API and the UI's files: every request of the web server, routed after the access checks
// (access_control.hpp). docs/api.md documents each endpoint with examples.
//
//   GET  /api/status                  the snapshot (status_snapshot.hpp)
//   GET  /api/events                  Server-Sent Events: "status" on every change (event_hub.hpp)
//   GET  /api/history?minutes=N       the graph's recent samples (history.hpp)
//   POST /api/mode {"mode": 0|1|2}    ┐
//   POST /api/startstop {"enabled"}    > the same UserCommands as a Venus SetValue; "charger": id where there are
//   POST /api/set_current {"amps"}    /  several; a refused value is 400 or 422 with {"error": why}
//   POST /api/max_current {"amps"}
//   GET  /api/config, PUT /api/config, GET /api/config/schema   (config_api.hpp)
//   GET  /api/auth, POST /api/login {"password"}, POST /api/logout
//   GET  /, /index.html, /app.js, ... the embedded UI; /login the log-in page
//
// Covered by tests/web/web_api_test.cpp and tests/cli/evchargerd_web_test.sh.

#include "drivers/station/station.hpp"
#include "drivers/web/access_control.hpp"
#include "drivers/web/config_api.hpp"
#include "drivers/web/event_hub.hpp"
#include "drivers/web/history.hpp"
#include "drivers/web/http_server.hpp"
#include "drivers/web/status_snapshot.hpp"
#include "drivers/web/web_settings.hpp"

namespace evhil::web {

struct WebApiParts {
    Executor& executor;
    station::Station& station;
    const WebSettings& settings;
    History& history;
    EventHub& events;
    const SessionCosts& costs;
    ConfigApi* config = nullptr;  // nullptr: the configuration endpoints answer 404
};

class WebApi {
public:
    explicit WebApi(WebApiParts parts);

    Reply handle(const Request& request, const Peer& peer);
    std::string status_text() const;
    const AccessControl& access() const { return access_; }

private:
    Reply route(const Request& request, const Peer& peer);
    Response command(const Request& request, const std::string& what);
    Response history(const Request& request) const;
    Response log_in(const Request& request, const Peer& peer);
    Reply static_file(const Request& request, std::string_view path) const;
    Reply events(const Request& request);

    WebApiParts parts_;
    AccessControl access_;
};

}  // namespace evhil::web
