#include "drivers/transport/mqtt/paho_transport.hpp"

#include <mqtt/async_client.h>

#include "drivers/transport/mqtt/tls_probe.hpp"

#include <chrono>
#include <utility>

namespace evhil::mqtt {

// What paho's threads may touch: the executor to post into, the last TLS reason, and which paho client is current.
struct PahoMqttTransport::Shared : std::enable_shared_from_this<Shared> {
    explicit Shared(Executor& executor) : executor(executor) {}
    Executor& executor;
    std::mutex mutex;
    bool alive = true;             // written on the executor under the lock; false once the transport is gone
    std::uint64_t generation = 0;  // the current paho client; a late callback of a replaced one is ignored

    void post(std::uint64_t from, std::function<void()> task) {
        std::lock_guard lock(mutex);
        if (!alive || from != generation) {
            return;
        }
        executor.post([self = shared_from_this(), from, task = std::move(task)] {
            if (self->alive && self->generation == from) {
                task();
            }
        });
    }
};

namespace {

constexpr int max_queued_messages = 50000;

struct Outcome {
    bool ok = false;
    int code = 0;
    std::string message;
    bool session_present = false;
};

// One asynchronous operation's outcome, handed to the executor. paho holds a reference to the listener until the
// operation ends, so it deletes itself after its one callback. An operation whose paho client is destroyed before it
// ends is never called back and its listener is not freed: a few bytes at shutdown, chosen over freeing a listener
// that a paho thread might be calling at that moment.
class OneShot final : public ::mqtt::iaction_listener {
public:
    OneShot(std::shared_ptr<PahoMqttTransport::Shared> shared, std::uint64_t generation,
            std::function<void(const Outcome&)> handler)
        : shared_(std::move(shared)), generation_(generation), handler_(std::move(handler)) {}

    void on_success(const ::mqtt::token& token) override {
        Outcome outcome{true, 0, {}, false};
        if (token.get_type() == ::mqtt::token::CONNECT) {
            outcome.session_present = token.get_connect_response().is_session_present();
        }
        finish(outcome);
    }
    void on_failure(const ::mqtt::token& token) override {
        finish({false, token.get_return_code(), ::mqtt::exception::error_str(token.get_return_code()), false});
    }

private:
    void finish(const Outcome& outcome) {
        shared_->post(generation_, [handler = std::move(handler_), outcome] { handler(outcome); });
        delete this;
    }

    std::shared_ptr<PahoMqttTransport::Shared> shared_;
    std::uint64_t generation_;
    std::function<void(const Outcome&)> handler_;
};

// CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3), which paho passes on as the failure's code.
std::string connect_failure(const Outcome& outcome, const std::string& tls_reason) {
    switch (outcome.code) {
        case 1:
            return "the broker refused the protocol version (CONNACK 1)";
        case 2:
            return "the broker rejected the client id (CONNACK 2)";
        case 3:
            return "the broker is unavailable (CONNACK 3)";
        case 4:
            return "the broker refused the username or password (CONNACK 4)";
        case 5:
            return "not authorised: the broker refused the username or password (CONNACK 5)";
        default:
            break;
    }
    if (!tls_reason.empty()) {
        return "TLS connection failed: " + tls_reason;
    }
    std::string said = outcome.message.empty() ? "" : ": " + outcome.message;
    return "connection refused or timed out (paho code " + std::to_string(outcome.code) + said + ")";
}

std::string server_uri(const MqttSettings& settings) {
    std::string host = settings.host.find(':') != std::string::npos ? "[" + settings.host + "]" : settings.host;
    return (settings.tls.enabled ? "ssl://" : "tcp://") + host + ":" + std::to_string(settings.port);
}

::mqtt::connect_options connect_options(const MqttSettings& settings) {
    ::mqtt::connect_options options;
    options.set_mqtt_version(MQTTVERSION_3_1_1);
    options.set_clean_session(settings.clean_session);
    options.set_keep_alive_interval(std::chrono::duration_cast<std::chrono::seconds>(settings.keepalive));
    options.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(settings.connect_timeout));
    options.set_automatic_reconnect(false);
    if (!settings.username.empty()) {
        options.set_user_name(settings.username);
        options.set_password(settings.password);
    }
    if (settings.will) {
        options.set_will(::mqtt::will_options(settings.will->topic, settings.will->payload, settings.will->qos,
                                              settings.will->retained));
    }
    if (settings.tls.enabled) {
        ::mqtt::ssl_options ssl;
        if (!settings.tls.ca_file.empty()) {
            ssl.set_trust_store(settings.tls.ca_file);
        }
        if (!settings.tls.cert_file.empty()) {
            ssl.set_key_store(settings.tls.cert_file);
        }
        if (!settings.tls.key_file.empty()) {
            ssl.set_private_key(settings.tls.key_file);
        }
        ssl.set_enable_server_cert_auth(!settings.tls.insecure);
        ssl.set_verify(!settings.tls.insecure);  // the host name check
        options.set_ssl(std::move(ssl));
    }
    return options;
}

}  // namespace

PahoMqttTransport::PahoMqttTransport(Executor& executor)
    : executor_(executor), shared_(std::make_shared<Shared>(executor)) {}

PahoMqttTransport::~PahoMqttTransport() {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->alive = false;
    }
    if (client_ && connected_) {
        try {
            client_->disconnect();
        } catch (const ::mqtt::exception&) {
        }
    }
    release_client();
}

