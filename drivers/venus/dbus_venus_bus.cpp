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
    if (followed_.count(name) != 0) {
        owner_is(name, new_owner);
    }
    std::vector<NameHandler> handlers;
    for (const auto& [prefix, handler] : name_watchers_) {
        if (name.rfind(prefix, 0) == 0) {
            handlers.push_back(handler);
        }
    }
    for (const auto& handler : handlers) {
        if (!old_owner.empty()) {
            handler(name, false);
        }
        if (!new_owner.empty()) {
            handler(name, true);
        }
    }
}

void DbusVenusBus::watch_names(const std::string& prefix, NameHandler on_name) {
    if (!watch_signals_) {
        throw std::logic_error("this D-Bus connection was made without watch_signals: it cannot watch names");
    }
    if (connection_.is_open()) {
        name_watchers_.emplace_back(prefix, std::move(on_name));
    }
}

void DbusVenusBus::get_items(const std::string& service, ItemsHandler done) {
    if (refused_while_closed(done)) {
        return;
    }
    try {
        proxy(service, "/")
            .callMethodAsync("GetItems")
            .onInterface(bus_item_interface)
            .uponReplyInvoke([done, service](const sdbus::Error* error, const std::map<std::string, VariantDict>& all) {
                if (error != nullptr) {
                    done(std::nullopt, "GetItems " + service + ": " + error->getMessage());
                    return;
                }
                std::map<std::string, ItemState> items;
                for (const auto& [path, item] : all) {
                    items.emplace(path, state_from(item));
                }
                done(std::move(items), std::nullopt);
            });
    } catch (const sdbus::Error& e) {
        executor_.post([done, reason = "GetItems " + service + ": " + e.getMessage()] { done(std::nullopt, reason); });
        return;
    }
    connection_.kick();
}

// `owner` empty: the name has gone.
void DbusVenusBus::owner_is(const std::string& service, const std::string& owner) {
    bool was_present = owners_.count(service) != 0;
    if (owner.empty()) {
        owners_.erase(service);
    } else {
        owners_[service] = owner;
    }
    bool present = !owner.empty();
    if (present != was_present) {
        tell_owner_watchers(service, present);
    }
}

// A copy of the handlers: one may add a watcher while it runs.
void DbusVenusBus::tell_owner_watchers(const std::string& service, bool present) {
    auto [begin, end] = owner_watchers_.equal_range(service);
    std::vector<OwnerHandler> handlers;
    for (auto it = begin; it != end; ++it) {
        handlers.push_back(it->second);
    }
    for (const auto& handler : handlers) {
        handler(present);
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
    owner_watchers_.clear();
    name_watchers_.clear();
    followed_.clear();
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

void DbusVenusBus::sever() {
    for (auto& [name, publication] : publications_) {
        publication->connection->sever();
    }
    connection_.sever();
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

void DbusVenusBus::add_settings(const std::string& service, const std::vector<SettingDefinition>& definitions,
                                SettingsHandler done) {
    if (refused_while_closed(done)) {
        return;
    }
    std::vector<std::map<std::string, sdbus::Variant>> request;
    for (const auto& definition : definitions) {
        std::map<std::string, sdbus::Variant> props{{"path", sdbus::Variant(definition.path)},
                                                    {"default", to_variant(definition.default_value)}};
        if (definition.min) {
            props.emplace("min", sdbus::Variant(*definition.min));
        }
        if (definition.max) {
            props.emplace("max", sdbus::Variant(*definition.max));
        }
        request.push_back(std::move(props));
    }
    try {
        proxy(service, "/")
            .callMethodAsync("AddSettings")
            .onInterface(settings_interface)
            .withArguments(request)
            .uponReplyInvoke([done, service](const sdbus::Error* error,
                                             const std::vector<std::map<std::string, sdbus::Variant>>& reply) {
                if (error != nullptr) {
                    done(std::nullopt, "AddSettings on " + service + ": " + error->getMessage());
                    return;
                }
                std::vector<SettingResult> results;
                for (const auto& props : reply) {
                    SettingResult result;
                    if (auto it = props.find("path");
                        it != props.end() && it->second.containsValueOfType<std::string>()) {
                        result.path = it->second.get<std::string>();
                    }
                    if (auto it = props.find("error"); it != props.end()) {
                        double code = 0;
                        auto decoded = from_variant(it->second);
                        result.error = decoded && as_number(*decoded, code) ? static_cast<int>(code) : -1;
                    }
                    if (auto it = props.find("value"); it != props.end()) {
                        result.value = from_variant(it->second).value_or(Invalid{});
                    }
                    results.push_back(std::move(result));
                }
                done(std::move(results), std::nullopt);
            });
    } catch (const sdbus::Error& e) {
        executor_.post(
            [done, reason = "AddSettings on " + service + ": " + e.getMessage()] { done(std::nullopt, reason); });
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
    watchers_.emplace(service, std::move(on_change));
    follow(service);
}

void DbusVenusBus::watch_owner(const std::string& service, OwnerHandler on_owner) {
    if (!watch_signals_) {
        throw std::logic_error("this D-Bus connection was made without watch_signals: it cannot watch " + service);
    }
    if (!connection_.is_open()) {
        return;
    }
    owner_watchers_.emplace(service, on_owner);
    if (followed_.count(service) != 0) {
        // Already followed: what is known when it runs, on the next task as every answer. Not a snapshot taken now:
        // a GetNameOwner answer that lands in between tells this watcher "present" first, and a stale "absent"
        // after it would leave the watcher believing the service gone for good (a site meter that never read the
        // GX's system service, seen once in three runs).
        executor_.post([this, service, on_owner, session = std::weak_ptr<int>(session_)] {
            if (!session.expired()) {
                on_owner(owners_.count(service) != 0);
            }
        });
        return;
    }
    follow(service);
}

void DbusVenusBus::follow(const std::string& service) {
    if (!followed_.insert(service).second) {
        return;
    }
    try {
        proxy("org.freedesktop.DBus", "/org/freedesktop/DBus")
            .callMethodAsync("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(service)
            .uponReplyInvoke([this, service](const sdbus::Error* error, const std::string& owner) {
                if (followed_.count(service) == 0) {
                    return;  // the connection closed meanwhile
                }
                if (error != nullptr) {
                    // Not on the bus yet: NameOwnerChanged will say when it comes; the watchers hear it now.
                    tell_owner_watchers(service, false);
                    return;
                }
                if (owners_.count(service) == 0) {
                    owner_is(service, owner);
                }
            });
    } catch (const sdbus::Error&) {
        return;  // the connection is going; on_lost follows
    }
    connection_.kick();
}

}  // namespace evhil::venus
