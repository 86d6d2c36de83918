#pragma once
// Why a TLS connection to a broker fails, in words. paho reports a failed TLS connect only as "failure" (its OpenSSL
// error callback is unusable in paho-mqtt-cpp 1.2: the callback's context dangles once the options are copied), so
// after such a failure the adapter makes one handshake of its own with the same CA, client certificate and host name
// check, through Boost.Asio's OpenSSL stream on the executor, and reports what OpenSSL said: "certificate verify
// failed: self-signed certificate in certificate chain", "hostname mismatch", "connection refused".

#include <functional>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/mqtt_types.hpp"

namespace evhil::mqtt {

// `done(reason)` runs on the executor; an empty reason: the handshake succeeded after all.
void probe_tls(Executor& executor, const MqttSettings& settings, std::function<void(std::string reason)> done);

}  // namespace evhil::mqtt