void PahoMqttTransport::release_client() {
    if (!client_) {
        return;
    }
    // No-ops rather than empty handlers: paho's callback thread may be about to call the old one (a broker that just
    // went away), and calling an empty std::function throws on that thread and aborts the process. evchargerd exited
    // 134 on SIGTERM once in CI, right after a broker restart.
    client_->set_connection_lost_handler([](const std::string&) {});
    client_->set_message_callback([](const ::mqtt::const_message_ptr&) {});
    client_.reset();
}

void PahoMqttTransport::connect(const MqttSettings& settings, Connected done) {
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        generation = ++shared_->generation;
    }
    release_client();
    connected_ = false;
    try {
        // No persistence: a restarted daemon republishes its state instead of replaying old messages.
        // paho queues at most maxBufferedMessages commands even while connected (100 by default): a bridge's full
        // republish of a GX tree hands it thousands at once, which would fail with MQTT error -12.
        ::mqtt::create_options create(MQTTVERSION_3_1_1, max_queued_messages);
        client_ = std::make_unique<::mqtt::async_client>(server_uri(settings), settings.client_id, create,
                                                         static_cast<::mqtt::iclient_persistence*>(nullptr));
    } catch (const ::mqtt::exception& error) {
        executor_.post([done = std::move(done), what = std::string(error.what())] { done(what, false); });
        return;
    }
    std::shared_ptr<Shared> shared = shared_;
    client_->set_connection_lost_handler([this, shared, generation](const std::string& cause) {
        shared->post(generation, [this, cause] {
            connected_ = false;
            if (on_lost) {
                on_lost(cause.empty() ? "the connection to the broker broke" : cause);
            }
        });
    });
    client_->set_message_callback([this, shared, generation](const ::mqtt::const_message_ptr& message) {
        MqttMessage copy{message->get_topic(), message->to_string(), message->get_qos(), message->is_retained()};
        shared->post(generation, [this, copy = std::move(copy)] {
            if (on_message) {
                on_message(copy);
            }
        });
    });
    auto finished = std::make_shared<Connected>(std::move(done));
    auto* listener = new OneShot(shared_, generation, [this, finished, settings](const Outcome& outcome) {
        const Connected& done = *finished;
        if (!outcome.ok && settings.tls.enabled && outcome.code < 0) {
            // paho says only "failure": ask OpenSSL through a handshake of our own why.
            probe_tls(executor_, settings,
                      [finished, outcome, alive = std::weak_ptr<Shared>(shared_)](const std::string& why) {
                          if (!alive.expired()) {
                              (*finished)(connect_failure(outcome, why), false);
                          }
                      });
            return;
        }
        if (!outcome.ok) {
            done(connect_failure(outcome, ""), false);
            return;
        }
        connected_ = true;
        done(std::nullopt, outcome.session_present);
    });
    try {
        client_->connect(connect_options(settings), nullptr, *listener);
    } catch (const ::mqtt::exception& error) {
        delete listener;
        executor_.post([finished, what = std::string(error.what())] { (*finished)(what, false); });
    }
}

void PahoMqttTransport::disconnect() {
    if (!client_) {
        return;
    }
    {
        std::lock_guard lock(shared_->mutex);
        ++shared_->generation;  // nothing of this connection reaches the handlers any more
    }
    if (connected_) {
        try {
            client_->disconnect();
        } catch (const ::mqtt::exception&) {
        }
    }
    connected_ = false;
}

// Starts one paho operation with `begin(listener)` and reports its outcome to `done` on the executor; `what` names
// the operation in the error ("SUBSCRIBE failed: ...").
void PahoMqttTransport::operation(const char* what, const Done& done,
                                  const std::function<void(::mqtt::iaction_listener&)>& begin) {
    if (!client_ || !connected_) {
        executor_.post([done] { done("not connected"); });
        return;
    }
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        generation = shared_->generation;
    }
    auto* listener = new OneShot(shared_, generation, [done, what](const Outcome& outcome) {
        done(outcome.ok ? std::nullopt : std::optional<std::string>(std::string(what) + " failed: " + outcome.message));
    });
    try {
        begin(*listener);
    } catch (const ::mqtt::exception& error) {
        delete listener;
        executor_.post([done, error_text = std::string(error.what())] { done(error_text); });
    }
}

void PahoMqttTransport::subscribe(const std::string& filter, int qos, Done done) {
    operation("SUBSCRIBE", done,
              [&](::mqtt::iaction_listener& listener) { client_->subscribe(filter, qos, nullptr, listener); });
}

void PahoMqttTransport::unsubscribe(const std::string& filter) {
    if (!client_ || !connected_) {
        return;
    }
    try {
        client_->unsubscribe(filter);
    } catch (const ::mqtt::exception&) {
    }
}

void PahoMqttTransport::publish(const MqttMessage& message, Done done) {
    if (message.qos == 0 && client_ && connected_) {
        // QoS 0 has nothing to acknowledge: done once paho has it, without a listener and a hop back per message
        // (a bridge's full republish is a thousand of them at once).
        try {
            client_->publish(::mqtt::make_message(message.topic, message.payload, 0, message.retained));
            executor_.post([done = std::move(done)] { done(std::nullopt); });
        } catch (const ::mqtt::exception& error) {
            executor_.post([done = std::move(done), what = std::string(error.what())] { done(what); });
        }
        return;
    }
    operation("PUBLISH", done, [&](::mqtt::iaction_listener& listener) {
        client_->publish(::mqtt::make_message(message.topic, message.payload, message.qos, message.retained), nullptr,
                         listener);
    });
}

}  // namespace evhil::mqtt
