#pragma once
// The web UI's HTTP/1.1 server on Boost.Beast, on the executor's io_context: no thread of its own, every request
// handled on the executor like everything else.
//
// It parses with Beast's parser under hard limits (8 KiB of headers, the configured body size, 30 s to send a
// request, 64 connections), answers each request with what the handler returns, and keeps the connection for the
// next one. A handler may instead open an event stream (Server-Sent Events): the server then writes the headers,
// hands an EventSink to the handler, and the connection stays open until either side closes it.
//
// Covered by tests/web/web_server_test.cpp and tests/cli/evchargerd_web_*.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/core/executor.hpp"

namespace evhil::web {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct Peer {
    std::string address;
    bool loopback = false;
};

// One open event stream. send() queues; a client that falls 256 messages behind is dropped (it reconnects and
// gets a fresh snapshot), so a stalled browser cannot grow the daemon's memory.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void send(std::string text) = 0;
    virtual bool open() const = 0;
    virtual void close() = 0;
};

struct Reply {
    Response response;
    // Set to open an event stream: `response` carries only the headers, and this is called with the sink once they
    // are written.
    std::function<void(std::shared_ptr<EventSink>)> on_stream_open;
};

using HttpHandler = std::function<Reply(const Request&, const Peer&)>;

struct HttpServerLimits {
    std::size_t header_bytes = std::size_t{8} * 1024;
    std::size_t body_bytes = std::size_t{256} * 1024;
    Duration request_timeout = std::chrono::seconds(30);
    std::size_t max_connections = 64;
};

// How an accepted socket becomes a connection: plain HTTP (the default), or TLS (web_tls.hpp, from a module, since
// evchargerd itself does not link OpenSSL). Returns the connection once it exists, for stop() to close.
class ConnectionStarter {
public:
    virtual ~ConnectionStarter() = default;
    virtual std::shared_ptr<EventSink> start(boost::asio::ip::tcp::socket socket, const HttpServerLimits& limits,
                                             std::shared_ptr<const HttpHandler> handler,
                                             std::shared_ptr<std::size_t> count) = 0;
};

class HttpServer {
public:
    using Handler = HttpHandler;

    // `starter`: nullptr for plain HTTP.
    HttpServer(Executor& executor, HttpServerLimits limits, Handler handler,
               std::unique_ptr<ConnectionStarter> starter = nullptr);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Replaces how connections start (before listen()); nullptr for plain HTTP.
    void set_starter(std::unique_ptr<ConnectionStarter> starter);
    // Binds and listens; throws std::runtime_error("cannot listen on HOST:PORT: reason").
    void listen(const std::string& host, std::uint16_t port);
    std::uint16_t port() const;
    void stop();
    std::size_t connections() const { return *connections_; }

private:
    void accept();

    Executor& executor_;
    HttpServerLimits limits_;
    std::shared_ptr<Handler> handler_;  // shared with the connections; emptied on stop()
    std::unique_ptr<ConnectionStarter> starter_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::vector<std::weak_ptr<EventSink>> open_;  // closed on stop()
    std::shared_ptr<std::size_t> connections_ = std::make_shared<std::size_t>(0);
    std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
};

// Beast 1.74's string_view is Boost's: the same characters as a std::string_view.
inline std::string_view to_std(boost::beast::string_view text) {
    return {text.data(), text.size()};
}

// JSON as text, with any byte that is not UTF-8 (a charger's name from the bus, a path or header from a request)
// replaced by U+FFFD rather than an exception.
template <class Json>
std::string json_text(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A small response with a body and its content type; `keep_alive` follows the request.
inline Response make_response(const Request& request, http::status status, std::string body, const std::string& type) {
    Response response{status, request.version() == 0 ? 11 : request.version()};
    response.set(http::field::server, "evchargerd");
    response.set(http::field::content_type, type);
    response.set(http::field::cache_control, "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    return response;
}

}  // namespace evhil::web
