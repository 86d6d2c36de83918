#pragma once
// One client connection of the web server, over a plain TCP stream or a TLS one (the same code: Beast's algorithms
// work on either): requests in turn, then, if the handler opens one, an event stream until either side closes.
// Internal to http_server.cpp and web_tls.cpp.

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <deque>
#include <optional>

#include "drivers/core/log.hpp"
#include "drivers/web/http_server.hpp"

namespace evhil::web::detail {

namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

inline auto web_logger() {
    return log::get("web");
}

constexpr std::size_t max_queued_events = 256;

// One client connection: requests in turn, then, if the handler opens one, an event stream until either side closes.
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>>, public EventSink {
public:
    Connection(Stream stream, const HttpServerLimits& limits, std::shared_ptr<const HttpHandler> handler,
               std::shared_ptr<std::size_t> count)
        : stream_(std::move(stream)), limits_(limits), handler_(std::move(handler)), count_(std::move(count)) {
        ++*count_;
        boost::system::error_code error;
        auto endpoint = socket().remote_endpoint(error);
        if (!error) {
            peer_.address = endpoint.address().to_string();
            peer_.loopback = endpoint.address().is_loopback();
        }
    }
    ~Connection() override { --*count_; }

    void start() { read_request(); }

    void send(std::string text) override {
        if (!streaming_ || closed_) {
            return;
        }
        if (queue_.size() >= max_queued_events) {
            web_logger()->warn("event stream to {} fell {} messages behind; closing it", peer_.address, queue_.size());
            close();
            return;
        }
        queue_.push_back(std::move(text));
        if (queue_.size() == 1) {
            write_next_event();
        }
    }
    bool open() const override { return streaming_ && !closed_; }
    void close() override {
        if (closed_) {
            return;
        }
        closed_ = true;
        boost::system::error_code ignored;
        socket().shutdown(tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
    }

private:
    tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }
    void expires_after(Duration timeout) { beast::get_lowest_layer(stream_).expires_after(timeout); }

    void read_request() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
        parser_->body_limit(limits_.body_bytes);
        expires_after(limits_.request_timeout);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
    }

    void on_read(beast::error_code error) {
        if (error == http::error::end_of_stream || error == beast::error::timeout || closed_) {
            close();
            return;
        }
        if (error) {
            refuse(error);
            return;
        }
        beast::get_lowest_layer(stream_).expires_never();
        Request request = parser_->release();
        Reply reply;
        try {
            if (!*handler_) {
                close();  // the server stopped while this request was on its way
                return;
            }
            reply = (*handler_)(request, peer_);
        } catch (const std::exception& failure) {
            web_logger()->error("{} {}: {}", std::string(to_std(request.method_string())),
                                std::string(request.target()), failure.what());
            reply.response =
                make_response(request, http::status::internal_server_error,
                              R"({"error":"internal error; the daemon's log says more"})", "application/json");
        }
        if (reply.on_stream_open) {
            open_stream(std::move(reply));
            return;
        }
        auto response = std::make_shared<Response>(std::move(reply.response));
        response->prepare_payload();
        if (request.method() == http::verb::head) {
            // The length of what GET would send, and no body.
            const auto length = response->body().size();
            response->body().clear();
            response->content_length(length);
        }
        write_response(response);
    }

    // A request the parser refused: say why in one line and close (the rest of the stream cannot be trusted).
    void refuse(beast::error_code error) {
        auto status = http::status::bad_request;
        std::string why = "malformed request: " + error.message();
        if (error == http::error::body_limit) {
            status = http::status::payload_too_large;
            why = "the body is larger than " + std::to_string(limits_.body_bytes) + " bytes";
        } else if (error == http::error::header_limit) {
            status = http::status::request_header_fields_too_large;
            why = "the headers are larger than " + std::to_string(limits_.header_bytes) + " bytes";
        }
        Request closing;
        closing.keep_alive(false);
        auto response = std::make_shared<Response>(
            make_response(closing, status, json_text(nlohmann::json{{"error", why}}), "application/json"));
        response->prepare_payload();
        write_response(response);
    }

    void write_response(const std::shared_ptr<Response>& response) {
        expires_after(limits_.request_timeout);
        http::async_write(stream_, *response,
                          [self = this->shared_from_this(), response](beast::error_code error, std::size_t) {
                              if (error || !response->keep_alive()) {
                                  self->close();
                                  return;
                              }
                              self->read_request();
                          });
    }

    void open_stream(Reply reply) {
        // The body of an event stream ends when the connection does (no length, no chunking), which every
        // EventSource accepts.
        std::string head = "HTTP/1.1 200 OK\r\n";
        for (const auto& field : reply.response.base()) {
            head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
        }
        head += "\r\n";
        streaming_ = true;
        auto on_open = std::move(reply.on_stream_open);
        queue_.push_back(std::move(head));
        write_next_event();
        on_open(this->shared_from_this());
        watch_for_close();
    }

    void watch_for_close() {
        // Anything the client sends on an event stream is ignored; its end (or an error) closes the stream.
        stream_.async_read_some(asio::buffer(discard_),
                                [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                                    if (error) {
                                        self->close();
                                        return;
                                    }
                                    self->watch_for_close();
                                });
    }

    void write_next_event() {
        if (queue_.empty() || closed_) {
            return;
        }
        asio::async_write(stream_, asio::buffer(queue_.front()),
                          [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                              if (error) {
                                  self->close();
                                  return;
                              }
                              self->queue_.pop_front();
                              self->write_next_event();
                          });
    }

    Stream stream_;
    HttpServerLimits limits_;
    std::shared_ptr<const HttpHandler> handler_;  // emptied by HttpServer::stop()
    std::shared_ptr<std::size_t> count_;
    Peer peer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    bool streaming_ = false;
    bool closed_ = false;
    std::deque<std::string> queue_;
    std::array<char, 512> discard_{};
};

}  // namespace evhil::web::detail
