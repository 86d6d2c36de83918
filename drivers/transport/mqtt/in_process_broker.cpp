#include "drivers/transport/mqtt/in_process_broker.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>

#include "drivers/transport/mqtt/topic_filter.hpp"

namespace evhil::mqtt {

class InProcessConnection;

struct InProcessMqttBroker::Core : std::enable_shared_from_this<Core> {
    struct Session {
        std::map<std::string, int> subscriptions;  // filter -> granted QoS
        bool clean = true;
        InProcessConnection* connection = nullptr;
        std::string username;
        std::optional<MqttMessage> will;
        std::deque<MqttMessage> queued;  // QoS 1 while a persistent session's client is away
    };

    explicit Core(Executor& executor) : executor(executor) {}

    Executor& executor;
    bool running = true;
    bool closed = false;
    std::map<std::string, std::string> users;
    PublishAcl acl;
    PublishObserver observer;
    std::map<std::string, Session> sessions;
    std::map<std::string, MqttMessage> retained;
    std::uint64_t generated_ids = 0;

    void deliver(InProcessConnection& connection, MqttMessage message);
    void route(const std::string& from, const MqttMessage& message);
    void accept(const std::string& client_id, const std::string& username, const MqttMessage& message);
    void end(const std::string& client_id, bool clean, const std::string& reason);
};

class InProcessConnection final : public MqttTransport {
public:
    explicit InProcessConnection(std::shared_ptr<InProcessMqttBroker::Core> core) : core_(std::move(core)) {}
    ~InProcessConnection() override {
        if (connected_) {
            // Destroyed without DISCONNECT: to the broker that is a broken link, and the will goes out.
            core_->end(client_id_, false, "");
        }
    }

    void connect(const MqttSettings& settings, Connected done) override {
        std::weak_ptr<int> alive = alive_;
        core_->executor.post([this, alive, settings, done = std::move(done)] {
            if (alive.expired()) {
                return;
            }
            open(settings, done);
        });
    }

    void disconnect() override {
        if (connected_) {
            core_->end(client_id_, true, "");
        }
    }
    bool connected() const override { return connected_; }

    void subscribe(const std::string& filter, int qos, Done done) override {
        std::weak_ptr<int> alive = alive_;
        core_->executor.post([this, alive, filter, qos, done = std::move(done)] {
            if (alive.expired()) {
                return;
            }
            if (!connected_) {
                done("not connected");
                return;
            }
            if (auto error = topic_filter_error(filter)) {
                done(*error);
                return;
            }
            core_->sessions[client_id_].subscriptions[filter] = std::min(qos, 1);
            done(std::nullopt);
            // Retained messages follow the SUBACK, flagged as retained.
            for (const auto& [topic, message] : core_->retained) {
                if (topic_matches(filter, topic)) {
                    MqttMessage copy = message;
                    copy.qos = std::min(message.qos, std::min(qos, 1));
                    copy.retained = true;
                    core_->deliver(*this, copy);
                }
            }
        });
    }

    void unsubscribe(const std::string& filter) override {
        std::weak_ptr<int> alive = alive_;
        core_->executor.post([this, alive, filter] {
            if (!alive.expired() && connected_) {
                core_->sessions[client_id_].subscriptions.erase(filter);
            }
        });
    }

    void publish(const MqttMessage& message, Done done) override {
        std::weak_ptr<int> alive = alive_;
        core_->executor.post([this, alive, message, done = std::move(done)] {
            if (alive.expired()) {
                return;
            }
            if (!connected_) {
                done("not connected");
                return;
            }
            core_->accept(client_id_, username_, message);
            done(std::nullopt);
        });
    }

    // Called by the broker.
    void receive(const MqttMessage& message) {
        if (connected_ && on_message) {
            on_message(message);
        }
    }
    void detach(const std::string& reason) {
        connected_ = false;
        if (!reason.empty()) {
            std::weak_ptr<int> alive = alive_;
            core_->executor.post([this, alive, reason] {
                if (!alive.expired() && on_lost) {
                    on_lost(reason);
                }
            });
        }
    }
    std::weak_ptr<int> alive() const { return alive_; }

private:
    void open(const MqttSettings& settings, const Connected& done) {
        InProcessMqttBroker::Core& core = *core_;
        if (core.closed || !core.running) {
            done("connection refused: nothing listens on the broker's address", false);
            return;
        }
        if (!core.users.empty()) {
            auto user = core.users.find(settings.username);
            if (user == core.users.end() || user->second != settings.password) {
                done("not authorised: the broker refused the username or password (CONNACK 5)", false);
                return;
            }
        }
        std::string id = settings.client_id;
        if (id.empty()) {
            if (!settings.clean_session) {
                done("identifier rejected: a persistent session needs a client id (CONNACK 2)", false);
                return;
            }
            id = "auto-" + std::to_string(++core.generated_ids);
        }
        auto existing = core.sessions.find(id);
        if (existing != core.sessions.end() && existing->second.connection != nullptr) {
            core.end(id, false, "another connection took over the client id '" + id + "'");
            existing = core.sessions.find(id);
        }
        bool session_present = false;
        if (existing != core.sessions.end() && (settings.clean_session || existing->second.clean)) {
            core.sessions.erase(existing);
        } else if (existing != core.sessions.end()) {
            session_present = true;
        }
        InProcessMqttBroker::Core::Session& session = core.sessions[id];
        session.clean = settings.clean_session;
        session.connection = this;
        session.username = settings.username;
        session.will = settings.will;
        client_id_ = id;
        username_ = settings.username;
        connected_ = true;
        done(std::nullopt, session_present);
        std::deque<MqttMessage> queued;
        queued.swap(session.queued);
        for (MqttMessage& message : queued) {
            core.deliver(*this, std::move(message));
        }
    }

