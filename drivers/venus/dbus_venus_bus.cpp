#include "drivers/venus/dbus_venus_bus.hpp"

#include <sdbus-c++/sdbus-c++.h>

namespace evhil::venus {

namespace {
using VariantDict = std::map<std::string, sdbus::Variant>;

ItemState state_from(const VariantDict& change) {
    ItemState state;
    if (auto value = change.find("Value"); value != change.end()) {
        state.value = from_variant(value->second).value_or(BusValue{Invalid{}});
    }
    if (auto text = change.find("Text"); text != change.end() && text->second.peekValueType() == "s") {
        state.text = text->second.get<std::string>();
    }
    return state;
}
}  // namespace

DbusVenusBus::DbusVenusBus(Executor& executor, const std::string& address, bool watch_signals)
    : executor_(executor), address_(address), connection_(executor, address), watch_signals_(watch_signals) {
    connection_.on_lost = [this](const std::string& reason) { lost(reason); };
}

// Any of the connections broke: all of them go (on the next task, not inside the broken connection's own
// handler), and the owner is told once.
void DbusVenusBus::lost(const std::string& reason) {
    if (lost_posted_) {
        return;
    }
    lost_posted_ = true;
    executor_.post([this, session = std::weak_ptr<int>(session_), reason] {
        if (session.expired()) {
            return;
        }
        lost_posted_ = false;
        disconnect();
        if (on_lost) {
            on_lost(reason);
        }
    });
}

DbusVenusBus::~DbusVenusBus() {
    disconnect();
    retired_.clear();  // at once: the destructor does not run inside a handler of theirs
    alive_.reset();
}

void DbusVenusBus::connect(Done done) {
    std::function<void(sdbus::IConnection&)> prepare;
    if (watch_signals_) {
        prepare = [this](sdbus::IConnection& bus) { install_matches(bus); };
    }
    connection_.open(
        [this, done = std::move(done)](const std::optional<std::string>& error) {
            if (!error) {
                // Whatever was made on the connection goes before it closes (a drop, or disconnect()).
                connection_.add_close_listener(this, [this] { drop_client_state(); });
            }
            done(error);
        },
        std::move(prepare));
}

// Runs on the connector thread, before the connection is handed to the executor; the handlers run on the executor.
void DbusVenusBus::install_matches(sdbus::IConnection& bus) {
    bus.addMatch(
        "type='signal',interface='" + std::string(bus_item_interface) + "'",
        [this](sdbus::Message& message) { on_bus_item_signal(message); }, sdbus::floating_slot);
    bus.addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
        "member='NameOwnerChanged'",
        [this](sdbus::Message& message) { on_name_owner_changed(message); }, sdbus::floating_slot);
}

void DbusVenusBus::on_name_owner_changed(sdbus::Message& message) {
    std::string name;
    std::string old_owner;
    std::string new_owner;
    message >> name >> old_owner >> new_owner;
    if (watchers_.count(name) == 0) {
        return;
    }
    if (new_owner.empty()) {
        owners_.erase(name);
    } else {
        owners_[name] = new_owner;
    }
}

void DbusVenusBus::on_bus_item_signal(sdbus::Message& message) {
    const auto sender = message.getSender();
    const auto member = message.getMemberName();
    std::vector<std::pair<std::string, ItemState>> changes;
    if (member == "PropertiesChanged") {
        VariantDict change;
        message >> change;
        changes.emplace_back(message.getPath(), state_from(change));
    } else if (member == "ItemsChanged") {
        std::map<std::string, VariantDict> all;
        message >> all;
        for (const auto& [path, change] : all) {
            changes.emplace_back(path, state_from(change));
        }
    }
    for (const auto& [name, owner] : owners_) {
        if (owner != sender) {
            continue;
        }
        auto [begin, end] = watchers_.equal_range(name);
        for (auto it = begin; it != end; ++it) {
            for (const auto& [path, state] : changes) {
                it->second(path, state);
            }
        }
    }
}

void DbusVenusBus::drop_client_state() {
    watchers_.clear();
    owners_.clear();
    proxies_.clear();
}

void DbusVenusBus::disconnect() {
    for (auto& [name, publication] : publications_) {
        retire(std::move(publication));
    }
    publications_.clear();
    drop_client_state();
    connection_.close();
    session_ = std::make_shared<int>(0);  // what was queued for this session (a lost report) no longer runs
    lost_posted_ = false;
}

void DbusVenusBus::publish(const std::string& name, ItemTree& tree, Done done) {
    if (!connection_.is_open()) {
        executor_.post([done = std::move(done),
                        reason = "cannot publish " + name + ": not connected to " + describe()] { done(reason); });
        return;
    }
    // A connection of its own, as every Venus service is a process of its own: services on one connection would
    // share its object paths, and every service has a "/".
    auto& publication = publications_[name];
    publication = std::make_unique<Publication>();
    publication->connection = std::make_unique<dbus::DbusConnection>(executor_, address_);
    publication->service = std::make_unique<DbusItemService>(*publication->connection, tree, name);
    publication->connection->on_lost = [this](const std::string& reason) { lost(reason); };
    auto* raw = publication.get();
    publication->connection->open([this, raw, alive = std::weak_ptr<int>(session_),
                                   done = std::move(done)](const std::optional<std::string>& error) {
        if (alive.expired()) {
            return;
        }
        if (error) {
            done(error);
            return;
        }
        raw->service->publish(done);
    });
}

