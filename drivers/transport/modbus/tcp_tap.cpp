#include "drivers/transport/modbus/tcp_tap.hpp"

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <utility>

#include "drivers/core/log.hpp"
#include "drivers/transport/modbus/tcp_adu.hpp"
#include "drivers/transport/modbus/tcp_socket_util.hpp"

namespace evhil::modbus {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

using namespace tcp_util;

// Large enough for any ADU (260 bytes) several times over; the relay forwards whatever one read returns.
constexpr std::size_t relay_chunk_size = 4096;

std::string format_endpoint(const tcp::endpoint& endpoint) {
    return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

std::string remote_of(const tcp::socket& socket) {
    boost::system::error_code error;
    auto endpoint = socket.remote_endpoint(error);
    return error ? std::string("?") : format_endpoint(endpoint);
}

// Cuts one direction's byte stream into frames by the protocol's framing. Kept apart from the relay so a frame that
// straddles reads, or several frames in one read, are found the same way.
class StreamFramer {
public:
    struct Piece {
        std::vector<std::uint8_t> bytes;
        bool framed = true;
    };

    explicit StreamFramer(const StreamFraming& framing) : framing_(&framing) {}

    // Appends `bytes` and returns every complete frame, or the whole buffer as one unframed piece when it cannot be
    // the protocol (the stream has lost sync and no later frame boundary can be trusted).
    std::vector<Piece> feed(std::span<const std::uint8_t> bytes) {
        buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
        std::vector<Piece> pieces;
        while (!buffer_.empty()) {
            std::optional<std::size_t> size = framing_->frame_size(buffer_);
            if (!size) {
                pieces.push_back({std::exchange(buffer_, {}), false});
                break;
            }
            if (*size == 0 || buffer_.size() < *size) {
                break;
            }
            auto end = buffer_.begin() + static_cast<std::ptrdiff_t>(*size);
            Piece piece{std::vector<std::uint8_t>(buffer_.begin(), end), true};
            buffer_.erase(buffer_.begin(), end);
            if (framing_->redact) {
                framing_->redact(piece.bytes);
            }
            pieces.push_back(std::move(piece));
        }
        return pieces;
    }

    std::vector<std::uint8_t> take_leftover() { return std::exchange(buffer_, {}); }

private:
    const StreamFraming* framing_;
    std::vector<std::uint8_t> buffer_;
};

TcpTapSettings with_framing(TcpTapSettings settings) {
    if (!settings.framing.frame_size) {
        settings.framing = tcp_adu::framing();
    }
    return settings;
}

}  // namespace

struct TcpTap::Impl : std::enable_shared_from_this<TcpTap::Impl> {
    class Pair;

    Impl(Executor& executor, TcpTapSettings settings, Sink sink)
        : executor(executor),
          settings(with_framing(std::move(settings))),
          sink(std::move(sink)),
          acceptor(executor.io()),
          logger(log::get(this->settings.framing.protocol + "-tap")) {}
    // Silent: the sink may belong to an object that is already half destroyed.
    ~Impl() { shut_down(std::nullopt); }

    void start();
    void shut_down(const std::optional<std::string>& note);
    void close_pairs(const std::optional<std::string>& note);
    void accept_next();
    void on_accept(const boost::system::error_code& error, tcp::socket socket);
    void refuse(tcp::socket socket, std::uint32_t id);
    void forget(std::uint32_t id);
    void emit(FrameEvent event) const {
        if (sink) {
            sink(std::move(event));
        }
    }
    std::string endpoint() const { return fmt::format("{}:{}", settings.listen_host, bound_port); }
    std::string device_endpoint() const { return fmt::format("{}:{}", settings.device_host, settings.device_port); }

