#include "drivers/transport/mqtt/mqtt_client.hpp"

#include <algorithm>

#include "drivers/core/log.hpp"
#include "drivers/transport/mqtt/topic_filter.hpp"

namespace evhil::mqtt {

std::string MqttSettings::describe() const {
    std::string where = (tls.enabled ? "mqtts://" : "mqtt://") +
                        (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
    if (!username.empty()) {
        where += " as " + username;
    }
    return where;
}

MqttClient::MqttClient(Executor& executor, std::unique_ptr<MqttTransport> transport, MqttSettings settings, Rng rng,
                       const std::string& log_name)
    : executor_(executor),
      transport_(std::move(transport)),
      settings_(std::move(settings)),
      backoff_(settings_.reconnect, rng),
      log_(log::get(log_name)) {
    transport_->on_message = [this](const MqttMessage& message) { dispatch(message); };
    transport_->on_lost = [this](const std::string& reason) { on_lost(reason); };
}

MqttClient::~MqttClient() {
    stop();
    transport_->on_message = nullptr;
    transport_->on_lost = nullptr;
}

void MqttClient::start() {
    if (running_) {
        return;
    }
    running_ = true;
    attempt();
}

void MqttClient::stop() {
    running_ = false;
    if (retry_) {
        executor_.cancel(*retry_);
        retry_.reset();
    }
    if (connected_ || attempting_) {
        transport_->disconnect();
    }
    connected_ = false;
    attempting_ = false;
}

void MqttClient::attempt() {
    retry_.reset();
    if (!running_ || attempting_ || connected_) {
        return;
    }
    attempting_ = true;
    std::weak_ptr<int> alive = alive_;
    transport_->connect(settings_, [this, alive](std::optional<std::string> error, bool /*session_present*/) {
        if (alive.expired()) {
            return;
        }
        on_attempt(std::move(error));
    });
}

void MqttClient::on_attempt(std::optional<std::string> error) {
    if (!attempting_) {
        return;  // stopped meanwhile
    }
    attempting_ = false;
    if (error) {
        ++stats_.failed_attempts;
        report_failure(*error);
        schedule_retry();
        return;
    }
    connected_ = true;
    ++stats_.connects;
    backoff_.reset();
    last_error_.clear();
    last_logged_failure_.clear();
    log_->info("connected to {}", settings_.describe());
    // Subscribing again even when the broker kept a persistent session costs one SUBACK each and covers a broker that
    // lost its state while saying otherwise.
    std::vector<std::string> filters;
    for (const auto& [id, subscription] : subscriptions_) {
        if (std::find(filters.begin(), filters.end(), subscription.filter) == filters.end()) {
            filters.push_back(subscription.filter);
        }
    }
    for (const std::string& filter : filters) {
        send_subscribe(filter, filter_qos(filter));
    }
    for (const auto& [topic, payload] : retained_) {
        transport_->publish({topic, payload, retained_qos_[topic], true}, [](auto) {});
        ++stats_.published;
    }
    for (const std::string& topic : removed_while_away_) {
        transport_->publish({topic, "", 1, true}, [](auto) {});
        ++stats_.published;
    }
    removed_while_away_.clear();
    for (const auto& listener : std::vector(connected_listeners_)) {
        listener();
    }
}

void MqttClient::on_lost(const std::string& reason) {
    if (!connected_) {
        return;
    }
    connected_ = false;
    in_flight_ = 0;  // what was under way went with the connection
    ++stats_.losses;
    last_error_ = reason;
    log_->warn("lost the connection to {}: {}", settings_.describe(), reason);
    for (const auto& listener : std::vector(lost_listeners_)) {
        listener(reason);
    }
    schedule_retry();
}

void MqttClient::report_failure(const std::string& reason) {
    last_error_ = reason;
    if (reason != last_logged_failure_) {
        log_->error("cannot connect to {}: {} (retrying with back-off)", settings_.describe(), reason);
        last_logged_failure_ = reason;
    }
}

void MqttClient::schedule_retry() {
    if (!running_ || retry_) {
        return;
    }
    retry_ = executor_.schedule_after(backoff_.next_delay(), [this] { attempt(); });
}

void MqttClient::dispatch(const MqttMessage& message) {
    ++stats_.received;
    std::vector<MessageHandler> matching;
    for (const auto& [id, subscription] : subscriptions_) {
        if (topic_matches(subscription.filter, message.topic)) {
            matching.push_back(subscription.handler);
        }
    }
    // Copies: a handler may subscribe or unsubscribe.
    for (const MessageHandler& handler : matching) {
        handler(message);
    }
}

int MqttClient::filter_qos(const std::string& filter) const {
    int qos = 0;
    for (const auto& [id, subscription] : subscriptions_) {
        if (subscription.filter == filter) {
            qos = std::max(qos, subscription.qos);
        }
    }
    return qos;
}

void MqttClient::send_subscribe(const std::string& filter, int qos) {
    std::weak_ptr<int> alive = alive_;
    transport_->subscribe(filter, qos, [this, alive, filter](std::optional<std::string> error) {
        if (!alive.expired() && error) {
            log_->error("cannot subscribe to '{}' on {}: {}", filter, settings_.describe(), *error);
        }
    });
}

MqttClient::SubscriptionId MqttClient::subscribe(const std::string& filter, int qos, MessageHandler handler) {
    if (auto error = topic_filter_error(filter)) {
        throw std::invalid_argument(*error);
    }
    bool new_filter =
        filter_qos(filter) < qos || std::none_of(subscriptions_.begin(), subscriptions_.end(),
                                                 [&](const auto& entry) { return entry.second.filter == filter; });
    SubscriptionId id = next_id_++;
    subscriptions_[id] = {filter, qos, std::move(handler)};
    if (connected_ && new_filter) {
        send_subscribe(filter, filter_qos(filter));
    }
    return id;
}

void MqttClient::unsubscribe(SubscriptionId id) {
    auto found = subscriptions_.find(id);
    if (found == subscriptions_.end()) {
        return;
    }
    std::string filter = found->second.filter;
    subscriptions_.erase(found);
    bool still_wanted = std::any_of(subscriptions_.begin(), subscriptions_.end(),
                                    [&](const auto& entry) { return entry.second.filter == filter; });
    if (connected_ && !still_wanted) {
        transport_->unsubscribe(filter);
    }
}

bool MqttClient::publish(const std::string& topic, std::string payload, int qos, bool retain) {
    if (auto error = topic_name_error(topic)) {
        throw std::invalid_argument(*error);
    }
    if (!connected_) {
        ++stats_.dropped;
        return false;
    }
    ++stats_.published;
    ++in_flight_;
    std::weak_ptr<int> alive = alive_;
    transport_->publish({topic, std::move(payload), qos, retain},
                        [this, alive, topic](std::optional<std::string> error) {
                            if (alive.expired()) {
                                return;
                            }
                            in_flight_ -= in_flight_ > 0 ? 1 : 0;
                            if (error) {
                                log_->warn("publish to '{}' on {} failed: {}", topic, settings_.describe(), *error);
                            }
                        });
    return true;
}

void MqttClient::retain(const std::string& topic, std::string payload, int qos) {
    if (auto error = topic_name_error(topic)) {
        throw std::invalid_argument(*error);
    }
    if (payload.empty()) {
        retained_.erase(topic);
        retained_qos_.erase(topic);
        if (!connected_) {
            removed_while_away_.insert(topic);  // cleared on the broker at the next connect
            return;
        }
    } else {
        removed_while_away_.erase(topic);
        retained_[topic] = payload;
        retained_qos_[topic] = qos;
    }
    if (connected_) {
        publish(topic, std::move(payload), qos, true);
    }
}

}  // namespace evhil::mqtt
