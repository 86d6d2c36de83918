#include "drivers/transport/dbus/dbus_connection.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cstdlib>

#include <sdbus-c++/sdbus-c++.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace evhil::dbus {

namespace {
constexpr std::uint32_t do_not_queue = 4;  // org.freedesktop.DBus.RequestName flags and replies
constexpr std::uint32_t primary_owner = 1;
constexpr std::uint32_t already_owner = 4;
}  // namespace

struct DbusConnection::Watch {
    Watch(boost::asio::io_context& io, int fd) : socket(io, fd) {}
    ~Watch() { socket.release(); }  // the descriptor belongs to sd-bus
    boost::asio::posix::stream_descriptor socket;
    bool reading = false;
    bool writing = false;
};

DbusConnection::DbusConnection(Executor& executor, std::string address)
    : executor_(executor), address_(std::move(address)) {}

DbusConnection::~DbusConnection() {
    try {
        close();
        if (connector_.joinable()) {
            connector_.join();
        }
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing is left to tell at teardown
    }
}

std::string DbusConnection::describe() const {
    if (!address_.empty()) {
        return address_;
    }
    const char* system = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");  // NOLINT(concurrency-mt-unsafe): read-only
    return system != nullptr ? std::string("the system bus (") + system + ")" : std::string("the system bus");
}

void DbusConnection::open(Done done, std::function<void(sdbus::IConnection&)> prepare) {
    close();
    if (connector_.joinable()) {
        connector_.join();
    }
    // sd-bus authenticates and sends Hello before it returns a connection: off the executor, so that a stuck
    // daemon delays only this connection. The thread posts its result and ends; close() and the destructor join it.
    connector_ = std::thread(
        [this, weak = std::weak_ptr<int>(alive_), done = std::move(done), prepare = std::move(prepare)]() mutable {
            auto holder = std::make_shared<std::unique_ptr<sdbus::IConnection>>();
            std::optional<std::string> error;
            try {
                *holder = address_.empty() ? sdbus::createSystemBusConnection()
                                           : sdbus::createSessionBusConnectionWithAddress(address_);
                if (prepare) {
                    prepare(**holder);
                }
            } catch (const sdbus::Error& e) {
                error = "cannot connect to " + describe() + ": " + e.getMessage();
            }
            executor_.post([this, weak, holder, error, done = std::move(done)] {
                if (weak.expired()) {
                    return;
                }
                if (!error) {
                    adopt(std::move(*holder));  // the executor's thread is the only one that touches it from now on
                }
                done(error);
            });
        });
}

void DbusConnection::adopt(std::unique_ptr<sdbus::IConnection> bus) {
    bus_ = std::move(bus);
    watch_ = std::make_unique<Watch>(executor_.io(), bus_->getEventLoopPollData().fd);
    pump();
}

void DbusConnection::close() {
    if (timeout_) {
        executor_.cancel(*timeout_);
        timeout_.reset();
    }
    if (watch_) {
        watch_->socket.cancel();
        watch_.reset();
    }
    // is_open() is false from here on, so nothing dropped below tries to send on the closing connection; the
    // connection itself lives until they are gone, since they hold on to it.
    auto bus = std::move(bus_);
    auto daemon = std::move(daemon_);
    auto listeners = std::move(close_listeners_);
    close_listeners_.clear();
    for (auto& [owner, drop] : listeners) {
        drop();
    }
    daemon.reset();
    bus.reset();
    alive_ = std::make_shared<int>(0);  // drops every completion still queued for the old connection
}

void DbusConnection::add_close_listener(const void* owner, std::function<void()> drop) {
    remove_close_listener(owner);
    close_listeners_.emplace_back(owner, std::move(drop));
}

void DbusConnection::remove_close_listener(const void* owner) {
    std::erase_if(close_listeners_, [owner](const auto& listener) { return listener.first == owner; });
}

// The bus daemon itself, for name requests; asynchronous calls only.
sdbus::IProxy& DbusConnection::daemon() {
    if (!daemon_) {
        daemon_ = sdbus::createProxy(bus(), "org.freedesktop.DBus", "/org/freedesktop/DBus");
    }
    return *daemon_;
}

