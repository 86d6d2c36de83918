#pragma once
// How a Venus service reaches the bus: the port the evcharger service and the virtual GX are written against.
// Two adapters: DbusVenusBus (a real D-Bus connection, wire and bench targets and evchargerd) and InProcessVenusBus
// (the sim target; drivers/venus/in_process_bus.hpp). The services' code is the same on both.
//
// Every call returns at once; its handler runs later on the executor, never inline.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drivers/venus/item_tree.hpp"

namespace evhil::venus {

class VenusBus {
public:
    using Done = std::function<void(std::optional<std::string> error)>;
    using ValueHandler = std::function<void(std::optional<BusValue> value, std::optional<std::string> error)>;
    using SetHandler = std::function<void(std::optional<SetValueResult> result, std::optional<std::string> error)>;
    using ChangeHandler = std::function<void(const std::string& path, const ItemState& state)>;

    virtual ~VenusBus() = default;

    virtual void connect(Done done) = 0;
    virtual void disconnect() = 0;
    virtual bool connected() const = 0;
    virtual std::string describe() const = 0;

    // Exports `tree` and claims `name`; a name another connection holds is an error. The tree must outlive the
    // publication (withdraw() or disconnect()).
    virtual void publish(const std::string& name, ItemTree& tree, Done done) = 0;
    virtual void withdraw(const std::string& name) = 0;

    // A client's calls on another service (GetValue, SetValue on a leaf).
    virtual void get_value(const std::string& service, const std::string& path, ValueHandler done) = 0;
    virtual void set_value(const std::string& service, const std::string& path, const BusValue& value,
                           SetHandler done) = 0;
    // The names on the bus (org.freedesktop.DBus.ListNames), for clients that find services by their prefix.
    using NamesHandler = std::function<void(std::vector<std::string> names, std::optional<std::string> error)>;
    virtual void list_names(NamesHandler done) = 0;
    // Every change another service announces (PropertiesChanged and each item of an ItemsChanged), until
    // disconnect(). For clients that follow a service, like the GX GUI or systemcalc.
    virtual void watch(const std::string& service, ChangeHandler on_change) = 0;
    // Whether `service` is on the bus: called once with what is known now, then on every change of its owner
    // (NameOwnerChanged), until disconnect(). A client re-reads a service that comes back, as the GX GUI does.
    using OwnerHandler = std::function<void(bool present)>;
    virtual void watch_owner(const std::string& service, OwnerHandler on_owner) = 0;

    // Every well-known name starting with `prefix` that appears on the bus or leaves it (NameOwnerChanged), until
    // disconnect(). Names already there are not reported; list_names() gives those. For clients that mirror every
    // service of a kind, as the Venus MQTT bridge mirrors com.victronenergy.*.
    using NameHandler = std::function<void(const std::string& name, bool present)>;
    virtual void watch_names(const std::string& prefix, NameHandler on_name) = 0;
    // GetItems on "/": every leaf of the service with its value and text, keyed by its full path.
    using ItemsHandler =
        std::function<void(std::optional<std::map<std::string, ItemState>> items, std::optional<std::string> error)>;
    virtual void get_items(const std::string& service, ItemsHandler done) = 0;

    // localsettings' AddSettings on a settings service (com.victronenergy.settings): one result per definition.
    using SettingsHandler =
        std::function<void(std::optional<std::vector<SettingResult>> results, std::optional<std::string> error)>;
    virtual void add_settings(const std::string& service, const std::vector<SettingDefinition>& definitions,
                              SettingsHandler done) = 0;

    // The connection broke (the daemon went away, the link dropped): published names are gone.
    std::function<void(const std::string& reason)> on_lost;
};

}  // namespace evhil::venus
