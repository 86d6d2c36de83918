#pragma once
// Who may ask the web API what, checked before any route runs:
//
//   Host        Without credentials (loopback only) the Host header must name this machine (localhost, 127.0.0.1,
//               ::1) or one of allowed_hosts: a page elsewhere cannot reach the API through DNS rebinding.
//   Rate        A token bucket per client address (requests_per_second, burst), and a slower one for logins.
//   Log-in      With credentials configured: a session cookie from POST /api/login (HttpOnly, SameSite=Strict,
//               Secure under TLS; in memory only, 32 at most, 30 days), or "Authorization: Bearer TOKEN".
//   Cross-site  A request that changes anything must be JSON (a form cannot send that without a CORS preflight,
//               which this server never grants), its Origin, when sent, must be this server, and a browser's
//               Sec-Fetch-Site must be same-origin or none.
//
// Covered by tests/web/web_access_test.cpp.

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "drivers/core/clock.hpp"
#include "drivers/web/http_server.hpp"
#include "drivers/web/web_settings.hpp"

namespace evhil::web {

struct Refusal {
    http::status status;
    std::string why;
};

class TokenBuckets {
public:
    TokenBuckets(double per_second, double burst) : per_second_(per_second), burst_(burst) {}
    bool take(const std::string& key, TimePoint now);

private:
    struct Bucket {
        double tokens;
        TimePoint at;
    };
    double per_second_;
    double burst_;
    std::map<std::string, Bucket> buckets_;  // at most 1024 clients; the longest idle goes first
};

class AccessControl {
public:
    explicit AccessControl(const WebSettings& settings);

    bool login_required() const { return settings_.has_credentials(); }
    std::optional<Refusal> check_host(const Request& request) const;
    std::optional<Refusal> check_rate(const Peer& peer, TimePoint now);
    std::optional<Refusal> check_cross_site(const Request& request) const;
    bool authenticated(const Request& request, TimePoint now) const;

    // POST /api/login: on success the Set-Cookie value, else the refusal (a wrong password or too many tries).
    std::variant<std::string, Refusal> log_in(const std::string& password, const Peer& peer, TimePoint now);
    void log_out(const Request& request);
    std::size_t sessions() const { return sessions_.size(); }

private:
    std::optional<std::string> session_cookie(const Request& request) const;

    WebSettings settings_;
    TokenBuckets requests_;
    TokenBuckets logins_;
    std::map<std::string, TimePoint> sessions_;  // session token digest -> expiry
};

// The host of a Host header without its port: "[::1]:8088" -> "::1", "gx.local:80" -> "gx.local".
std::string host_name(std::string_view host_header);

}  // namespace evhil::web
