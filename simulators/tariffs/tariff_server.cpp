#include "simulators/tariffs/tariff_server.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <optional>
#include <stdexcept>

#include "drivers/core/log.hpp"

namespace evhil::sim::tariffs {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct TariffServer::Impl : std::enable_shared_from_this<TariffServer::Impl> {
    class Connection;

    Impl(Executor& executor, TariffServerSettings settings, Handler handler)
        : executor(executor),
          settings(std::move(settings)),
          handler(std::move(handler)),
          tls(asio::ssl::context::tls_server),
          acceptor(executor.io()),
          logger(log::get("tariff-server")) {}
    ~Impl() { stop(); }

    void start();
    void stop();
    void accept_next();

    Executor& executor;
    TariffServerSettings settings;
    Handler handler;
    asio::ssl::context tls;
    tcp::acceptor acceptor;
    std::uint16_t bound_port = 0;
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, std::weak_ptr<Connection>> connections;
    std::atomic<std::uint64_t> served{0};
    std::shared_ptr<spdlog::logger> logger;
};

// One client's connection: the TLS handshake, then requests answered one at a time in arrival order.
class TariffServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(std::shared_ptr<Impl> server, tcp::socket socket, std::uint64_t id)
        : server_(server), executor_(server->executor), stream_(std::move(socket), server->tls), id_(id) {}

    void start() {
        stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code error) {
            if (error) {
                self->close();  // e.g. a client that does not trust the certificate
            } else {
                self->read();
            }
        });
    }

    // Idempotent; handlers still queued in asio see closed_ and return.
    void close() {
        if (closed_) {
            return;
        }
        closed_ = true;
        if (delay_timer_) {
            executor_.cancel(*delay_timer_);
            delay_timer_.reset();
        }
        beast::error_code ignored;
        stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.next_layer().close(ignored);
        if (auto server = server_.lock()) {
            server->connections.erase(id_);
        }
    }

private:
    void read() {
        auto server = server_.lock();
        if (closed_ || !server) {
            return close();
        }
        parser_.emplace();
        parser_->body_limit(server->settings.body_limit);
        bhttp::async_read(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
    }

    void on_read(beast::error_code error) {
        if (closed_) {
            return;
        }
        if (error == bhttp::error::body_limit) {
            send({{413, "application/json", R"({"detail": "Request body too large."})"}}, false);
            return;
        }
        if (error) {
            close();  // the client went, or sent something that is not HTTP
            return;
        }
        auto server = server_.lock();
        if (!server) {
            return close();
        }
        const auto& request = parser_->get();
        http::HttpRequest asked;
        asked.method = std::string(request.method_string());
        asked.target = std::string(request.target());
        for (const auto& field : request) {
            std::string name(field.name_string());
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            asked.headers[name] = std::string(field.value());
        }
        asked.body = request.body();
        SimAnswer answer;
        try {
            answer = server->handler(asked);
        } catch (const std::exception& e) {
            server->logger->error("{} {}: {}", asked.method, asked.target, e.what());
            answer.response = {500, "application/json", R"({"detail": "Internal server error."})"};
        }
        ++server->served;
        send(std::move(answer), request.keep_alive());
    }

    void send(SimAnswer answer, bool keep_alive) {
        if (answer.drop_connection && answer.delay <= Duration(0)) {
            return close();
        }
        response_ = {};
        response_.version(11);
        response_.result(static_cast<unsigned>(answer.response.status));
        response_.set(bhttp::field::server, "evhil");
        response_.set(bhttp::field::content_type, answer.response.content_type);
        response_.keep_alive(keep_alive);
        response_.body() = std::move(answer.response.body);
        response_.prepare_payload();
        if (answer.delay <= Duration(0)) {
            return write();
        }
        // Held back on the executor's clock, not in a sleep: the server keeps serving other connections meanwhile.
        delay_timer_ =
            executor_.schedule_after(answer.delay, [self = shared_from_this(), drop = answer.drop_connection] {
                self->delay_timer_.reset();
                drop ? self->close() : self->write();
            });
    }

    void write() {
        if (closed_) {
            return;
        }
        bhttp::async_write(stream_, response_, [self = shared_from_this()](beast::error_code error, std::size_t) {
            if (self->closed_) {
                return;
            }
            if (error) {
                return self->close();
            }
            if (self->response_.keep_alive()) {
                return self->read();
            }
            self->stream_.async_shutdown([self](beast::error_code) { self->close(); });
        });
    }

    std::weak_ptr<Impl> server_;
    Executor& executor_;
    asio::ssl::stream<tcp::socket> stream_;
    std::uint64_t id_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    bhttp::response<bhttp::string_body> response_;
    std::optional<Executor::TimerId> delay_timer_;
    bool closed_ = false;
};

void TariffServer::Impl::start() {
    try {
        tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        tls.use_certificate_chain_file(settings.cert_file);
        tls.use_private_key_file(settings.key_file, asio::ssl::context::pem);
        tcp::endpoint endpoint(asio::ip::make_address(settings.host), settings.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();
        bound_port = acceptor.local_endpoint().port();
    } catch (const std::exception& e) {
        beast::error_code ignored;
        acceptor.close(ignored);
        throw std::runtime_error(
            fmt::format("cannot serve HTTPS on {}:{}: {}", settings.host, settings.port, e.what()));
    }
    accept_next();
}

void TariffServer::Impl::accept_next() {
    acceptor.async_accept([weak = weak_from_this()](beast::error_code error, tcp::socket socket) {
        auto self = weak.lock();
        if (!self || !self->acceptor.is_open()) {
            return;
        }
        if (error) {
            // Out of file descriptors, say: accepting again at once would spin, so try again a little later.
            self->executor.schedule_after(std::chrono::milliseconds(100), [weak] {
                if (auto server = weak.lock(); server && server->acceptor.is_open()) {
                    server->accept_next();
                }
            });
            return;
        }
        auto id = self->next_id++;
        auto connection = std::make_shared<Connection>(self, std::move(socket), id);
        self->connections[id] = connection;
        connection->start();
        self->accept_next();
    });
}

void TariffServer::Impl::stop() {
    beast::error_code ignored;
    acceptor.close(ignored);
    auto open = std::move(connections);
    connections.clear();
    for (auto& [id, weak] : open) {
        if (auto connection = weak.lock()) {
            connection->close();
        }
    }
}

TariffServer::TariffServer(Executor& executor, TariffServerSettings settings, Handler handler)
    : impl_(std::make_shared<Impl>(executor, std::move(settings), std::move(handler))) {}

TariffServer::~TariffServer() {
    impl_->stop();
}

void TariffServer::start() {
    impl_->start();
}

void TariffServer::stop() {
    impl_->stop();
}

std::uint16_t TariffServer::port() const {
    return impl_->bound_port;
}

std::string TariffServer::base_url() const {
    return fmt::format("https://{}:{}", impl_->settings.host, impl_->bound_port);
}

std::uint64_t TariffServer::requests_served() const {
    return impl_->served;
}

}  // namespace evhil::sim::tariffs
