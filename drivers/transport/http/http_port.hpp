#pragma once
// How a price client reaches its API: one request, one answer, asynchronously. Two adapters implement it:
//  - HttpsClient (https_client.hpp): Boost.Beast over TLS with certificate and host name checks (wire, evchargerd,
//    which loads it as a module: https_module.hpp);
//  - the harness' in-process port into a price API simulator (harness/devices/tariffs/), on the sim target.
// The completion runs later on the executor, never inline and never on another thread.

#include <functional>
#include <optional>
#include <string>

#include "drivers/transport/http/http_types.hpp"

namespace evhil::http {

class HttpPort {
public:
    // `error`: no answer at all (refused, TLS failure, timeout, connection dropped); an HTTP error status is an answer.
    using Done = std::function<void(std::optional<std::string> error, HttpResponse response)>;
    virtual ~HttpPort() = default;
    virtual void request(HttpRequest request, Done done) = 0;
};

// Where an API lives: https://host[:port]/path.
struct HttpsEndpoint {
    std::string host;
    int port = 443;
    std::string path;  // the URL's path and query, "/" at least
};
// Throws std::invalid_argument for anything but an https:// URL with a host.
HttpsEndpoint parse_https_url(const std::string& url);

struct HttpsSettings {
    std::string host;
    int port = 443;
    std::string ca_file;    // empty: the system's certificate store
    bool insecure = false;  // no certificate or host name check: an explicit switch for a test bench only
    double timeout_s = 15;
};

}  // namespace evhil::http
