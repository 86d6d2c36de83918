#include "drivers/transport/mqtt/tls_probe.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace evhil::mqtt {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Probe : std::enable_shared_from_this<Probe> {
    Probe(asio::io_context& io, const MqttSettings& settings, std::function<void(std::string)> done)
        : settings(settings), context(asio::ssl::context::tls_client), resolver(io), timer(io), done(std::move(done)) {}

    void start() {
        boost::system::error_code error;
        if (settings.tls.ca_file.empty()) {
            context.set_default_verify_paths(error);
        } else {
            context.load_verify_file(settings.tls.ca_file, error);
        }
        if (!error && !settings.tls.cert_file.empty()) {
            context.use_certificate_chain_file(settings.tls.cert_file, error);
            if (!error) {
                context.use_private_key_file(settings.tls.key_file, asio::ssl::context::pem, error);
            }
        }
        if (error) {
            finish("cannot load the TLS files: " + error.message());
            return;
        }
        context.set_verify_mode(asio::ssl::verify_peer);
        stream = std::make_unique<asio::ssl::stream<tcp::socket>>(resolver.get_executor(), context);
        stream->set_verify_callback(asio::ssl::host_name_verification(settings.host));
        SSL_set_tlsext_host_name(stream->native_handle(), settings.host.c_str());
        timer.expires_after(settings.connect_timeout);
        timer.async_wait([self = shared_from_this()](boost::system::error_code waited) {
            if (!waited) {
                self->finish("no TLS handshake within the connect timeout");
            }
        });
        resolver.async_resolve(
            settings.host, std::to_string(settings.port),
            [self = shared_from_this()](boost::system::error_code e, const tcp::resolver::results_type& r) {
                self->resolved(e, r);
            });
    }

    void resolved(boost::system::error_code error, const tcp::resolver::results_type& results) {
        if (error) {
            finish("cannot resolve " + settings.host + ": " + error.message());
            return;
        }
        asio::async_connect(
            stream->lowest_layer(), results,
            [self = shared_from_this()](boost::system::error_code e, const tcp::endpoint&) { self->connected(e); });
    }

    void connected(boost::system::error_code error) {
        if (error) {
            finish(error.message());
            return;
        }
        stream->async_handshake(asio::ssl::stream_base::client,
                                [self = shared_from_this()](boost::system::error_code e) { self->handshaken(e); });
    }

    void handshaken(boost::system::error_code error) {
        if (!error) {
            finish("");
            return;
        }
        std::string reason = error.message();
        long verified = SSL_get_verify_result(stream->native_handle());
        if (verified != X509_V_OK) {
            reason += ": " + std::string(X509_verify_cert_error_string(verified));
        }
        finish(reason);
    }

    void finish(std::string reason) {
        if (!done) {
            return;
        }
        timer.cancel();
        resolver.cancel();
        if (stream) {
            boost::system::error_code ignored;
            stream->lowest_layer().close(ignored);
        }
        auto call = std::move(done);
        done = nullptr;
        call(std::move(reason));
    }

    MqttSettings settings;
    asio::ssl::context context;
    tcp::resolver resolver;
    asio::steady_timer timer;
    std::unique_ptr<asio::ssl::stream<tcp::socket>> stream;
    std::function<void(std::string)> done;
};

}  // namespace

void probe_tls(Executor& executor, const MqttSettings& settings, std::function<void(std::string reason)> done) {
    auto probe = std::make_shared<Probe>(executor.io(), settings, std::move(done));
    probe->start();
}

}  // namespace evhil::mqtt
