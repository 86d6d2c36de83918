#pragma once
// The sim target's Victron bus: a bus daemon and its connections in process, with D-Bus' behaviour where the
// services can see it (names owned by one connection at a time, no queueing, calls answered later on the
// executor, signals fanned out to the connections that watch a service, a dropped connection losing its names).
// The same services run on it as on a real dbus-daemon; only this adapter differs. Sim-only (library
// evhil_venus_sim): evchargerd does not link it.
//
// Covered by tests/unit/in_process_bus_test.cpp and the Venus tests of the evcharger service.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/venus/venus_bus.hpp"

namespace evhil::venus {

class InProcessVenusBus;

class InProcessBusDaemon {
public:
    explicit InProcessBusDaemon(Executor& executor) : executor_(executor) {}
    ~InProcessBusDaemon();
    InProcessBusDaemon(const InProcessBusDaemon&) = delete;
    InProcessBusDaemon& operator=(const InProcessBusDaemon&) = delete;

    // The harness' fault: the connection breaks, its names are released and it is told (on_lost).
    void drop(InProcessVenusBus& connection);
    bool owned(const std::string& name) const { return names_.count(name) != 0; }
    std::vector<std::string> names() const;
    // The tree published under `name`, or nullptr: for a harness reading what a GX would show.
    const ItemTree* tree(const std::string& name) const;
    Executor& executor() { return executor_; }

private:
    friend class InProcessVenusBus;
    struct Owner {
        InProcessVenusBus* connection = nullptr;
        ItemTree* tree = nullptr;
    };
    void attach(InProcessVenusBus* connection);
    void detach(InProcessVenusBus* connection);
    void release_names_of(InProcessVenusBus* connection);
    void announce(const std::string& service, const std::string& path, const ItemState& state);
    void announce_owner(const std::string& service, bool present);
    void claim(const std::string& name, Owner owner);
    void release(const std::string& name);

    Executor& executor_;
    std::map<std::string, Owner> names_;
    std::vector<InProcessVenusBus*> connections_;
};

class InProcessVenusBus final : public VenusBus {
public:
    explicit InProcessVenusBus(InProcessBusDaemon& daemon, std::string client_name = "client");
    ~InProcessVenusBus() override;

    void connect(Done done) override;
    void disconnect() override;
    bool connected() const override { return connected_; }
    std::string describe() const override { return "the in-process bus"; }

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

private:
    friend class InProcessBusDaemon;
    // Forwards one published tree's changes to the daemon, which fans them out.
    struct Publication final : ItemTreeObserver {
        Publication(InProcessBusDaemon& daemon, std::string name, ItemTree& tree)
            : daemon(daemon), name(std::move(name)), tree(tree) {}
        void properties_changed(const std::string& path, const ItemState& state) override;
        void items_changed(const ItemChanges& changes) override;
        InProcessBusDaemon& daemon;
        std::string name;
        ItemTree& tree;
    };
    template <typename Task>
    void post(Task task);
    void lose(const std::string& reason);
    void withdraw_publication(const std::string& name);
    void deliver(const std::string& service, const std::string& path, const ItemState& state);
    void deliver_owner(const std::string& service, bool present);

    InProcessBusDaemon& daemon_;
    std::string client_name_;
    bool connected_ = false;
    std::vector<std::unique_ptr<Publication>> publications_;
    // Shared, so that each delivery posts a reference to the handler rather than a copy of it: a simulated year
    // delivers tens of millions of changes.
    std::multimap<std::string, std::shared_ptr<const ChangeHandler>> watchers_;
    std::multimap<std::string, OwnerHandler> owner_watchers_;
    std::vector<std::pair<std::string, NameHandler>> name_watchers_;  // prefix -> handler
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // guards posted completions against disconnect
};

}  // namespace evhil::venus