void DbusVenusBus::withdraw(const std::string& name) {
    auto it = publications_.find(name);
    if (it == publications_.end()) {
        return;
    }
    retire(std::move(it->second));
    publications_.erase(it);
}

// The service lets go of its tree and its objects at once. Its connection goes on the next task: withdraw() may be
// called from inside a handler of that very connection (the answer that the name is taken), which must not be
// destroyed under its own feet.
void DbusVenusBus::retire(std::unique_ptr<Publication> publication) {
    publication->service->withdraw();
    retired_.push_back(std::move(publication));
    executor_.post([this, alive = std::weak_ptr<int>(alive_)] {
        if (!alive.expired()) {
            retired_.clear();
        }
    });
}

sdbus::IProxy& DbusVenusBus::proxy(const std::string& service, const std::string& path) {
    auto& slot = proxies_[{service, path}];
    if (!slot) {
        slot = sdbus::createProxy(connection_.bus(), service, path);
    }
    return *slot;
}

// A client call on a closed connection fails later, on the executor, like any other answer.
template <typename Handler>
bool DbusVenusBus::refused_while_closed(Handler& done) {
    if (connection_.is_open()) {
        return false;
    }
    executor_.post([done = std::move(done), reason = "not connected to " + describe()] { done(std::nullopt, reason); });
    return true;
}

void DbusVenusBus::get_value(const std::string& service, const std::string& path, ValueHandler done) {
    if (refused_while_closed(done)) {
        return;
    }
    try {
        proxy(service, path)
            .callMethodAsync("GetValue")
            .onInterface(bus_item_interface)
            .uponReplyInvoke([done, service, path](const sdbus::Error* error, const sdbus::Variant& value) {
                if (error != nullptr) {
                    done(std::nullopt, "GetValue " + service + path + ": " + error->getMessage());
                    return;
                }
                done(from_variant(value).value_or(BusValue{Invalid{}}), std::nullopt);
            });
    } catch (const sdbus::Error& e) {
        executor_.post(
            [done, reason = "GetValue " + service + path + ": " + e.getMessage()] { done(std::nullopt, reason); });
        return;
    }
    connection_.kick();
}

void DbusVenusBus::set_value(const std::string& service, const std::string& path, const BusValue& value,
                             SetHandler done) {
    if (refused_while_closed(done)) {
        return;
    }
    try {
        proxy(service, path)
            .callMethodAsync("SetValue")
            .onInterface(bus_item_interface)
            .withArguments(to_variant(value))
            .uponReplyInvoke([done, service, path](const sdbus::Error* error, std::int32_t code) {
                if (error != nullptr) {
                    done(std::nullopt, "SetValue " + service + path + ": " + error->getMessage());
                    return;
                }
                done(static_cast<SetValueResult>(code), std::nullopt);
            });
    } catch (const sdbus::Error& e) {
        executor_.post(
            [done, reason = "SetValue " + service + path + ": " + e.getMessage()] { done(std::nullopt, reason); });
        return;
    }
    connection_.kick();
}

void DbusVenusBus::list_names(NamesHandler done) {
    if (!connection_.is_open()) {
        executor_.post([done = std::move(done), reason = "not connected to " + describe()] { done({}, reason); });
        return;
    }
    try {
        proxy("org.freedesktop.DBus", "/org/freedesktop/DBus")
            .callMethodAsync("ListNames")
            .onInterface("org.freedesktop.DBus")
            .uponReplyInvoke([done](const sdbus::Error* error, std::vector<std::string> names) {
                if (error != nullptr) {
                    done({}, "ListNames: " + error->getMessage());
                    return;
                }
                done(std::move(names), std::nullopt);
            });
    } catch (const sdbus::Error& e) {
        executor_.post([done, reason = "ListNames: " + e.getMessage()] { done({}, reason); });
        return;
    }
    connection_.kick();
}

void DbusVenusBus::watch(const std::string& service, ChangeHandler on_change) {
    if (!watch_signals_) {
        throw std::logic_error("this D-Bus connection was made without watch_signals: it cannot watch " + service);
    }
    if (!connection_.is_open()) {
        return;
    }
    bool first = watchers_.count(service) == 0;
    watchers_.emplace(service, std::move(on_change));
    if (!first) {
        return;
    }
    try {
        proxy("org.freedesktop.DBus", "/org/freedesktop/DBus")
            .callMethodAsync("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(service)
            .uponReplyInvoke([this, service](const sdbus::Error* error, std::string owner) {
                // Not on the bus yet: NameOwnerChanged will say when it comes.
                if (error == nullptr && watchers_.count(service) != 0 && owners_.count(service) == 0) {
                    owners_[service] = std::move(owner);
                }
            });
    } catch (const sdbus::Error&) {
        return;  // the connection is going; on_lost follows
    }
    connection_.kick();
}

}  // namespace evhil::venus
