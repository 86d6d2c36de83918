#pragma once
// A D-Bus connection (sdbus-c++) that lives on the executor: no thread of its own and no call that waits for the bus.
//
//  - open() connects on a short-lived worker thread (sd-bus authenticates and says Hello synchronously) and hands the
//    connection to the executor, which from then on is the only thread that touches it;
//  - the connection's socket is watched by the executor's asio reactor; whatever is readable is processed there,
//    so method handlers and signal callbacks run on the executor, like every other completion;
//  - request_name() asks the bus daemon asynchronously, with DO_NOT_QUEUE as velib does: a name that is taken is an
//    error, never a wait in line;
//  - a broken connection (the daemon gone, the socket closed) calls on_lost once and leaves the connection closed;
//    reconnecting is the owner's choice.
//
// Wire and bench targets only; the sim target's services use the in-process bus. Covered by
// tests/integration/dbus_service_test.cpp (a private dbus-daemon).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "drivers/core/executor.hpp"

namespace sdbus {
class IConnection;
class IProxy;
}  // namespace sdbus

namespace evhil::dbus {

class DbusConnection {
public:
    using Done = std::function<void(std::optional<std::string> error)>;

    // `address` as dbus-daemon prints it ("unix:path=/tmp/x/bus"); empty: the system bus, which honours
    // DBUS_SYSTEM_BUS_ADDRESS.
    DbusConnection(Executor& executor, std::string address);
    ~DbusConnection();
    DbusConnection(const DbusConnection&) = delete;
    DbusConnection& operator=(const DbusConnection&) = delete;

    // `prepare`, if given, runs on the connector thread with the new connection before it is handed over: the place
    // for sd-bus calls that wait for the bus daemon (addMatch does), which must never run on the executor.
    void open(Done done, std::function<void(sdbus::IConnection&)> prepare = {});
    void close();
    bool is_open() const { return bus_ != nullptr; }
    const std::string& address() const { return address_; }
    // The address, or "the system bus" (with DBUS_SYSTEM_BUS_ADDRESS when that is set).
    std::string describe() const;

    // Only while open.
    sdbus::IConnection& bus();
    void request_name(const std::string& name, const Done& done);
    void release_name(const std::string& name);
    // Call after sending (signals, replies outside a handler): the executor flushes what the socket did not take.
    void kick();
    // Shuts the socket down under sd-bus, as a bus daemon that restarts or a broken link does; the connection then
    // finds itself lost (on_lost) by the normal path. For the harness' bus faults.
    void sever();

    std::function<void(const std::string& reason)> on_lost;

    // Objects and proxies made on this connection hold on to it: their owners drop them here, before it closes.
    void add_close_listener(const void* owner, std::function<void()> drop);
    void remove_close_listener(const void* owner);

private:
    struct Watch;
    void adopt(std::unique_ptr<sdbus::IConnection> bus);
    void pump();
    void arm();
    void wait_for(int direction, bool& pending);
    void lost(const std::string& reason);
    sdbus::IProxy& daemon();

    Executor& executor_;
    std::string address_;
    std::unique_ptr<sdbus::IConnection> bus_;
    std::unique_ptr<sdbus::IProxy> daemon_;
    std::unique_ptr<Watch> watch_;
    std::thread connector_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // a guard for tasks posted from the connector thread
    bool kick_posted_ = false;
    std::optional<Executor::TimerId> timeout_;
    std::vector<std::pair<const void*, std::function<void()>>> close_listeners_;
};

}  // namespace evhil::dbus