    Executor& executor;
    TcpTapSettings settings;
    Sink sink;
    tcp::acceptor acceptor;
    std::uint16_t bound_port = 0;
    bool link_down = false;
    std::uint32_t last_connection = 0;
    std::map<std::uint32_t, std::shared_ptr<Pair>> pairs;
    std::optional<Executor::TimerId> accept_retry_timer;
    std::atomic<std::size_t> open_pairs{0};  // read by other threads (tests poll it)
    std::shared_ptr<spdlog::logger> logger;
};

// One client connection and its own connection to the device. Each direction is a read → forward → read loop:
// the next read waits for the previous forward, which is the back-pressure a relay needs, and every chunk is
// forwarded as it arrived so faults like split replies reach the client unchanged.
class TcpTap::Impl::Pair : public std::enable_shared_from_this<Pair> {
public:
    Pair(Impl& tap, tcp::socket client, std::uint32_t id)
        : tap_(tap), client_(std::move(client)), device_(tap.executor.io()), resolver_(tap.executor.io()), id_(id) {
        client_endpoint_ = remote_of(client_);
        device_endpoint_ = tap.device_endpoint();
    }

    void start();
    // Idempotent. `note` empty: close without reporting (the tap is being destroyed).
    void close(const std::optional<std::string>& note);

private:
    struct Direction {
        Direction(tcp::socket& from, tcp::socket& to, bool from_client, const StreamFraming& framing)
            : from(&from), to(&to), from_client(from_client), framer(framing) {}
        tcp::socket* from;
        tcp::socket* to;
        bool from_client;
        std::array<std::uint8_t, relay_chunk_size> chunk{};
        StreamFramer framer;
    };

    void on_resolved(const boost::system::error_code& error, const tcp::resolver::results_type& results);
    void on_connected(const boost::system::error_code& error, const tcp::endpoint& endpoint);
    void on_connect_timeout();
    void connect_failed(const boost::system::error_code& error);
    void read_more(Direction& direction);
    void on_read(Direction& direction, const boost::system::error_code& error, std::size_t received);
    void record(Direction& direction, std::span<const std::uint8_t> bytes);
    void on_error(const Direction& direction, const boost::system::error_code& error);
    void finish(const std::string& note);
    FrameEvent event(FrameEvent::Kind kind) const;

