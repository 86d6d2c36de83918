#pragma once
// The real MQTT adapter: paho-mqtt-cpp's asynchronous client (MQTT 3.1.1, TCP or TLS). paho runs its own threads; every
// callback of theirs only posts into the executor, where the transport's handlers run. paho's automatic reconnect is
// off: MqttClient owns reconnecting, with the run's seeded back-off.
//
// A failed connect says why in words: the CONNACK code (wrong username or password, not authorised), "connection
// refused" for a closed port, and for TLS the OpenSSL reason paho reports (a certificate that does not verify, a
// host name that does not match). paho-mqtt-c serves every client of a process from one receive thread whose select()
// picks up a new socket only at its next timeout, so a second client's connect takes about a second longer than the
// first; messages on an established connection are not delayed. Covered by tests/integration/mqtt_paho_test.cpp against
// a real Mosquitto.

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/mqtt/mqtt_transport.hpp"

namespace mqtt {
class async_client;
class iaction_listener;
}  // namespace mqtt

namespace evhil::mqtt {

class PahoMqttTransport final : public MqttTransport {
public:
    explicit PahoMqttTransport(Executor& executor);
    ~PahoMqttTransport() override;
    PahoMqttTransport(const PahoMqttTransport&) = delete;
    PahoMqttTransport& operator=(const PahoMqttTransport&) = delete;

    void connect(const MqttSettings& settings, Connected done) override;
    void disconnect() override;
    bool connected() const override { return connected_; }
    void subscribe(const std::string& filter, int qos, Done done) override;
    void unsubscribe(const std::string& filter) override;
    void publish(const MqttMessage& message, Done done) override;

    struct Shared;

private:
    void release_client();
    void operation(const char* what, const Done& done, const std::function<void(::mqtt::iaction_listener&)>& begin);

    Executor& executor_;
    std::shared_ptr<Shared> shared_;
    std::unique_ptr<::mqtt::async_client> client_;
    bool connected_ = false;
};

}  // namespace evhil::mqtt
