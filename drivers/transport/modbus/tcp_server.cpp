#include "drivers/transport/modbus/tcp_server.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <span>
#include <stdexcept>
#include <vector>

#include "drivers/core/log.hpp"
#include "drivers/transport/modbus/session_table.hpp"
#include "drivers/transport/modbus/tcp_adu.hpp"
#include "drivers/transport/modbus/tcp_socket_util.hpp"

namespace evhil::modbus {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

using namespace tcp_util;

}  // namespace

struct TcpServer::Impl : std::enable_shared_from_this<TcpServer::Impl> {
    class Connection;

    Impl(Executor& executor, ModbusDevice& device, std::string host, std::uint16_t port)
        : executor(executor),
          device(device),
          host(std::move(host)),
          requested_port(port),
          acceptor(executor.io()),
          sessions(device.connection_rules()),
          logger(log::get("modbus-tcp")) {}
    ~Impl() { stop(); }

    void start();
    void stop();
    void accept_next();
    void on_accept(const boost::system::error_code& error, tcp::socket socket);
    void drop(SessionTable::SessionId id);
    void close_all();
    void arm_idle_check();
    void check_idle();
    std::string endpoint() const { return fmt::format("{}:{}", host, bound_port); }

    Executor& executor;
    ModbusDevice& device;
    std::string host;
    std::uint16_t requested_port;
    std::uint16_t bound_port = 0;
    tcp::acceptor acceptor;
    SessionTable sessions;
    std::map<SessionTable::SessionId, std::shared_ptr<Connection>> connections;
    std::optional<Executor::TimerId> idle_timer;
    std::optional<Executor::TimerId> accept_retry_timer;
    WireFaults faults;
    std::shared_ptr<spdlog::logger> logger;

    // Atomics so another thread (a test, a status command) may read them while the executor runs.
    std::atomic<std::size_t> open_connections{0};
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> closed_idle{0};
    std::atomic<std::uint64_t> closed_bad_frame{0};
    std::atomic<std::uint64_t> requests_served{0};
};

// One master's connection. Requests are answered in arrival order, so pipelined requests get their replies
// in order even when a fault delays one of them.
class TcpServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Impl& server, tcp::socket socket, SessionTable::SessionId id)
        : server_(server), socket_(std::move(socket)), id_(id) {}

    void start() { read_more(); }
    // Idempotent. Handlers still queued in asio see closed_ and return without touching the server.
    void close() {
        if (closed_) {
            return;
        }
        closed_ = true;
        if (pump_timer_) {
            server_.executor.cancel(*pump_timer_);
            pump_timer_.reset();
        }
        close_socket(socket_);
    }