    Impl& tap_;
    tcp::socket client_;
    tcp::socket device_;
    tcp::resolver resolver_;
    std::uint32_t id_;
    std::string client_endpoint_;
    std::string device_endpoint_;
    std::optional<Executor::TimerId> connect_timer_;
    bool timed_out_ = false;
    bool closed_ = false;
    Direction upstream_{client_, device_, true, tap_.settings.framing};
    Direction downstream_{device_, client_, false, tap_.settings.framing};
};

void TcpTap::Impl::Pair::start() {
    connect_timer_ = tap_.executor.schedule_after(tap_.settings.connect_timeout, [self = shared_from_this()] {
        self->connect_timer_.reset();
        self->on_connect_timeout();
    });
    resolver_.async_resolve(
        tap_.settings.device_host, std::to_string(tap_.settings.device_port),
        [self = shared_from_this()](const boost::system::error_code& error,
                                    const tcp::resolver::results_type& results) { self->on_resolved(error, results); });
}

void TcpTap::Impl::Pair::on_resolved(const boost::system::error_code& error,
                                     const tcp::resolver::results_type& results) {
    if (closed_) {
        return;
    }
    if (error) {
        connect_failed(error);
        return;
    }
    asio::async_connect(
        device_, results,
        [self = shared_from_this()](const boost::system::error_code& error, const tcp::endpoint& endpoint) {
            self->on_connected(error, endpoint);
        });
}

void TcpTap::Impl::Pair::connect_failed(const boost::system::error_code& error) {
    // After the timeout the error is only "operation canceled", which would hide the reason.
    finish("connect failed: " + (timed_out_ ? std::string("timed out") : error.message()));
}

// Closing the device socket aborts a pending resolve or connect; its handler reports the timeout.
void TcpTap::Impl::Pair::on_connect_timeout() {
    if (closed_) {
        return;
    }
    timed_out_ = true;
    resolver_.cancel();
    close_socket(device_);
}

void TcpTap::Impl::Pair::on_connected(const boost::system::error_code& error, const tcp::endpoint& endpoint) {
    if (closed_) {
        return;
    }
    if (error) {
        connect_failed(error);
        return;
    }
    if (connect_timer_) {
        tap_.executor.cancel(*connect_timer_);
        connect_timer_.reset();
    }
    device_endpoint_ = format_endpoint(endpoint);
    boost::system::error_code ignored;
    client_.set_option(tcp::no_delay(true), ignored);
    device_.set_option(tcp::no_delay(true), ignored);
    tap_.emit(event(FrameEvent::Kind::opened));
    // Both loops hold the pair alive; each may close it, and the other then finds closed_ set.
    read_more(upstream_);
    read_more(downstream_);
}

void TcpTap::Impl::Pair::read_more(Direction& direction) {
    direction.from->async_read_some(
        asio::buffer(direction.chunk),
        [self = shared_from_this(), &direction](const boost::system::error_code& error, std::size_t received) {
            self->on_read(direction, error, received);
        });
}

void TcpTap::Impl::Pair::on_read(Direction& direction, const boost::system::error_code& error, std::size_t received) {
    if (closed_) {
        return;
    }
    if (error) {
        on_error(direction, error);
        return;
    }
    std::span<const std::uint8_t> bytes(direction.chunk.data(), received);
    // Forward first: recording must never delay the bytes on their way.
    asio::async_write(*direction.to, asio::buffer(bytes.data(), bytes.size()),
                      [self = shared_from_this(), &direction](const boost::system::error_code& error, std::size_t) {
                          if (self->closed_) {
                              return;
                          }
                          if (error) {
                              // The write failed on the far socket, so the far side is the one that went away.
                              self->on_error(&direction == &self->upstream_ ? self->downstream_ : self->upstream_,
                                             error);
                              return;
                          }
                          self->read_more(direction);
                      });
    record(direction, bytes);
}

void TcpTap::Impl::Pair::record(Direction& direction, std::span<const std::uint8_t> bytes) {
    TimePoint arrived = tap_.executor.now();
    auto framed_kind = direction.from_client ? FrameEvent::Kind::to_device : FrameEvent::Kind::from_device;
    for (auto& piece : direction.framer.feed(bytes)) {
        FrameEvent frame = event(piece.framed ? framed_kind : FrameEvent::Kind::unframed);
        frame.time = arrived;
        frame.bytes = std::move(piece.bytes);
        frame.from_client = direction.from_client;
        tap_.emit(std::move(frame));
    }
}

// `direction` names the side whose socket failed.
void TcpTap::Impl::Pair::on_error(const Direction& direction, const boost::system::error_code& error) {
    const char* side = direction.from_client ? "client" : "device";
    if (error == asio::error::eof) {
        finish(fmt::format("{} closed", side));
    } else {
        finish(fmt::format("{} error: {}", side, error.message()));
    }
}

// Ends the pair from inside (a side closed, failed, or never connected) and tells the tap to forget it.
void TcpTap::Impl::Pair::finish(const std::string& note) {
    auto keep_alive = shared_from_this();
    close(note);
    tap_.forget(id_);
}

void TcpTap::Impl::Pair::close(const std::optional<std::string>& note) {
    if (closed_) {
        return;
    }
    closed_ = true;
    if (connect_timer_) {
        tap_.executor.cancel(*connect_timer_);
        connect_timer_.reset();
    }
    resolver_.cancel();
    close_socket(client_);
    close_socket(device_);
    if (!note) {
        return;
    }
    for (Direction* direction : {&upstream_, &downstream_}) {
        auto leftover = direction->framer.take_leftover();
        if (!leftover.empty()) {
            FrameEvent unframed = event(FrameEvent::Kind::unframed);
            unframed.bytes = std::move(leftover);
            unframed.from_client = direction->from_client;
            tap_.emit(std::move(unframed));
        }
    }
    FrameEvent closed = event(FrameEvent::Kind::closed);
    closed.note = *note;
    tap_.emit(std::move(closed));
}

FrameEvent TcpTap::Impl::Pair::event(FrameEvent::Kind kind) const {
    FrameEvent result;
    result.kind = kind;
    result.time = tap_.executor.now();
    result.protocol = tap_.settings.framing.protocol;
    result.connection = id_;
    result.client_endpoint = client_endpoint_;
    result.device_endpoint = device_endpoint_;
    return result;
}

void TcpTap::Impl::start() {
    if (acceptor.is_open()) {
        return;
    }
    bound_port = open_listener(executor.io(), acceptor, settings.listen_host, settings.listen_port);
    logger->info("tapping {} on {}", device_endpoint(), endpoint());
    accept_next();
}

void TcpTap::Impl::shut_down(const std::optional<std::string>& note) {
    if (accept_retry_timer) {
        executor.cancel(*accept_retry_timer);
        accept_retry_timer.reset();
    }
    boost::system::error_code ignored;
    acceptor.close(ignored);
    close_pairs(note);
}

// Moves the map out first: the sink runs while pairs close and must not see a half-iterated map.
void TcpTap::Impl::close_pairs(const std::optional<std::string>& note) {
    auto closing = std::exchange(pairs, {});
    open_pairs = 0;
    for (auto& [id, pair] : closing) {
        pair->close(note);
    }
}

void TcpTap::Impl::accept_next() {
    acceptor.async_accept([weak = weak_from_this()](const boost::system::error_code& error, tcp::socket socket) {
        if (auto self = weak.lock()) {
            self->on_accept(error, std::move(socket));
        }
    });
}

void TcpTap::Impl::on_accept(const boost::system::error_code& error, tcp::socket socket) {
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
    std::uint32_t id = ++last_connection;
    if (link_down) {
        refuse(std::move(socket), id);
    } else {
        auto pair = std::make_shared<Pair>(*this, std::move(socket), id);
        pairs.emplace(id, pair);
        open_pairs = pairs.size();
        pair->start();
    }
    accept_next();
}

// A cut cable cannot refuse a TCP handshake the kernel already completed; closing at once is what a client
// observes either way: the connection dies before its first answer.
void TcpTap::Impl::refuse(tcp::socket socket, std::uint32_t id) {
    FrameEvent closed;
    closed.kind = FrameEvent::Kind::closed;
    closed.time = executor.now();
    closed.protocol = settings.framing.protocol;
    closed.connection = id;
    closed.client_endpoint = remote_of(socket);
    closed.device_endpoint = device_endpoint();
    closed.note = "link down";
    close_socket(socket);
    emit(std::move(closed));
}

void TcpTap::Impl::forget(std::uint32_t id) {
    pairs.erase(id);
    open_pairs = pairs.size();
}

TcpTap::TcpTap(Executor& executor, TcpTapSettings settings, Sink sink)
    : impl_(std::make_shared<Impl>(executor, std::move(settings), std::move(sink))) {}

TcpTap::~TcpTap() = default;

void TcpTap::start() {
    impl_->start();
}
void TcpTap::stop() {
    impl_->shut_down("tap stopped");
}
std::uint16_t TcpTap::port() const {
    return impl_->bound_port;
}
std::string TcpTap::endpoint() const {
    return impl_->endpoint();
}
std::size_t TcpTap::connection_count() const {
    return impl_->open_pairs.load();
}

// Down: the listener closes too, so the driver's connects are refused as they are by a host whose cable is
// pulled and whose switch port answers with a reset; up: it listens again on the same port, where the
// driver's client is still pointed.
void TcpTap::set_link_down(bool down) {
    if (down == impl_->link_down) {
        return;
    }
    impl_->link_down = down;
    if (down) {
        impl_->shut_down("link down");
    } else {
        impl_->settings.listen_port = impl_->bound_port;
        impl_->start();
    }
}

}  // namespace evhil::modbus
