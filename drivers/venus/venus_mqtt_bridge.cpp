#include "drivers/venus/venus_mqtt_bridge.hpp"

#include <nlohmann/json.hpp>

#include "drivers/core/log.hpp"
#include "drivers/venus/bus_value_json.hpp"

namespace evhil::venus {
namespace {

using namespace std::chrono_literals;

constexpr const char* victron_prefix = "com.victronenergy.";

// "com.victronenergy.evcharger.garage" -> "evcharger" (dbus-flashmq's short service name).
std::string service_type(const std::string& name) {
    std::string rest = name.substr(std::string(victron_prefix).size());
    return rest.substr(0, rest.find('.'));
}

// The levels after "<W|R>/<portal>/": type, instance and the D-Bus path ("/" + the rest; "" when none).
struct Addressed {
    std::string type;
    std::string instance;
    std::string path;
};
std::optional<Addressed> address_of(const std::string& topic, std::size_t prefix_length) {
    std::string rest = topic.substr(prefix_length);
    std::size_t first = rest.find('/');
    if (first == std::string::npos || first == 0) {
        return std::nullopt;
    }
    Addressed out;
    out.type = rest.substr(0, first);
    std::size_t second = rest.find('/', first + 1);
    out.instance = rest.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    if (second != std::string::npos) {
        out.path = rest.substr(second);
    }
    if (out.instance.empty()) {
        return std::nullopt;
    }
    return out;
}

std::string value_payload(const ItemState& state) {
    return nlohmann::json{{"value", to_json_value(state.value)}}.dump();
}

// The instance of a service's topics: /DeviceInstance, else /Identifier, else 0; system and settings are always 0.
std::string instance_of(const std::string& type, const std::map<std::string, ItemState>& items) {
    if (type == "system" || type == "settings") {
        return "0";
    }
    for (const char* path : {"/DeviceInstance", "/Identifier"}) {
        auto found = items.find(path);
        if (found != items.end() && is_valid(found->second.value)) {
            double number = 0;
            if (as_number(found->second.value, number)) {
                return std::to_string(static_cast<std::int64_t>(number));
            }
            return python_str(found->second.value);
        }
    }
    return "0";
}

}  // namespace

VenusMqttBridge::VenusMqttBridge(Executor& executor, VenusBus& bus, mqtt::MqttClient& mqtt,
                                 VenusMqttBridgeSettings settings, Rng rng)
    : executor_(executor),
      bus_(bus),
      mqtt_(mqtt),
      settings_(std::move(settings)),
      bus_backoff_(BackoffSettings{1s, 30s, 2.0, 0.1}, rng),
      log_(log::get("venus.mqtt")),
      republish_tokens_(settings_.full_publishes_per_second) {
    if (settings_.portal_id.empty() || settings_.portal_id.find_first_of("/+#") != std::string::npos) {
        throw std::invalid_argument("the portal id '" + settings_.portal_id +
                                    "' cannot be used in a topic (12 lower-case hex digits on a GX)");
    }
}

VenusMqttBridge::~VenusMqttBridge() {
    stop();
}

void VenusMqttBridge::start() {
    if (running_) {
        return;
    }
    running_ = true;
    std::weak_ptr<int> token = alive_token_;
    const std::string portal = settings_.portal_id;
    subscriptions_.push_back(
        mqtt_.subscribe("W/" + portal + "/#", 0, [this](const mqtt::MqttMessage& message) { on_write(message); }));
    subscriptions_.push_back(
        mqtt_.subscribe("R/" + portal + "/#", 0, [this](const mqtt::MqttMessage& message) { on_read(message); }));
    mqtt_.add_connected_listener([this, token, portal] {
        if (!token.expired() && running_) {
            // Tells clients that this bridge keeps itself alive by keep-alives (dbus-flashmq does this at start).
            mqtt_.publish("N/" + portal + "/keepalive", "1", 0, false);
        }
    });
    mqtt_.add_lost_listener([this, token](const std::string&) {
        if (!token.expired()) {
            expire();
        }
    });
    mqtt_.start();
    connect_bus();
}

void VenusMqttBridge::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    expire();
    for (auto id : subscriptions_) {
        mqtt_.unsubscribe(id);
    }
    subscriptions_.clear();
    if (bus_retry_) {
        executor_.cancel(*bus_retry_);
        bus_retry_.reset();
    }
    bus_.on_lost = nullptr;
    bus_.disconnect();
    services_.clear();
    watched_.clear();
}

