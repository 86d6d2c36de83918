#pragma once
// evchargerd's web UI and REST API settings: the web: section of its configuration.
//
//   web:
//     host: 127.0.0.1          # loopback by default; EVCHARGERD_WEB_HOST overrides
//     port: 8088               # EVCHARGERD_WEB_PORT overrides; 0 picks a free port (tests)
//     auth:                    # required when host is not a loopback address
//       password_hash: "$argon2id$v=19$m=..."   # evchargerd --hash-password
//       token_hash: "blake2b:..."               # evchargerd --new-token: for scripts (Authorization: Bearer)
//     allowed_hosts: [gx.local]                  # Host names besides the bind address and loopback (DNS rebinding)
//     tls: {certificate: /data/etc/evchargerd/cert.pem, key: /data/etc/evchargerd/key.pem}   # HTTPS (web_tls.hpp)
//     history: 60m             # the graph's ring buffer, one sample a second per charger
//     max_body: 256KiB-ish     # bytes; a larger request is refused with 413
//     rate: {requests_per_second: 20, burst: 40, login_attempts_per_minute: 5}
//
// Validation errors are ConfigErrors at the offending key, like the rest of the file.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/core/config.hpp"

namespace evhil::web {

struct WebTls {
    std::string certificate;  // PEM chain
    std::string key;          // PEM private key
};

struct WebSettings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8088;
    std::string password_hash;  // libsodium crypto_pwhash_str (Argon2id)
    std::string token_hash;     // "blake2b:<hex>" of a random API token
    std::vector<std::string> allowed_hosts;
    std::optional<WebTls> tls;
    Duration history = std::chrono::minutes(60);
    std::size_t max_body_bytes = std::size_t{256} * 1024;
    double requests_per_second = 20;
    double burst = 40;
    double login_attempts_per_minute = 5;

    bool has_credentials() const { return !password_hash.empty() || !token_hash.empty(); }
};

// Reads the web: section; `environment` is getenv (a parameter so that tests can give their own). Fails at the
// section when the address is beyond loopback and no credentials are configured.
WebSettings parse_web_settings(const ConfigNode& section, const char* (*environment)(const char*));

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace evhil::web
