#include "drivers/web/access_control.hpp"

#include <algorithm>

#include "drivers/web/credentials.hpp"

namespace evhil::web {

namespace {

constexpr std::size_t max_clients = 1024;
constexpr std::size_t max_sessions = 32;
constexpr auto session_lifetime = std::chrono::hours(24 * 30);
constexpr const char* cookie_name = "evchargerd_session";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

std::string host_name(std::string_view host_header) {
    if (!host_header.empty() && host_header.front() == '[') {
        auto end = host_header.find(']');
        return end == std::string_view::npos ? std::string() : lower(host_header.substr(1, end - 1));
    }
    auto colon = host_header.find(':');
    return lower(host_header.substr(0, colon));
}

bool TokenBuckets::take(const std::string& key, TimePoint now) {
    auto found = buckets_.find(key);
    if (found == buckets_.end()) {
        if (buckets_.size() >= max_clients) {
            auto idle = std::min_element(buckets_.begin(), buckets_.end(),
                                         [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
            buckets_.erase(idle);
        }
        found = buckets_.emplace(key, Bucket{burst_, now}).first;
    }
    auto& bucket = found->second;
    const double elapsed_s = std::chrono::duration<double>(now - bucket.at).count();
    bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, elapsed_s) * per_second_);
    bucket.at = now;
    if (bucket.tokens < 1) {
        return false;
    }
    bucket.tokens -= 1;
    return true;
}

AccessControl::AccessControl(const WebSettings& settings)
    : settings_(settings),
      requests_(settings.requests_per_second, settings.burst),
      logins_(settings.login_attempts_per_minute / 60.0, std::max(1.0, settings.login_attempts_per_minute)) {}

std::optional<Refusal> AccessControl::check_host(const Request& request) const {
    if (login_required()) {
        return std::nullopt;  // a page elsewhere cannot log in: rebinding gains it nothing
    }
    const auto host = host_name(to_std(request[http::field::host]));
    if (is_loopback_host(host) || host == lower(settings_.host) ||
        std::any_of(settings_.allowed_hosts.begin(), settings_.allowed_hosts.end(),
                    [&](const std::string& allowed) { return lower(allowed) == host; })) {
        return std::nullopt;
    }
    return Refusal{
        http::status::misdirected_request,
        "Host '" + host + "' is not this machine: add it to web: allowed_hosts: to open the UI by that name"};
}

std::optional<Refusal> AccessControl::check_rate(const Peer& peer, TimePoint now) {
    if (requests_.take(peer.address, now)) {
        return std::nullopt;
    }
    return Refusal{http::status::too_many_requests, "too many requests from " + peer.address + "; slow down"};
}

std::optional<Refusal> AccessControl::check_cross_site(const Request& request) const {
    const auto method = request.method();
    if (method == http::verb::get || method == http::verb::head) {
        return std::nullopt;
    }
    const auto type = lower(to_std(request[http::field::content_type]));
    if (type.rfind("application/json", 0) != 0) {
        return Refusal{http::status::unsupported_media_type, "a request that changes something must be JSON"};
    }
    const auto origin = to_std(request[http::field::origin]);
    if (!origin.empty()) {
        const auto scheme = settings_.tls ? std::string("https://") : std::string("http://");
        if (lower(origin) != scheme + lower(to_std(request[http::field::host]))) {
            return Refusal{http::status::forbidden, "cross-site request refused (Origin " + std::string(origin) + ")"};
        }
    }
    const auto site = lower(to_std(request["Sec-Fetch-Site"]));
    if (!site.empty() && site != "same-origin" && site != "none") {
        return Refusal{http::status::forbidden, "cross-site request refused (Sec-Fetch-Site " + site + ")"};
    }
    return std::nullopt;
}

std::optional<std::string> AccessControl::session_cookie(const Request& request) const {
    const std::string_view cookies = to_std(request[http::field::cookie]);
    const std::string key = std::string(cookie_name) + "=";
    std::size_t at = 0;
    while (at < cookies.size()) {
        auto end = cookies.find(';', at);
        auto part = cookies.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
        while (!part.empty() && part.front() == ' ') {
            part.remove_prefix(1);
        }
        if (part.substr(0, key.size()) == key) {
            return std::string(part.substr(key.size()));
        }
        if (end == std::string_view::npos) {
            break;
        }
        at = end + 1;
    }
    return std::nullopt;
}

bool AccessControl::authenticated(const Request& request, TimePoint now) const {
    if (!login_required()) {
        return true;
    }
    const std::string_view authorization = to_std(request[http::field::authorization]);
    if (authorization.substr(0, 7) == "Bearer ") {
        return verify_token(settings_.token_hash, authorization.substr(7));
    }
    if (auto cookie = session_cookie(request)) {
        auto found = sessions_.find(token_digest(*cookie));
        return found != sessions_.end() && now < found->second;
    }
    return false;
}

std::variant<std::string, Refusal> AccessControl::log_in(const std::string& password, const Peer& peer, TimePoint now) {
    if (!logins_.take(peer.address, now)) {
        return Refusal{http::status::too_many_requests, "too many log-in attempts; wait a minute"};
    }
    if (settings_.password_hash.empty() || !verify_password(settings_.password_hash, password)) {
        return Refusal{http::status::unauthorized, "wrong password"};
    }
    std::erase_if(sessions_, [now](const auto& entry) { return entry.second <= now; });
    if (sessions_.size() >= max_sessions) {
        sessions_.erase(std::min_element(sessions_.begin(), sessions_.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; }));
    }
    const auto token = random_token();
    sessions_[token_digest(token)] = now + session_lifetime;
    return std::string(cookie_name) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(session_lifetime).count()) +
           (settings_.tls ? "; Secure" : "");
}

void AccessControl::log_out(const Request& request) {
    if (auto cookie = session_cookie(request)) {
        sessions_.erase(token_digest(*cookie));
    }
}

}  // namespace evhil::web