void VenusMqttBridge::connect_bus() {
    bus_retry_.reset();
    std::weak_ptr<int> token = alive_token_;
    bus_.on_lost = [this, token](const std::string& reason) {
        if (!token.expired()) {
            bus_lost(reason);
        }
    };
    bus_.connect([this, token](std::optional<std::string> error) {
        if (token.expired() || !running_) {
            return;
        }
        if (error) {
            log_->error("cannot connect to {}: {}", bus_.describe(), *error);
            bus_retry_ = executor_.schedule_after(bus_backoff_.next_delay(), [this] { connect_bus(); });
            return;
        }
        bus_backoff_.reset();
        bus_.watch_names(victron_prefix, [this](const std::string& name, bool present) {
            present ? add_service(name) : remove_service(name);
        });
        bus_.list_names([this](const std::vector<std::string>& names, const std::optional<std::string>& list_error) {
            if (list_error) {
                log_->error("cannot list the names on {}: {}", bus_.describe(), *list_error);
                return;
            }
            for (const std::string& name : names) {
                if (name.rfind(victron_prefix, 0) == 0 && services_.count(name) == 0) {
                    add_service(name);
                }
            }
        });
    });
}

void VenusMqttBridge::bus_lost(const std::string& reason) {
    log_->warn("lost {}: {}; every service is gone until it is back", bus_.describe(), reason);
    std::vector<std::string> names;
    for (const auto& [name, service] : services_) {
        names.push_back(name);
    }
    for (const std::string& name : names) {
        remove_service(name);
    }
    watched_.clear();
    if (running_) {
        bus_retry_ = executor_.schedule_after(bus_backoff_.next_delay(), [this] { connect_bus(); });
    }
}

void VenusMqttBridge::add_service(const std::string& name) {
    Service& service = services_[name];
    service = Service{};
    service.type = service_type(name);
    service.epoch = ++epochs_;
    if (watched_.insert(name).second) {
        bus_.watch(name,
                   [this, name](const std::string& path, const ItemState& state) { on_change(name, path, state); });
    }
    bus_.get_items(name, [this, name, epoch = service.epoch](std::optional<std::map<std::string, ItemState>> items,
                                                             const std::optional<std::string>& error) {
        if (error) {
            log_->warn("cannot read {}: {}", name, *error);
            return;
        }
        on_items(name, epoch, std::move(*items));
    });
}

void VenusMqttBridge::on_items(const std::string& name, std::uint64_t epoch, std::map<std::string, ItemState> items) {
    auto found = services_.find(name);
    if (found == services_.end() || found->second.epoch != epoch) {
        return;
    }
    Service& service = found->second;
    service.items = std::move(items);
    service.instance = instance_of(service.type, service.items);
    service.read = true;
    log_->info("mirroring {} as {}/{} ({} paths)", name, service.type, service.instance, service.items.size());
    for (const auto& [path, state] : service.items) {
        publish_item(service, path, state);
    }
}

void VenusMqttBridge::remove_service(const std::string& name) {
    auto found = services_.find(name);
    if (found == services_.end()) {
        return;
    }
    Service service = std::move(found->second);
    services_.erase(found);
    if (!service.read) {
        return;
    }
    for (const auto& [path, state] : service.items) {
        publish_empty(service, path);
    }
}

void VenusMqttBridge::on_change(const std::string& name, const std::string& path, const ItemState& state) {
    auto found = services_.find(name);
    if (found == services_.end() || !found->second.read) {
        return;  // GetItems is under way and brings the value
    }
    found->second.items[path] = state;
    publish_item(found->second, path, state);
}