private:
    struct Outgoing {
        TimePoint due;
        std::vector<std::uint8_t> bytes;
    };

    void read_more() {
        socket_.async_read_some(asio::buffer(chunk_),
                                [self = shared_from_this()](const boost::system::error_code& error, std::size_t n) {
                                    self->on_read(error, n);
                                });
    }

    void on_read(const boost::system::error_code& error, std::size_t received) {
        if (closed_) {
            return;
        }
        if (error) {
            server_.drop(id_);  // peer closed or reset
            return;
        }
        inbox_.insert(inbox_.end(), chunk_.begin(), chunk_.begin() + static_cast<std::ptrdiff_t>(received));
        if (serve_complete_frames()) {
            read_more();
        }
    }

    // Serves every complete frame in the inbox; false when the connection was closed meanwhile.
    bool serve_complete_frames() {
        std::size_t offset = 0;
        while (inbox_.size() - offset >= tcp_adu::header_size) {
            const std::uint8_t* header = inbox_.data() + offset;
            std::uint16_t transaction = tcp_adu::read_u16(header);
            std::uint16_t protocol = tcp_adu::read_u16(header + 2);
            std::uint16_t length = tcp_adu::read_u16(header + 4);
            if (!tcp_adu::plausible_header(header)) {
                // Not Modbus, or a stream we lost sync with: there is no way to find the next frame.
                server_.logger->debug("{}: closing connection {}: bad MBAP header (protocol {}, length {})",
                                      server_.endpoint(), id_, protocol, length);
                ++server_.closed_bad_frame;
                server_.drop(id_);
                return false;
            }
            std::size_t frame_size = tcp_adu::frame_size(header);
            if (inbox_.size() - offset < frame_size) {
                break;
            }
            serve(transaction, header[6], std::span<const std::uint8_t>(header + tcp_adu::header_size, length - 1));
            if (closed_) {
                return false;  // the device dropped its connections (e.g. it rebooted)
            }
            offset += frame_size;
        }
        inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(offset));
        return true;
    }

    void serve(std::uint16_t transaction, std::uint8_t unit, std::span<const std::uint8_t> pdu) {
        TimePoint now = server_.executor.now();
        server_.sessions.touch(id_, now);
        const WireFaults& faults = server_.faults;
        if (faults.hang) {
            return;
        }
        ++server_.requests_served;
        std::optional<Pdu> response = faults.exception ? std::optional<Pdu>(encode_exception(pdu[0], *faults.exception))
                                                       : server_.device.handle(unit, pdu);
        if (!response) {
            return;  // the device chose not to answer
        }
        std::vector<std::uint8_t> adu = tcp_adu::make(transaction, unit, *response);
        if (faults.corrupt_byte_at && *faults.corrupt_byte_at < adu.size()) {
            adu[*faults.corrupt_byte_at] ^= 0xFF;
        }
        TimePoint due = now + faults.reply_delay;
        if (faults.split_reply_at && *faults.split_reply_at > 0 && *faults.split_reply_at < adu.size()) {
            auto split = static_cast<std::ptrdiff_t>(*faults.split_reply_at);
            std::vector<std::uint8_t> tail(adu.begin() + split, adu.end());
            adu.resize(*faults.split_reply_at);
            outbox_.push_back({due, std::move(adu)});
            outbox_.push_back({due + faults.split_gap, std::move(tail)});
        } else {
            outbox_.push_back({due, std::move(adu)});
        }
        pump();
    }

    // Writes whatever is due; if the head of the queue is not due yet, wakes up when it is. A reply that the
    // socket takes at once (the usual case: a few hundred bytes into an empty send buffer) is sent right here,
    // without an asynchronous write and the completion it would post: one system call, no extra trip through
    // the executor. What the socket does not take goes out asynchronously, in order.
    void pump() {
        if (closed_ || write_in_flight_) {
            return;
        }
        TimePoint now = server_.executor.now();
        writing_.clear();
        while (!outbox_.empty() && outbox_.front().due <= now) {
            writing_.insert(writing_.end(), outbox_.front().bytes.begin(), outbox_.front().bytes.end());
            outbox_.pop_front();
        }
        if (!writing_.empty()) {
            boost::system::error_code error;
            std::size_t sent = socket_.write_some(asio::buffer(writing_), error);  // non-blocking socket
            if (error && error != asio::error::would_block && error != asio::error::try_again) {
                server_.drop(id_);
                return;
            }
            if (error || sent < writing_.size()) {
                writing_.erase(writing_.begin(), writing_.begin() + static_cast<std::ptrdiff_t>(error ? 0 : sent));
                write_in_flight_ = true;
                asio::async_write(socket_, asio::buffer(writing_),
                                  [self = shared_from_this()](const boost::system::error_code& failure, std::size_t) {
                                      self->on_written(failure);
                                  });
                return;
            }
        }
        if (!outbox_.empty() && !pump_timer_) {
            pump_timer_ = server_.executor.schedule_at(outbox_.front().due, [self = shared_from_this()] {
                self->pump_timer_.reset();
                self->pump();
            });
        }
    }

    void on_written(const boost::system::error_code& error) {
        write_in_flight_ = false;
        if (closed_) {
            return;
        }
        if (error) {
            server_.drop(id_);
            return;
        }
        pump();
    }

    Impl& server_;
    tcp::socket socket_;
    SessionTable::SessionId id_;
    std::array<std::uint8_t, 1024> chunk_{};
    std::vector<std::uint8_t> inbox_;
    std::deque<Outgoing> outbox_;
    std::vector<std::uint8_t> writing_;
    bool write_in_flight_ = false;
    std::optional<Executor::TimerId> pump_timer_;
    bool closed_ = false;
};

