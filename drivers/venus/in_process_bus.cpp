#include "drivers/venus/in_process_bus.hpp"

#include <algorithm>

namespace evhil::venus {

InProcessBusDaemon::~InProcessBusDaemon() {
    for (auto* connection : std::vector<InProcessVenusBus*>(connections_)) {
        connection->disconnect();
    }
}

void InProcessBusDaemon::attach(InProcessVenusBus* connection) {
    if (std::find(connections_.begin(), connections_.end(), connection) == connections_.end()) {
        connections_.push_back(connection);
    }
}

void InProcessBusDaemon::detach(InProcessVenusBus* connection) {
    release_names_of(connection);
    std::erase(connections_, connection);
}

void InProcessBusDaemon::release_names_of(InProcessVenusBus* connection) {
    std::vector<std::string> released;
    for (const auto& [name, owner] : names_) {
        if (owner.connection == connection) {
            released.push_back(name);
        }
    }
    for (const auto& name : released) {
        release(name);
    }
}

void InProcessBusDaemon::claim(const std::string& name, Owner owner) {
    bool was_free = names_.count(name) == 0;
    names_[name] = owner;
    if (was_free) {
        announce_owner(name, true);
    }
}

void InProcessBusDaemon::release(const std::string& name) {
    if (names_.erase(name) != 0) {
        announce_owner(name, false);
    }
}

void InProcessBusDaemon::announce_owner(const std::string& service, bool present) {
    for (auto* connection : connections_) {
        connection->deliver_owner(service, present);
    }
}

std::vector<std::string> InProcessBusDaemon::names() const {
    std::vector<std::string> out;
    for (const auto& [name, owner] : names_) {
        out.push_back(name);
    }
    return out;
}

const ItemTree* InProcessBusDaemon::tree(const std::string& name) const {
    auto it = names_.find(name);
    return it == names_.end() ? nullptr : it->second.tree;
}

void InProcessBusDaemon::drop(InProcessVenusBus& connection) {
    if (!connection.connected_) {
        return;
    }
    connection.lose("the bus connection was dropped");
}

void InProcessBusDaemon::announce(const std::string& service, const std::string& path, const ItemState& state) {
    for (auto* connection : connections_) {
        connection->deliver(service, path, state);
    }
}

InProcessVenusBus::InProcessVenusBus(InProcessBusDaemon& daemon, std::string client_name)
    : daemon_(daemon), client_name_(std::move(client_name)) {}

InProcessVenusBus::~InProcessVenusBus() {
    disconnect();
}

template <typename Task>
void InProcessVenusBus::post(Task task) {
    daemon_.executor().post([weak = std::weak_ptr<int>(alive_), task = std::move(task)]() mutable {
        if (!weak.expired()) {
            task();
        }
    });
}

void InProcessVenusBus::connect(Done done) {
    connected_ = true;
    daemon_.attach(this);
    post([done = std::move(done)] { done(std::nullopt); });
}

void InProcessVenusBus::disconnect() {
    for (auto& publication : publications_) {
        publication->tree.remove_observer(publication.get());
    }
    publications_.clear();
    watchers_.clear();
    owner_watchers_.clear();
    name_watchers_.clear();
    daemon_.detach(this);
    connected_ = false;
    alive_ = std::make_shared<int>(0);  // nothing queued for this connection runs any more
}

void InProcessVenusBus::lose(const std::string& reason) {
    disconnect();
    // Told later, on the executor, as a real connection learns of a broken socket.
    post([this, reason] {
        if (on_lost) {
            on_lost(reason);
        }
    });
}

void InProcessVenusBus::publish(const std::string& name, ItemTree& tree, Done done) {
    std::optional<std::string> error;
    if (!connected_) {
        error = "cannot publish " + name + ": not connected to " + describe();
    } else if (auto it = daemon_.names_.find(name); it != daemon_.names_.end() && it->second.connection != this) {
        error = "the D-Bus name " + name + " is already taken by another connection";
    } else {
        daemon_.claim(name, InProcessBusDaemon::Owner{this, &tree});
        withdraw_publication(name);
        auto publication = std::make_unique<Publication>(daemon_, name, tree);
        tree.add_observer(publication.get());
        publications_.push_back(std::move(publication));
    }
    post([done = std::move(done), error] { done(error); });
}

void InProcessVenusBus::withdraw(const std::string& name) {
    auto it = daemon_.names_.find(name);
    if (it != daemon_.names_.end() && it->second.connection == this) {
        daemon_.release(name);
    }
    withdraw_publication(name);
}

void InProcessVenusBus::withdraw_publication(const std::string& name) {
    std::erase_if(publications_, [&name](const auto& publication) {
        if (publication->name != name) {
            return false;
        }
        publication->tree.remove_observer(publication.get());
        return true;
    });
}

void InProcessVenusBus::get_value(const std::string& service, const std::string& path, ValueHandler done) {
    std::optional<BusValue> value;
    std::optional<std::string> error;
    const ItemTree* tree = connected_ ? daemon_.tree(service) : nullptr;
    if (!connected_) {
        error = "not connected to " + describe();
    } else if (tree == nullptr) {
        error = "the name " + service + " is not on the bus";
    } else if (!tree->has_leaf(path)) {
        error = service + " has no item " + path;
    } else {
        value = tree->value(path);
    }
    post([done = std::move(done), value = std::move(value), error] { done(value, error); });
}

void InProcessVenusBus::set_value(const std::string& service, const std::string& path, const BusValue& value,
                                  SetHandler done) {
    if (!connected_) {
        post([done = std::move(done), reason = "not connected to " + describe()] { done(std::nullopt, reason); });
        return;
    }
    // Carried out when the bus delivers the call, after the caller's task, as on a real bus.
    post([this, service, path, value, done = std::move(done)] {
        auto it = daemon_.names_.find(service);
        if (it == daemon_.names_.end()) {
            done(std::nullopt, "the name " + service + " is not on the bus");
            return;
        }
        done(it->second.tree->set_value(path, value), std::nullopt);
    });
}

void InProcessVenusBus::add_settings(const std::string& service, const std::vector<SettingDefinition>& definitions,
                                     SettingsHandler done) {
    if (!connected_) {
        post([done = std::move(done), reason = "not connected to " + describe()] { done(std::nullopt, reason); });
        return;
    }
    post([this, service, definitions, done = std::move(done)] {
        auto it = daemon_.names_.find(service);
        if (it == daemon_.names_.end()) {
            done(std::nullopt, "the name " + service + " is not on the bus");
        } else if (!it->second.tree->settings_manager()) {
            done(std::nullopt, service + " has no method AddSettings");
        } else {
            done(it->second.tree->settings_manager()(definitions), std::nullopt);
        }
    });
}

void InProcessVenusBus::list_names(NamesHandler done) {
    std::optional<std::string> error;
    std::vector<std::string> names;
    if (connected_) {
        names = daemon_.names();
    } else {
        error = "not connected to " + describe();
    }
    post([done = std::move(done), names = std::move(names), error] { done(names, error); });
}

void InProcessVenusBus::watch(const std::string& service, ChangeHandler on_change) {
    watchers_.emplace(service, std::make_shared<const ChangeHandler>(std::move(on_change)));
}

void InProcessVenusBus::watch_owner(const std::string& service, OwnerHandler on_owner) {
    if (!connected_) {
        return;
    }
    post([on_owner, present = daemon_.owned(service)] { on_owner(present); });
    owner_watchers_.emplace(service, std::move(on_owner));
}

void InProcessVenusBus::deliver_owner(const std::string& service, bool present) {
    auto [begin, end] = owner_watchers_.equal_range(service);
    for (auto it = begin; it != end; ++it) {
        post([handler = it->second, present] { handler(present); });
    }
    for (const auto& [prefix, handler] : name_watchers_) {
        if (service.rfind(prefix, 0) == 0) {
            post([handler = handler, service, present] { handler(service, present); });
        }
    }
}

void InProcessVenusBus::watch_names(const std::string& prefix, NameHandler on_name) {
    if (connected_) {
        name_watchers_.emplace_back(prefix, std::move(on_name));
    }
}

void InProcessVenusBus::get_items(const std::string& service, ItemsHandler done) {
    std::optional<std::map<std::string, ItemState>> items;
    std::optional<std::string> error;
    const ItemTree* tree = connected_ ? daemon_.tree(service) : nullptr;
    if (!connected_) {
        error = "not connected to " + describe();
    } else if (tree == nullptr) {
        error = "the name " + service + " is not on the bus";
    } else {
        items = tree->items();
    }
    post([done = std::move(done), items = std::move(items), error] { done(items, error); });
}

void InProcessVenusBus::deliver(const std::string& service, const std::string& path, const ItemState& state) {
    auto [begin, end] = watchers_.equal_range(service);
    for (auto it = begin; it != end; ++it) {
        post([handler = it->second, path, state] { (*handler)(path, state); });
    }
}

void InProcessVenusBus::Publication::properties_changed(const std::string& path, const ItemState& state) {
    daemon.announce(name, path, state);
}

void InProcessVenusBus::Publication::items_changed(const ItemChanges& changes) {
    for (const auto& [path, state] : changes) {
        daemon.announce(name, path, state);
    }
}

}  // namespace evhil::venus