std::string VenusMqttBridge::topic_of(const Service& service, const std::string& path) const {
    return "N/" + settings_.portal_id + "/" + service.type + "/" + service.instance + path;
}

void VenusMqttBridge::publish_item(const Service& service, const std::string& path, const ItemState& state) {
    std::string topic = topic_of(service, path);
    if (service.type == "system" && path == "/Serial") {
        // The one retained topic, published whether alive or not: how clients find the portal id.
        mqtt_.retain(topic, value_payload(state), 0);
        ++stats_.published;
        return;
    }
    if (alive_ && mqtt_.publish(topic, value_payload(state))) {
        ++stats_.published;
    }
}

void VenusMqttBridge::publish_empty(const Service& service, const std::string& path) {
    std::string topic = topic_of(service, path);
    if (service.type == "system" && path == "/Serial") {
        mqtt_.retain(topic, "");
        return;
    }
    if (alive_ && mqtt_.publish(topic, "")) {
        ++stats_.published;
    }
}

const std::string* VenusMqttBridge::service_named(const std::string& type, const std::string& instance) const {
    for (const auto& [name, service] : services_) {
        if (service.read && service.type == type && service.instance == instance) {
            return &name;
        }
    }
    return nullptr;
}

void VenusMqttBridge::on_write(const mqtt::MqttMessage& message) {
    ++stats_.writes;
    auto refuse = [&](const std::string& why) {
        ++stats_.refused_writes;
        log_->warn("refused the write on {}: {}", message.topic, why);
    };
    auto address = address_of(message.topic, 3 + settings_.portal_id.size());
    if (!address || address->path.empty()) {
        refuse("the topic names no service and path (W/<portal>/<type>/<instance>/<path>)");
        return;
    }
    nlohmann::json payload = nlohmann::json::parse(message.payload, nullptr, false);
    if (payload.is_discarded() || !payload.is_object()) {
        refuse("the payload is not a JSON object like {\"value\": 16}");
        return;
    }
    auto value_field = payload.find("value");
    if (value_field == payload.end()) {
        refuse("the payload has no \"value\"");
        return;
    }
    std::string error;
    std::optional<BusValue> value = from_json_value(*value_field, error);
    if (!value) {
        refuse(error);
        return;
    }
    const std::string* name = service_named(address->type, address->instance);
    if (name == nullptr) {
        refuse("no service " + address->type + "/" + address->instance + " on the bus");
        return;
    }
    bus_.set_value(*name, address->path, *value,
                   [this, topic = message.topic](std::optional<SetValueResult> result,
                                                 const std::optional<std::string>& set_error) {
                       if (set_error) {
                           log_->warn("the write on {} failed: {}", topic, *set_error);
                       } else if (result && *result != SetValueResult::accepted) {
                           log_->info("the write on {} was refused with {}", topic, static_cast<int>(*result));
                       }
                   });
}

void VenusMqttBridge::on_read(const mqtt::MqttMessage& message) {
    const std::string prefix = "R/" + settings_.portal_id + "/";
    std::string rest = message.topic.substr(prefix.size());
    if (rest == "keepalive" || rest == "system/0/Serial") {
        keepalive(message.payload);
        return;
    }
    ++stats_.reads;
    auto address = address_of(message.topic, prefix.size());
    const std::string* name = address ? service_named(address->type, address->instance) : nullptr;
    if (name == nullptr) {
        log_->debug("a read of {} names no service on the bus", message.topic);
        return;
    }
    std::string path = address->path;
    std::string service_name = *name;
    // A fresh read from the bus, then a forced publish of every leaf at or below the path.
    bus_.get_items(service_name, [this, service_name, path](std::optional<std::map<std::string, ItemState>> items,
                                                            const std::optional<std::string>& error) {
        auto found = services_.find(service_name);
        if (error || found == services_.end() || !found->second.read) {
            return;
        }
        Service& service = found->second;
        for (const auto& [leaf, state] : *items) {
            service.items[leaf] = state;
            bool below = path.empty() || leaf == path || leaf.rfind(path + "/", 0) == 0;
            if (below) {
                std::string topic = topic_of(service, leaf);
                if (service.type == "system" && leaf == "/Serial") {
                    mqtt_.retain(topic, value_payload(state), 0);
                } else {
                    mqtt_.publish(topic, value_payload(state));
                }
                ++stats_.published;
            }
        }
    });
}