void TcpServer::Impl::start() {
    if (acceptor.is_open()) {
        return;
    }
    // Rules are read now rather than at construction so settings changed in between take effect.
    sessions = SessionTable(device.connection_rules());
    bound_port = open_listener(executor.io(), acceptor, host, requested_port);
    logger->info("listening on {}", endpoint());
    accept_next();
}

void TcpServer::Impl::stop() {
    for (auto* timer : {&idle_timer, &accept_retry_timer}) {
        if (*timer) {
            executor.cancel(**timer);
            timer->reset();
        }
    }
    boost::system::error_code ignored;
    acceptor.close(ignored);
    close_all();
}

void TcpServer::Impl::accept_next() {
    acceptor.async_accept([weak = weak_from_this()](const boost::system::error_code& error, tcp::socket socket) {
        if (auto self = weak.lock()) {
            self->on_accept(error, std::move(socket));
        }
    });
}

void TcpServer::Impl::on_accept(const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor.is_open()) {
        return;
    }
    if (error) {
        logger->warn("{}: accept failed: {}", endpoint(), error.message());
        accept_retry_timer = executor.schedule_after(accept_retry_delay, [this] {
            accept_retry_timer.reset();
            accept_next();
        });
        return;
    }
    check_idle();  // a master whose idle time is up frees its slot before the newcomer is counted
    auto id = sessions.open(executor.now());
    if (!id) {
        // How the real station refuses a master beyond its limit is undocumented. Accepting and closing at
        // once is what a client can observe either way: the connection is dead before its first answer.
        ++refused;
        logger->debug("{}: refused a connection: {} masters already connected", endpoint(), connections.size());
        close_socket(socket);
    } else {
        ++accepted;
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        socket.non_blocking(true, ignored);  // replies are first written directly (Connection::pump)
        auto connection = std::make_shared<Connection>(*this, std::move(socket), *id);
        connections.emplace(*id, connection);
        open_connections = connections.size();
        connection->start();
        arm_idle_check();
    }
    accept_next();
}

void TcpServer::Impl::drop(SessionTable::SessionId id) {
    sessions.close(id);
    auto it = connections.find(id);
    if (it == connections.end()) {
        return;
    }
    auto connection = it->second;  // keeps it alive while it closes
    connections.erase(it);
    open_connections = connections.size();
    connection->close();
}

void TcpServer::Impl::close_all() {
    auto closing = std::move(connections);
    connections.clear();
    sessions.close_all();
    open_connections = 0;
    for (auto& [id, connection] : closing) {
        connection->close();
    }
}

// One timer for all connections, due at the earliest possible expiry. Activity only moves expiries later,
// so a request never needs to re-arm it: when it fires early it finds nothing to close and re-arms.
void TcpServer::Impl::arm_idle_check() {
    if (idle_timer) {
        return;
    }
    if (auto next = sessions.next_expiry()) {
        idle_timer = executor.schedule_at(*next, [this] {
            idle_timer.reset();
            check_idle();
        });
    }
}

void TcpServer::Impl::check_idle() {
    for (auto id : sessions.expire_idle(executor.now())) {
        ++closed_idle;
        logger->debug("{}: closing idle connection {}", endpoint(), id);
        drop(id);
    }
    arm_idle_check();
}

TcpServer::TcpServer(Executor& executor, ModbusDevice& device, std::string host, std::uint16_t port)
    : impl_(std::make_shared<Impl>(executor, device, std::move(host), port)) {}

TcpServer::~TcpServer() = default;

void TcpServer::start() {
    impl_->start();
}
void TcpServer::stop() {
    impl_->stop();
}
std::uint16_t TcpServer::port() const {
    return impl_->bound_port;
}
std::string TcpServer::endpoint() const {
    return impl_->endpoint();
}
std::size_t TcpServer::connection_count() const {
    return impl_->open_connections.load();
}
void TcpServer::close_all_connections() {
    impl_->close_all();
}
WireFaults& TcpServer::faults() {
    return impl_->faults;
}

TcpServerStats TcpServer::stats() const {
    return TcpServerStats{impl_->accepted.load(), impl_->refused.load(), impl_->closed_idle.load(),
                          impl_->closed_bad_frame.load(), impl_->requests_served.load()};
}

}  // namespace evhil::modbus