    std::shared_ptr<InProcessMqttBroker::Core> core_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    bool connected_ = false;
    std::string client_id_;
    std::string username_;
};

void InProcessMqttBroker::Core::deliver(InProcessConnection& connection, MqttMessage message) {
    std::weak_ptr<int> alive = connection.alive();
    executor.post([&connection, alive, message = std::move(message)] {
        if (!alive.expired()) {
            connection.receive(message);
        }
    });
}

void InProcessMqttBroker::Core::accept(const std::string& client_id, const std::string& username,
                                       const MqttMessage& message) {
    if (acl && !acl(username, message.topic)) {
        return;  // Mosquitto drops a denied MQTT 3.1.1 publish without telling the client
    }
    if (observer) {
        observer(client_id, message);
    }
    if (message.retained) {
        if (message.payload.empty()) {
            retained.erase(message.topic);
        } else {
            retained[message.topic] = message;
        }
    }
    route(client_id, message);
}

void InProcessMqttBroker::Core::route(const std::string& /*from*/, const MqttMessage& message) {
    for (auto& [id, session] : sessions) {
        for (const auto& [filter, granted] : session.subscriptions) {
            if (!topic_matches(filter, message.topic)) {
                continue;
            }
            MqttMessage copy = message;
            copy.qos = std::min(message.qos, granted);
            copy.retained = false;  // an established subscription gets it unflagged (MQTT 3.1.1, 3.3.1.3)
            if (session.connection != nullptr) {
                deliver(*session.connection, std::move(copy));
            } else if (!session.clean && copy.qos >= 1) {
                session.queued.push_back(std::move(copy));
            }
        }
    }
}

void InProcessMqttBroker::Core::end(const std::string& client_id, bool clean, const std::string& reason) {
    auto found = sessions.find(client_id);
    if (found == sessions.end() || found->second.connection == nullptr) {
        return;
    }
    Session& session = found->second;
    InProcessConnection* connection = session.connection;
    session.connection = nullptr;
    std::optional<MqttMessage> will = clean ? std::nullopt : session.will;
    std::string username = session.username;
    if (session.clean) {
        sessions.erase(found);
    }
    connection->detach(reason);
    if (will) {
        accept(client_id, username, *will);
    }
}

InProcessMqttBroker::InProcessMqttBroker(Executor& executor) : core_(std::make_shared<Core>(executor)) {}

InProcessMqttBroker::~InProcessMqttBroker() {
    stop();
    core_->closed = true;
}

std::unique_ptr<MqttTransport> InProcessMqttBroker::connection() {
    return std::make_unique<InProcessConnection>(core_);
}

void InProcessMqttBroker::add_user(const std::string& username, const std::string& password) {
    core_->users[username] = password;
}

void InProcessMqttBroker::set_publish_acl(PublishAcl acl) {
    core_->acl = std::move(acl);
}

void InProcessMqttBroker::set_publish_observer(PublishObserver observer) {
    core_->observer = std::move(observer);
}

void InProcessMqttBroker::stop() {
    if (!core_->running) {
        return;
    }
    core_->running = false;
    for (auto& [id, session] : core_->sessions) {
        if (session.connection != nullptr) {
            session.connection->detach("the broker closed the connection");
            session.connection = nullptr;
        }
    }
    core_->sessions.clear();
    core_->retained.clear();
}

void InProcessMqttBroker::start() {
    core_->running = true;
}

bool InProcessMqttBroker::running() const {
    return core_->running;
}

void InProcessMqttBroker::drop(const std::string& client_id) {
    core_->end(client_id, false, "the connection to the broker broke");
}

std::map<std::string, MqttMessage> InProcessMqttBroker::retained() const {
    return core_->retained;
}

std::size_t InProcessMqttBroker::connected_clients() const {
    return static_cast<std::size_t>(
        std::count_if(core_->sessions.begin(), core_->sessions.end(),
                      [](const auto& entry) { return entry.second.connection != nullptr; }));
}

bool InProcessMqttBroker::has_session(const std::string& client_id) const {
    return core_->sessions.count(client_id) != 0;
}

}  // namespace evhil::mqtt