bool VenusMqttBridge::take_republish_token() {
    if (executor_.now() - tokens_refilled_ >= 1s) {
        republish_tokens_ = settings_.full_publishes_per_second;
        tokens_refilled_ = executor_.now();
    }
    if (republish_tokens_ <= 0) {
        return false;
    }
    --republish_tokens_;
    return true;
}

void VenusMqttBridge::keepalive(const std::string& payload) {
    ++stats_.keepalives;
    if (expiry_) {
        executor_.cancel(*expiry_);
    }
    expiry_ = executor_.schedule_after(settings_.keepalive_window, [this] {
        expiry_.reset();
        expire();
    });
    if (!alive_) {
        alive_ = true;
        heartbeat();
        heartbeat_ = executor_.schedule_every(settings_.heartbeat_period, [this] { heartbeat(); });
    }
    // dbus-flashmq tests the raw payload for the substring, so an empty or non-JSON payload asks for a republish.
    if (payload.find("suppress-republish") != std::string::npos) {
        return;
    }
    if (!take_republish_token()) {
        ++stats_.rate_limited;
        log_->debug("a keep-alive's full republish was rate limited");
        return;
    }
    std::optional<std::string> echo;
    nlohmann::json options = nlohmann::json::parse(payload, nullptr, false);
    if (options.is_object() && options.contains("keepalive-options") && options["keepalive-options"].is_array()) {
        for (const auto& option : options["keepalive-options"]) {
            if (option.is_object() && option.contains("full-publish-completed-echo") &&
                option["full-publish-completed-echo"].is_string()) {
                echo = option["full-publish-completed-echo"].get<std::string>();
            }
        }
    }
    full_publish(echo);
}

void VenusMqttBridge::full_publish(const std::optional<std::string>& echo) {
    ++stats_.full_publishes;
    for (const auto& [name, service] : services_) {
        if (!service.read) {
            continue;
        }
        for (const auto& [path, state] : service.items) {
            if (service.type == "system" && path == "/Serial") {
                mqtt_.retain(topic_of(service, path), value_payload(state), 0);
            } else {
                mqtt_.publish(topic_of(service, path), value_payload(state));
            }
            ++stats_.published;
        }
    }
    nlohmann::json completed{{"value", static_cast<std::int64_t>(unix_now())}};
    if (echo) {
        // UNCONFIRMED key name: dbus-flashmq echoes the token in this message; the key is taken to be the option's.
        completed["full-publish-completed-echo"] = *echo;
    }
    mqtt_.publish("N/" + settings_.portal_id + "/full_publish_completed", completed.dump());
}

void VenusMqttBridge::heartbeat() {
    mqtt_.publish("N/" + settings_.portal_id + "/heartbeat",
                  nlohmann::json{{"value", static_cast<std::int64_t>(unix_now())}}.dump());
}

void VenusMqttBridge::expire() {
    alive_ = false;
    for (auto* timer : {&expiry_, &heartbeat_}) {
        if (*timer) {
            executor_.cancel(**timer);
            timer->reset();
        }
    }
}

std::size_t VenusMqttBridge::topics() const {
    std::size_t count = 0;
    for (const auto& [name, service] : services_) {
        count += service.items.size();
    }
    return count;
}

double VenusMqttBridge::unix_now() const {
    return std::chrono::duration<double>(executor_.now().time_since_epoch()).count();
}

}  // namespace evhil::venus
