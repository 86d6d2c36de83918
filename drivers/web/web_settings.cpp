#include "drivers/web/web_settings.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace evhil::web {

using namespace std::chrono_literals;

namespace {

std::uint16_t port_from_environment(const ConfigNode& section, const char* text) {
    unsigned value = 0;
    const std::string_view view(text);
    auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
    if (error != std::errc() || end != view.data() + view.size() || value > 65535) {
        section.fail(std::string("EVCHARGERD_WEB_PORT='") + text + "' is not a port number (0 to 65535)");
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

bool is_loopback_host(const std::string& host) {
    if (host == "localhost") {
        return true;
    }
    boost::system::error_code error;
    auto address = boost::asio::ip::make_address(host, error);
    return !error && address.is_loopback();
}

WebSettings parse_web_settings(const ConfigNode& section, const char* (*environment)(const char*)) {
    WebSettings web;
    if (!section.is_null()) {
        section.expect_map();
        section.allow_keys({"host", "port", "auth", "allowed_hosts", "tls", "history", "max_body", "rate"});
        web.host = section.get_string("host", web.host);
        web.port = static_cast<std::uint16_t>(section.get_int("port", web.port, 0, 65535));
        if (auto auth = section.optional("auth")) {
            auth->expect_map();
            auth->allow_keys({"password_hash", "token_hash"});
            web.password_hash = auth->get_string("password_hash", "");
            if (!web.password_hash.empty() && web.password_hash.rfind("$argon2id$", 0) != 0) {
                auth->required("password_hash")
                    .fail(
                        "not an Argon2id hash: make one with `evchargerd --hash-password` (the password itself "
                        "never goes into the file)");
            }
            web.token_hash = auth->get_string("token_hash", "");
            if (!web.token_hash.empty() && (web.token_hash.rfind("blake2b:", 0) != 0 || web.token_hash.size() != 72)) {
                auth->required("token_hash").fail("not a token hash: make one with `evchargerd --new-token`");
            }
        }
        if (auto hosts = section.optional("allowed_hosts")) {
            for (const auto& host : hosts->as_list()) {
                web.allowed_hosts.push_back(host.as_string());
            }
        }
        if (auto tls = section.optional("tls")) {
            tls->expect_map();
            tls->allow_keys({"certificate", "key"});
            web.tls = WebTls{tls->required("certificate").as_string(), tls->required("key").as_string()};
        }
        web.history = section.get_duration("history", web.history, 1min, 24h);
        web.max_body_bytes = static_cast<std::size_t>(
            section.get_int("max_body", std::int64_t{256} * 1024, 1024, std::int64_t{16} * 1024 * 1024));
        if (auto rate = section.optional("rate")) {
            rate->expect_map();
            rate->allow_keys({"requests_per_second", "burst", "login_attempts_per_minute"});
            web.requests_per_second = rate->get_double("requests_per_second", web.requests_per_second, 1, 10000);
            web.burst = rate->get_double("burst", web.burst, 1, 100000);
            web.login_attempts_per_minute =
                rate->get_double("login_attempts_per_minute", web.login_attempts_per_minute, 1, 1000);
        }
    }
    if (const char* host = environment("EVCHARGERD_WEB_HOST"); host != nullptr && *host != '\0') {
        web.host = host;
    }
    if (const char* port = environment("EVCHARGERD_WEB_PORT"); port != nullptr && *port != '\0') {
        web.port = port_from_environment(section, port);
    }
    boost::system::error_code error;
    boost::asio::ip::make_address(web.host, error);
    if (error && web.host != "localhost") {
        section.fail("web host '" + web.host + "' is not an IP address (127.0.0.1, ::1, 0.0.0.0, a LAN address)");
    }
    if (!is_loopback_host(web.host) && !web.has_credentials()) {
        section.fail("the web UI on " + web.host +
                     " is reachable beyond this machine: give auth: {password_hash: ...} (evchargerd --hash-password) "
                     "or bind it to 127.0.0.1");
    }
    return web;
}

}  // namespace evhil::web
