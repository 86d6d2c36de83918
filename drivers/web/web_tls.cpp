#include "drivers/web/web_tls.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "drivers/web/http_connection.hpp"

namespace evhil::web {

namespace {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
constexpr auto handshake_timeout = std::chrono::seconds(10);

class TlsStarter : public ConnectionStarter {
public:
    explicit TlsStarter(const WebTls& tls)
        : context_(std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server)) {
        context_->set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                              boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                              boost::asio::ssl::context::no_tlsv1_1 | boost::asio::ssl::context::single_dh_use);
        boost::system::error_code error;
        context_->use_certificate_chain_file(tls.certificate, error);
        if (!error) {
            context_->use_private_key_file(tls.key, boost::asio::ssl::context::pem, error);
        }
        if (error) {
            throw std::runtime_error("cannot use the web UI's certificate " + tls.certificate + " or key " + tls.key +
                                     ": " + error.message());
        }
    }

    std::shared_ptr<EventSink> start(detail::tcp::socket socket, const HttpServerLimits& limits,
                                     std::shared_ptr<const HttpHandler> handler,
                                     std::shared_ptr<std::size_t> count) override {
        auto stream = std::make_shared<TlsStream>(boost::beast::tcp_stream(std::move(socket)), *context_);
        boost::beast::get_lowest_layer(*stream).expires_after(handshake_timeout);
        // The connection exists once the handshake is done; a client that never finishes it is dropped at the
        // timeout. The context lives as long as any stream made with it.
        stream->async_handshake(boost::asio::ssl::stream_base::server,
                                [stream, limits, handler = std::move(handler), count = std::move(count),
                                 context = context_](boost::system::error_code error) mutable {
                                    if (error) {
                                        detail::web_logger()->debug("TLS handshake failed: {}", error.message());
                                        return;
                                    }
                                    std::make_shared<detail::Connection<TlsStream>>(
                                        std::move(*stream), limits, std::move(handler), std::move(count))
                                        ->start();
                                });
        return nullptr;
    }

private:
    std::shared_ptr<boost::asio::ssl::context> context_;
};

}  // namespace

std::unique_ptr<ConnectionStarter> make_tls_starter(const WebTls& tls) {
    return std::make_unique<TlsStarter>(tls);
}

}  // namespace evhil::web
