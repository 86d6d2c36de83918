#pragma once
// A broker's settings from YAML, the same keys wherever evchargerd or a scenario names a broker:
//
//   broker:
//     host: 127.0.0.1          # default 127.0.0.1
//     port: 1883               # default 1883, 8883 with tls
//     client_id: evchargerd    # default: the caller's
//     clean_session: true
//     username: evchargerd
//     password: secret         # or password_file: a file whose first line is the password
//     tls: true                # or a map: {ca_file, cert_file, key_file, insecure}
//     keepalive: 30s
//     connect_timeout: 10s
//     reconnect: {initial: 1s, maximum: 60s}

#include "drivers/core/config.hpp"
#include "drivers/transport/mqtt/mqtt_types.hpp"

namespace evhil::mqtt {

MqttSettings parse_mqtt_settings(const ConfigNode& node, MqttSettings defaults);

}  // namespace evhil::mqtt
