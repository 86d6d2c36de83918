#pragma once
// A Modbus TCP endpoint as configuration writes it: {host, port, connect_timeout, response_timeout}; host defaults
// to 127.0.0.1.

#include <string>
#include <vector>

#include "drivers/core/config.hpp"
#include "drivers/transport/modbus/tcp_client.hpp"

namespace evhil::modbus {

inline const std::vector<std::string>& tcp_endpoint_keys() {
    static const std::vector<std::string> keys{"host", "port", "connect_timeout", "response_timeout"};
    return keys;
}

// Reads the endpoint keys of `node`; the caller checks which keys are allowed (a device may add its own).
inline TcpClientSettings parse_tcp_endpoint(const ConfigNode& node, std::uint16_t default_port) {
    using namespace std::chrono_literals;
    TcpClientSettings settings;
    settings.host = node.get_string("host", settings.host);
    settings.port = static_cast<std::uint16_t>(node.get_int("port", default_port, 1, 65535));
    settings.connect_timeout = node.get_duration("connect_timeout", settings.connect_timeout, 100ms, 1min);
    settings.response_timeout = node.get_duration("response_timeout", settings.response_timeout, 100ms, 1min);
    return settings;
}

}  // namespace evhil::modbus
