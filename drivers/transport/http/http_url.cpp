#include <charconv>
#include <stdexcept>

#include "drivers/transport/http/http_port.hpp"

namespace evhil::http {

HttpsEndpoint parse_https_url(const std::string& url) {
    constexpr std::string_view scheme = "https://";
    if (url.rfind(scheme, 0) != 0) {
        throw std::invalid_argument("'" + url + "' is not an https:// URL (price APIs are reached over TLS only)");
    }
    const std::string rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    HttpsEndpoint endpoint;
    endpoint.path = slash == std::string::npos ? "/" : rest.substr(slash);
    // [::1]:8443, 127.0.0.1:8443 or api.tibber.com
    std::string port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) {
            throw std::invalid_argument("'" + url + "': unclosed [ in the host");
        }
        endpoint.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') {
            port_text = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        endpoint.host = authority.substr(0, colon);
        if (colon != std::string::npos) {
            port_text = authority.substr(colon + 1);
        }
    }
    if (endpoint.host.empty()) {
        throw std::invalid_argument("'" + url + "' names no host");
    }
    if (!port_text.empty()) {
        int port = 0;
        auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (error != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
            throw std::invalid_argument("'" + url + "': '" + port_text + "' is not a port");
        }
        endpoint.port = port;
    }
    return endpoint;
}

}  // namespace evhil::http
