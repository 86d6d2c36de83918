#pragma once
// The VenusBus port on a real D-Bus bus (evchargerd, and the wire and bench targets): each published service gets a
// connection of its own, as each Venus service is a process of its own (their objects would clash on one: every
// service has a "/"), exported with DbusItemService; client calls are asynchronous method calls on proxies of one
// client connection. All on the executor (drivers/transport/dbus/dbus_connection.hpp).
//
// Watching: sd-bus installs a match rule by waiting for the bus daemon's answer, which must not happen on the
// executor. A connection made with `watch_signals` therefore installs two rules once, on the connector thread:
// every BusItem signal on the bus, and the daemon's NameOwnerChanged. watch() then only records a handler and
// asks (asynchronously) who owns the name; signals are routed by their sender's unique name. A connection without
// it (evchargerd, which only publishes) receives no one else's signals.
//
// Covered by tests/integration/dbus_venus_bus_test.cpp.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "drivers/transport/dbus/dbus_connection.hpp"
#include "drivers/venus/dbus_item_service.hpp"
#include "drivers/venus/venus_bus.hpp"

namespace sdbus {
class IConnection;
class IProxy;
class Message;
}  // namespace sdbus

namespace evhil::venus {

class DbusVenusBus final : public VenusBus {
public:
    // `address` empty: the system bus (honouring DBUS_SYSTEM_BUS_ADDRESS).
    DbusVenusBus(Executor& executor, const std::string& address, bool watch_signals = false);
    ~DbusVenusBus() override;

    void connect(Done done) override;
    void disconnect() override;
    bool connected() const override { return connection_.is_open(); }
    std::string describe() const override { return connection_.describe(); }

    void publish(const std::string& name, ItemTree& tree, Done done) override;
    void withdraw(const std::string& name) override;

    void get_value(const std::string& service, const std::string& path, ValueHandler done) override;
    void set_value(const std::string& service, const std::string& path, const BusValue& value,
                   SetHandler done) override;
    void watch(const std::string& service, ChangeHandler on_change) override;
    void watch_owner(const std::string& service, OwnerHandler on_owner) override;
    void list_names(NamesHandler done) override;
    void watch_names(const std::string& prefix, NameHandler on_name) override;
    void get_items(const std::string& service, ItemsHandler done) override;
    void add_settings(const std::string& service, const std::vector<SettingDefinition>& definitions,
                      SettingsHandler done) override;
    // Breaks every connection of this bus at the socket (DbusConnection::sever): the harness' bus drop.
    void sever();

private:
    sdbus::IProxy& proxy(const std::string& service, const std::string& path);
    void drop_client_state();
    template <typename Handler>
    bool refused_while_closed(Handler& done);
    void install_matches(sdbus::IConnection& bus);  // on the connector thread
    void on_bus_item_signal(sdbus::Message& message);
    void on_name_owner_changed(sdbus::Message& message);
    void follow(const std::string& service);  // learns the service's owner, once
    void owner_is(const std::string& service, const std::string& owner);
    void tell_owner_watchers(const std::string& service, bool present);

    // One published service on a connection of its own.
    struct Publication {
        std::unique_ptr<dbus::DbusConnection> connection;
        std::unique_ptr<DbusItemService> service;  // declared after its connection: goes first
    };
    void lost(const std::string& reason);
    void retire(std::unique_ptr<Publication> publication);

    Executor& executor_;
    std::string address_;
    dbus::DbusConnection connection_;  // the client side: reads, writes, watches
    std::map<std::string, std::unique_ptr<Publication>> publications_;
    std::vector<std::unique_ptr<Publication>> retired_;        // withdrawn, their connections closed on the next task
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);    // this object
    std::shared_ptr<int> session_ = std::make_shared<int>(0);  // one connect() to disconnect()
    bool lost_posted_ = false;
    std::map<std::pair<std::string, std::string>, std::unique_ptr<sdbus::IProxy>> proxies_;
    bool watch_signals_;
    std::multimap<std::string, ChangeHandler> watchers_;  // by well-known name
    std::multimap<std::string, OwnerHandler> owner_watchers_;
    std::vector<std::pair<std::string, NameHandler>> name_watchers_;  // prefix -> handler
    std::set<std::string> followed_;             // names whose owner is tracked
    std::map<std::string, std::string> owners_;  // well-known name -> unique name
};

}  // namespace evhil::venus
