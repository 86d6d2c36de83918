// The HTTP server on real loopback sockets: keep-alive, the size limits (413, 431), a malformed request, and an
// event stream that stays open and ends when the client goes.

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <filesystem>
#include <future>
#include <thread>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "drivers/web/http_server.hpp"
#include "drivers/web/web_tls.hpp"
#include "simulators/mqtt/mosquitto_broker.hpp"

namespace evhil::web {
namespace {

using boost::asio::ip::tcp;

class WebServerTest : public ::testing::Test {
protected:
    virtual void configure() {}
    void SetUp() override {
        configure();
        server_.listen("127.0.0.1", 0);
        thread_ = std::thread([this] { executor_.run(); });
    }
    void TearDown() override {
        executor_.post([this] {
            server_.stop();
            executor_.stop();
        });
        thread_.join();
    }
    Reply handle(const Request& request, const Peer& peer) {
        if (request.target() == "/stream") {
            Response head{http::status::ok, 11};
            head.set(http::field::content_type, "text/event-stream");
            return Reply{std::move(head), [this](std::shared_ptr<EventSink> sink) {
                             sink->send("data: hello\n\n");
                             sinks_.push_back(sink);
                         }};
        }
        return Reply{make_response(request, http::status::ok,
                                   "you are " + peer.address + ", " + std::to_string(request.body().size()) + " bytes",
                                   "text/plain"),
                     {}};
    }
    // Sends raw text and reads until the server closes or `until` appears.
    std::string exchange(const std::string& text, const std::string& until = "") {
        boost::asio::io_context io;
        tcp::socket socket(io);
        socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_.port()));
        boost::asio::write(socket, boost::asio::buffer(text));
        std::string received;
        boost::system::error_code error;
        if (until.empty()) {
            boost::asio::read(socket, boost::asio::dynamic_buffer(received), error);
        } else {
            boost::asio::read_until(socket, boost::asio::dynamic_buffer(received), until, error);
        }
        return received;
    }

    RealClock clock_;
    Executor executor_{clock_};
    HttpServer server_{executor_, HttpServerLimits{.body_bytes = 1024},
                       [this](const Request& request, const Peer& peer) { return handle(request, peer); }};
    std::vector<std::shared_ptr<EventSink>> sinks_;
    bool stream_closed_reported_ = false;
    std::promise<void> stream_closed_;
    std::thread thread_;
};

TEST_F(WebServerTest, TwoRequestsOnOneConnectionAreBothAnswered) {
    auto text = exchange(
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: "
        "close\r\n\r\n"
        "abc");
    EXPECT_NE(text.find("you are 127.0.0.1, 0 bytes"), std::string::npos) << text;
    EXPECT_NE(text.find("you are 127.0.0.1, 3 bytes"), std::string::npos) << text;
}

TEST_F(WebServerTest, HeadGivesTheLengthWithoutTheBodyAndTheConnectionGoesOn) {
    auto text = exchange("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto second = text.find("HTTP/1.1 200", 1);
    ASSERT_NE(second, std::string::npos) << text;
    const auto head = text.substr(0, second);
    EXPECT_NE(head.find("Content-Length: 26\r\n"), std::string::npos) << head;
    EXPECT_EQ(head.find("you are"), std::string::npos) << head;
    EXPECT_NE(text.find("you are 127.0.0.1, 0 bytes", second), std::string::npos) << text;
}

TEST_F(WebServerTest, AnOversizedBodyIs413AndOversizedHeadersAre431) {
    auto big_body = exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
    EXPECT_EQ(big_body.rfind("HTTP/1.1 413", 0), 0U) << big_body;
    EXPECT_NE(big_body.find("larger than 1024 bytes"), std::string::npos);
    auto big_headers = exchange("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(9000, 'y') + "\r\n\r\n");
    EXPECT_EQ(big_headers.rfind("HTTP/1.1 431", 0), 0U) << big_headers.substr(0, 200);
    auto garbage = exchange("HELLO THERE\r\n\r\n");
    EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0U) << garbage;
    EXPECT_NE(garbage.find("malformed request"), std::string::npos);
}

TEST_F(WebServerTest, AnEventStreamStaysOpenAndEndsWhenTheClientGoes) {
    {
        auto text = exchange("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", "hello\n\n");
        EXPECT_EQ(text.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
        EXPECT_NE(text.find("Content-Type: text/event-stream\r\n"), std::string::npos);
        EXPECT_NE(text.find("\r\n\r\ndata: hello\n\n"), std::string::npos);
    }  // the client's socket closes here
    // Watched on the executor (the sinks are its), the test thread waiting on a future, not sleeping.
    executor_.post([this] {
        executor_.schedule_every(std::chrono::milliseconds(10), [this] {
            if (!stream_closed_reported_ && !sinks_.empty() && !sinks_[0]->open()) {
                stream_closed_reported_ = true;
                stream_closed_.set_value();
            }
        });
    });
    EXPECT_EQ(stream_closed_.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

// The same server over TLS with a throw-away CA's certificate for 127.0.0.1.
class WebTlsTest : public WebServerTest {
protected:
    void configure() override {
        folder_ = std::filesystem::temp_directory_path() / ("evhil-web-tls-" + std::to_string(::getpid()));
        std::filesystem::create_directories(folder_);
        certificates_ = sim::mqtt::make_test_certificates(folder_.string());
        server_.set_starter(make_tls_starter(WebTls{certificates_.server_cert_file, certificates_.server_key_file}));
    }
    void TearDown() override {
        WebServerTest::TearDown();
        std::filesystem::remove_all(folder_);
    }
    std::filesystem::path folder_;
    sim::mqtt::TestCertificates certificates_;
};

TEST_F(WebTlsTest, AClientThatTrustsTheCaGetsItsAnswerOverTls) {
    boost::asio::io_context io;
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
    context.load_verify_file(certificates_.ca_file);
    context.set_verify_mode(boost::asio::ssl::verify_peer);
    boost::beast::ssl_stream<boost::beast::tcp_stream> stream(io, context);
    stream.set_verify_callback(boost::asio::ssl::host_name_verification("127.0.0.1"));
    boost::beast::get_lowest_layer(stream).connect(
        tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_.port()));
    stream.handshake(boost::asio::ssl::stream_base::client);
    Request request{http::verb::get, "/secure", 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    Response response;
    http::read(stream, buffer, response);
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response.body(), "you are 127.0.0.1, 0 bytes");
}

TEST_F(WebTlsTest, PlainHttpOnTheTlsPortGetsNoAnswer) {
    auto text = exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(text.find("you are"), std::string::npos) << text;
}

TEST(WebTls, AMissingCertificateSaysWhich) {
    try {
        make_tls_starter(WebTls{"/nonexistent/cert.pem", "/nonexistent/key.pem"});
        FAIL() << "accepted";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("cannot use the web UI's certificate /nonexistent/cert.pem"),
                  std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace evhil::web