sdbus::IConnection& DbusConnection::bus() {
    if (!bus_) {
        throw std::logic_error("D-Bus connection to " + describe() + " is not open");
    }
    return *bus_;
}

void DbusConnection::sever() {
    if (bus_ == nullptr) {
        return;
    }
    ::shutdown(bus_->getEventLoopPollData().fd, SHUT_RDWR);
    kick();  // the reactor notices on its next turn
}

void DbusConnection::lost(const std::string& reason) {
    close();
    if (on_lost) {
        on_lost("lost the D-Bus connection to " + describe() + ": " + reason);
    }
}

// Processes everything sd-bus has ready, then waits for what it asks for next.
void DbusConnection::pump() {
    if (!bus_) {
        return;
    }
    try {
        while (bus_ && bus_->processPendingRequest()) {
        }
    } catch (const sdbus::Error& e) {
        lost(e.getMessage());
        return;
    }
    arm();
}

void DbusConnection::arm() {
    if (!bus_) {
        return;
    }
    sdbus::IConnection::PollData poll{};
    try {
        poll = bus_->getEventLoopPollData();
    } catch (const sdbus::Error& e) {
        lost(e.getMessage());
        return;
    }
    if ((poll.events & POLLIN) != 0) {
        wait_for(boost::asio::posix::stream_descriptor::wait_read, watch_->reading);
    }
    if ((poll.events & POLLOUT) != 0) {
        wait_for(boost::asio::posix::stream_descriptor::wait_write, watch_->writing);
    }
    if (timeout_) {
        executor_.cancel(*timeout_);
        timeout_.reset();
    }
    if (auto relative = poll.getRelativeTimeout()) {
        // A method call of ours awaits its reply: sd-bus times it out when processed after its deadline.
        timeout_ = executor_.schedule_after(*relative, [this] {
            timeout_.reset();
            pump();
        });
    }
}

// One wait per direction at a time; `pending` is that direction's flag in the watch.
void DbusConnection::wait_for(int direction, bool& pending) {
    if (pending) {
        return;
    }
    pending = true;
    watch_->socket.async_wait(static_cast<boost::asio::posix::stream_descriptor::wait_type>(direction),
                              [this, weak = std::weak_ptr<int>(alive_), &pending](const boost::system::error_code& e) {
                                  if (weak.expired() || e == boost::asio::error::operation_aborted) {
                                      return;  // closed: the watch and its flags are gone
                                  }
                                  pending = false;
                                  pump();
                              });
}

void DbusConnection::kick() {
    if (kick_posted_ || !bus_) {
        return;
    }
    kick_posted_ = true;
    executor_.post([this, weak = std::weak_ptr<int>(alive_)] {
        if (weak.expired()) {
            return;
        }
        kick_posted_ = false;
        pump();
    });
}

void DbusConnection::request_name(const std::string& name, const Done& done) {
    try {
        daemon()
            .callMethodAsync("RequestName")
            .onInterface("org.freedesktop.DBus")
            .withArguments(name, do_not_queue)
            .uponReplyInvoke([name, done](const sdbus::Error* error, std::uint32_t reply) {
                if (error != nullptr) {
                    done("cannot claim the D-Bus name " + name + ": " + error->getMessage());
                } else if (reply != primary_owner && reply != already_owner) {
                    done("the D-Bus name " + name + " is already taken by another connection");
                } else {
                    done(std::nullopt);
                }
            });
    } catch (const std::exception& e) {  // sdbus::Error, or logic_error when not open
        executor_.post([done, reason = "cannot claim the D-Bus name " + name + ": " + e.what()] { done(reason); });
        return;
    }
    kick();
}

void DbusConnection::release_name(const std::string& name) {
    if (!bus_) {
        return;
    }
    try {
        daemon()
            .callMethodAsync("ReleaseName")
            .onInterface("org.freedesktop.DBus")
            .withArguments(name)
            .uponReplyInvoke([](const sdbus::Error*, std::uint32_t) {});
    } catch (const sdbus::Error&) {
        return;  // the connection is going: the bus daemon releases its names by itself
    }
    kick();
}

}  // namespace evhil::dbus
