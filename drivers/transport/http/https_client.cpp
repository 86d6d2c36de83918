#include "drivers/transport/http/https_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>

namespace evhil::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t max_body_bytes = 4 * 1024 * 1024;

// One request from resolve to close, alive as long as an asynchronous step holds it.
class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    using Finish = std::function<void(std::optional<std::string>, HttpResponse)>;

    Exchange(asio::io_context& io, asio::ssl::context& tls, const HttpsSettings& settings, HttpRequest request,
             Finish finish)
        : settings_(settings),
          resolver_(io),
          stream_(io, tls),
          request_(std::move(request)),
          finish_(std::move(finish)) {}

    void start() {
        // SNI: a server behind one address with several names picks its certificate by it.
        if (!SSL_set_tlsext_host_name(stream_.native_handle(), settings_.host.c_str())) {
            fail("cannot set the TLS server name");
            return;
        }
        if (!settings_.insecure) {
            stream_.set_verify_mode(asio::ssl::verify_peer);
            stream_.set_verify_callback(asio::ssl::host_name_verification(settings_.host));
        } else {
            stream_.set_verify_mode(asio::ssl::verify_none);
        }
        beast::get_lowest_layer(stream_).expires_after(timeout());
        resolver_.async_resolve(
            settings_.host, std::to_string(settings_.port),
            [self = shared_from_this()](beast::error_code error, tcp::resolver::results_type found) {
                self->on_resolved(error, std::move(found));
            });
    }

private:
    std::chrono::steady_clock::duration timeout() const {
        return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(settings_.timeout_s));
    }

    void on_resolved(beast::error_code error, const tcp::resolver::results_type& found) {
        if (error) {
            fail("cannot resolve " + settings_.host + ": " + error.message());
            return;
        }
        beast::get_lowest_layer(stream_).async_connect(
            found, [self = shared_from_this()](beast::error_code e, const tcp::endpoint&) { self->on_connected(e); });
    }

    void on_connected(beast::error_code error) {
        if (error) {
            fail("cannot connect to " + where() + ": " + error.message());
            return;
        }
        stream_.async_handshake(asio::ssl::stream_base::client,
                                [self = shared_from_this()](beast::error_code e) { self->on_handshake(e); });
    }

    void on_handshake(beast::error_code error) {
        if (error) {
            fail("TLS handshake with " + where() + " failed: " + error.message());
            return;
        }
        message_.method_string(request_.method);
        message_.target(request_.target);
        message_.version(11);
        message_.set(bhttp::field::host, settings_.host);
        message_.set(bhttp::field::user_agent, "evhil");
        message_.set(bhttp::field::connection, "close");
        for (const auto& [name, value] : request_.headers) {
            message_.set(name, value);
        }
        message_.body() = request_.body;
        message_.prepare_payload();
        bhttp::async_write(stream_, message_,
                           [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_written(e); });
    }

    void on_written(beast::error_code error) {
        if (error) {
            fail("sending to " + where() + " failed: " + error.message());
            return;
        }
        parser_.body_limit(max_body_bytes);
        bhttp::async_read(stream_, buffer_, parser_,
                          [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
    }

    void on_read(beast::error_code error) {
        if (error) {
            fail("reading the answer of " + where() + " failed: " + error.message());
            return;
        }
        const auto& answer = parser_.get();
        HttpResponse response;
        response.status = static_cast<int>(answer.result_int());
        response.content_type = std::string(answer[bhttp::field::content_type]);
        response.body = answer.body();
        // The answer is complete: a server that does not close TLS cleanly does not make it an error.
        beast::get_lowest_layer(stream_).cancel();
        done(std::nullopt, std::move(response));
    }

    std::string where() const { return settings_.host + ":" + std::to_string(settings_.port); }

    void fail(std::string message) { done(std::move(message), {}); }

    void done(std::optional<std::string> error, HttpResponse response) {
        if (finish_) {
            auto finish = std::move(finish_);
            finish_ = nullptr;
            finish(std::move(error), std::move(response));
        }
    }

    const HttpsSettings& settings_;
    tcp::resolver resolver_;
    beast::ssl_stream<beast::tcp_stream> stream_;
    HttpRequest request_;
    Finish finish_;
    bhttp::request<bhttp::string_body> message_;
    beast::flat_buffer buffer_;
    bhttp::response_parser<bhttp::string_body> parser_;
};

}  // namespace

struct HttpsClient::Impl {
    Impl(Executor& executor, HttpsSettings s)
        : executor(executor), settings(std::move(s)), tls(asio::ssl::context::tls_client), work(io.get_executor()) {}

    Executor& executor;
    HttpsSettings settings;
    asio::ssl::context tls;  // before io: exchanges still queued in io are destroyed before the context they use
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    std::optional<std::string> setup_error;
    std::thread thread;
};

HttpsClient::HttpsClient(Executor& executor, HttpsSettings settings)
    : impl_(std::make_unique<Impl>(executor, std::move(settings))) {
    boost::system::error_code error;
    if (impl_->settings.ca_file.empty()) {
        impl_->tls.set_default_verify_paths(error);
    } else {
        impl_->tls.load_verify_file(impl_->settings.ca_file, error);
    }
    if (error) {
        impl_->setup_error = "cannot load the CA file '" + impl_->settings.ca_file + "': " + error.message();
    }
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

HttpsClient::~HttpsClient() {
    impl_->work.reset();
    impl_->io.stop();
    impl_->thread.join();
}

void HttpsClient::request(HttpRequest request, Done done) {
    // Completions go back to the executor; an answer landing after the client is gone is dropped with it (the io
    // thread is joined before the executor could run it).
    auto finish = [executor = &impl_->executor, done = std::move(done)](std::optional<std::string> error,
                                                                        HttpResponse response) mutable {
        executor->post([done = std::move(done), error = std::move(error), response = std::move(response)] {
            done(error, response);
        });
    };
    if (impl_->setup_error) {
        finish(impl_->setup_error, {});
        return;
    }
    asio::post(impl_->io, [impl = impl_.get(), request = std::move(request), finish = std::move(finish)]() mutable {
        std::make_shared<Exchange>(impl->io, impl->tls, impl->settings, std::move(request), std::move(finish))->start();
    });
}

}  // namespace evhil::http
