#include "drivers/web/http_server.hpp"

#include <boost/asio/ip/address.hpp>

#include "drivers/core/log.hpp"
#include "drivers/web/http_connection.hpp"

namespace evhil::web {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

auto logger() {
    return log::get("web");
}

// Plain HTTP: the connection starts reading at once.
class PlainStarter : public ConnectionStarter {
public:
    std::shared_ptr<EventSink> start(tcp::socket socket, const HttpServerLimits& limits,
                                     std::shared_ptr<const HttpHandler> handler,
                                     std::shared_ptr<std::size_t> count) override {
        auto connection = std::make_shared<detail::Connection<boost::beast::tcp_stream>>(
            boost::beast::tcp_stream(std::move(socket)), limits, std::move(handler), std::move(count));
        connection->start();
        return connection;
    }
};

}  // namespace

HttpServer::HttpServer(Executor& executor, HttpServerLimits limits, Handler handler,
                       std::unique_ptr<ConnectionStarter> starter)
    : executor_(executor),
      limits_(limits),
      handler_(std::make_shared<Handler>(std::move(handler))),
      starter_(starter ? std::move(starter) : std::make_unique<PlainStarter>()),
      acceptor_(executor.io()) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::set_starter(std::unique_ptr<ConnectionStarter> starter) {
    starter_ = starter ? std::move(starter) : std::make_unique<PlainStarter>();
}

void HttpServer::listen(const std::string& host, std::uint16_t port) {
    boost::system::error_code error;
    auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, error);
    tcp::endpoint endpoint(address, port);
    if (!error) {
        acceptor_.open(endpoint.protocol(), error);
    }
    if (!error) {
        acceptor_.set_option(asio::socket_base::reuse_address(true), error);
        acceptor_.bind(endpoint, error);
    }
    if (!error) {
        acceptor_.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + error.message());
    }
    *stopped_ = false;
    accept();
}

std::uint16_t HttpServer::port() const {
    boost::system::error_code error;
    auto endpoint = acceptor_.local_endpoint(error);
    return error ? 0 : endpoint.port();
}

void HttpServer::stop() {
    *stopped_ = true;
    *handler_ = Handler{};
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (const auto& weak : open_) {
        if (auto connection = weak.lock()) {
            connection->close();
        }
    }
    open_.clear();
}

void HttpServer::accept() {
    acceptor_.async_accept([this, stopped = stopped_](boost::system::error_code error, tcp::socket socket) {
        if (*stopped) {
            return;
        }
        if (!error) {
            if (*connections_ >= limits_.max_connections) {
                logger()->warn("refusing a connection: {} are open already", *connections_);
                boost::system::error_code ignored;
                socket.close(ignored);
            } else {
                std::erase_if(open_, [](const auto& weak) { return weak.expired(); });
                if (auto connection = starter_->start(std::move(socket), limits_, handler_, connections_)) {
                    open_.push_back(connection);
                }
            }
        }
        accept();
    });
}

}  // namespace evhil::web
