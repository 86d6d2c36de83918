#pragma once
// One HTTP exchange as the price clients and the price API simulators see it, whatever carries it: Boost.Beast over
// TLS on the wire target and in evchargerd, a direct call into the simulator on the sim target (http_port.hpp).

#include <map>
#include <string>

namespace evhil::http {

struct HttpRequest {
    std::string method = "GET";
    std::string target;                          // path and query, e.g. /v1/products/X/...?period_from=...
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
};

struct HttpResponse {
    int status = 0;
    std::string content_type = "application/json";
    std::string body;
};

}  // namespace evhil::http
