#include "drivers/transport/modbus/tcp_client.hpp"

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>

#include "drivers/transport/modbus/request_queue.hpp"
#include "drivers/transport/modbus/tcp_adu.hpp"
#include "drivers/transport/modbus/tcp_socket_util.hpp"

namespace evhil::modbus {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct TcpClient::Impl : std::enable_shared_from_this<TcpClient::Impl> {
    Impl(Executor& executor, TcpClientSettings settings)
        : executor(executor),
          settings(std::move(settings)),
          socket(executor.io()),
          resolver(executor.io()),
          queue(executor) {}

    std::string endpoint() const { return fmt::format("{}:{}", settings.host, settings.port); }

    // Runs `handler` only if the connection it belongs to is still the current one.
    template <typename Handler>
    auto guarded(Handler handler) {
        return [weak = weak_from_this(), generation = generation, handler = std::move(handler)](auto&&... args) {
            auto self = weak.lock();
            if (self && self->generation == generation) {
                handler(*self, std::forward<decltype(args)>(args)...);
            }
        };
    }

    void arm_timer(Duration timeout, std::function<void(Impl&)> on_timeout) {
        cancel_timer();
        timer = executor.schedule_after(timeout, guarded([on_timeout = std::move(on_timeout)](Impl& self) {
                                            self.timer.reset();
                                            on_timeout(self);
                                        }));
    }
    void cancel_timer() {
        if (timer) {
            executor.cancel(*timer);
            timer.reset();
        }
    }

    // Ends the socket and every handler queued for it; the request queue is left to the caller.
    void close_socket() {
        ++generation;
        cancel_timer();
        resolver.cancel();
        tcp_util::close_socket(socket);
        connected = false;
    }

    void connect(ConnectHandler done) {
        close_socket();
        queue.clear();
        pending_connect = std::move(done);
        arm_timer(settings.connect_timeout, [](Impl& self) {
            self.close_socket();
            self.finish_connect(fmt::format("cannot connect to {}: timed out", self.endpoint()));
        });
        error_code error;
        auto address = asio::ip::make_address(settings.host, error);
        if (!error) {
            socket.async_connect(tcp::endpoint(address, settings.port),
                                 guarded([](Impl& self, const error_code& e) { self.on_connect(e); }));
            return;
        }
        // The resolver runs getaddrinfo on asio's own thread and posts its answer back into the executor.
        resolver.async_resolve(settings.host, std::to_string(settings.port),
                               guarded([](Impl& self, const error_code& e, const tcp::resolver::results_type& results) {
                                   if (e) {
                                       self.on_connect(e);
                                       return;
                                   }
                                   asio::async_connect(self.socket, results,
                                                       self.guarded([](Impl& self, const error_code& e,
                                                                       const tcp::endpoint&) { self.on_connect(e); }));
                               }));
    }

    void on_connect(const error_code& error) {
        cancel_timer();
        if (error) {
            close_socket();
            finish_connect(fmt::format("cannot connect to {}: {}", endpoint(), error.message()));
            return;
        }
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        connected = true;
        finish_connect("");
    }

    void finish_connect(const std::string& failure) {
        auto done = std::move(pending_connect);
        pending_connect = nullptr;
        if (!done) {
            return;
        }
        std::optional<PortError> error;
        if (!failure.empty()) {
            error = PortError{PortError::Kind::connect_failed, std::nullopt, failure};
        }
        queue.post_guarded([done = std::move(done), error] { done(error); });
    }

    void send_next() {
        const auto* request = queue.start_next();
        if (request == nullptr) {
            return;
        }
        if (!connected) {
            queue.finish(PortError{PortError::Kind::not_connected, std::nullopt, "not connected to " + endpoint()});
            send_next();
            return;
        }
        transaction = static_cast<std::uint16_t>(transaction + 1);
        unit = request->unit;
        describe = describe_pdu(request->pdu, true);
        outgoing = tcp_adu::make(transaction, unit, request->pdu);
        arm_timer(settings.response_timeout,
                  [](Impl& self) { self.fail(PortError::Kind::timeout, "no answer (connection timed out)"); });
        asio::async_write(socket, asio::buffer(outgoing), guarded([](Impl& self, const error_code& e, std::size_t) {
                              if (e) {
                                  self.fail(PortError::Kind::connection_lost, e.message());
                                  return;
                              }
                              self.read_header();
                          }));
    }

    void read_header() {
        asio::async_read(socket, asio::buffer(incoming.data(), tcp_adu::header_size),
                         guarded([](Impl& self, const error_code& e, std::size_t) {
                             if (e) {
                                 self.fail(PortError::Kind::connection_lost, e.message());
                                 return;
                             }
                             const std::uint8_t* header = self.incoming.data();
                             if (!tcp_adu::plausible_header(header)) {
                                 self.fail(PortError::Kind::bad_response, "the answer is not a Modbus TCP frame");
                             } else if (tcp_adu::read_u16(header) != self.transaction || header[6] != self.unit) {
                                 self.fail(
                                     PortError::Kind::bad_response,
                                     fmt::format("answer for transaction {} unit {}, expected {} unit {}",
                                                 tcp_adu::read_u16(header), header[6], self.transaction, self.unit));
                             } else {
                                 self.read_pdu(tcp_adu::frame_size(header) - tcp_adu::header_size);
                             }
                         }));
    }

    void read_pdu(std::size_t size) {
        asio::async_read(socket, asio::buffer(incoming.data() + tcp_adu::header_size, size),
                         guarded([size](Impl& self, const error_code& e, std::size_t) {
                             if (e) {
                                 self.fail(PortError::Kind::connection_lost, e.message());
                                 return;
                             }
                             self.cancel_timer();
                             const auto* pdu = self.incoming.data() + tcp_adu::header_size;
                             self.queue.finish(Pdu(pdu, pdu + size));
                             self.send_next();
                         }));
    }

    // A failed request leaves the stream in doubt: the connection is closed before the handler runs.
    void fail(PortError::Kind kind, const std::string& reason) {
        close_socket();
        queue.finish(
            PortError{kind, std::nullopt, fmt::format("{} unit {} on {}: {}", describe, unit, endpoint(), reason)});
        send_next();
    }

    Executor& executor;
    TcpClientSettings settings;
    tcp::socket socket;
    tcp::resolver resolver;
    RequestQueue queue;
    ConnectHandler pending_connect;
    std::uint64_t generation = 0;
    bool connected = false;
    std::optional<Executor::TimerId> timer;
    std::uint16_t transaction = 0;
    std::uint8_t unit = 0;
    std::string describe;
    std::vector<std::uint8_t> outgoing;
    std::array<std::uint8_t, tcp_adu::header_size + tcp_adu::max_length> incoming{};
};

TcpClient::TcpClient(Executor& executor, TcpClientSettings settings)
    : impl_(std::make_shared<Impl>(executor, std::move(settings))) {}

TcpClient::~TcpClient() {
    impl_->close_socket();
    impl_->queue.clear();
}

void TcpClient::connect(ConnectHandler done) {
    impl_->connect(std::move(done));
}

void TcpClient::disconnect() {
    impl_->close_socket();
    impl_->queue.clear();
    impl_->pending_connect = nullptr;
}

bool TcpClient::is_connected() const {
    return impl_->connected;
}

std::string TcpClient::endpoint() const {
    return impl_->endpoint();
}

void TcpClient::transact(std::uint8_t unit, Pdu request, PduHandler done) {
    impl_->queue.push({unit, std::move(request), std::move(done)});
    impl_->send_next();
}

}  // namespace evhil::modbus
