// TcpServer on a real loopback socket, serving the Alfen simulator, with libmodbus as an independent
// third-party master: framing, several units on one connection, exceptions, the master limit and the idle
// timeout.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"
#include "simulators/physics/ev.hpp"

namespace evhil {
namespace {

using namespace std::chrono_literals;

// A libmodbus TCP master that frees itself.
class Master {
public:
    explicit Master(std::uint16_t port) : ctx_(modbus_new_tcp("127.0.0.1", port)) {
        modbus_set_response_timeout(ctx_, 1, 0);
    }
    ~Master() {
        modbus_close(ctx_);
        modbus_free(ctx_);
    }
    Master(const Master&) = delete;
    Master& operator=(const Master&) = delete;

    bool connect() { return modbus_connect(ctx_) == 0; }
    // Registers read, or an empty vector with errno_ set.
    std::vector<std::uint16_t> read(int unit, int address, int count) {
        modbus_set_slave(ctx_, unit);
        std::vector<std::uint16_t> words(static_cast<std::size_t>(count));
        if (modbus_read_registers(ctx_, address, count, words.data()) != count) {
            error = errno;
            return {};
        }
        return words;
    }
    modbus_t* raw() { return ctx_; }
    int error = 0;

private:
    modbus_t* ctx_;
};

// A bare socket, for what a well-behaved master never sends: pipelined requests, split frames, bad headers.
class RawMaster {
public:
    explicit RawMaster(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
        timeval timeout{0, 500'000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    }
    ~RawMaster() { ::close(fd_); }
    RawMaster(const RawMaster&) = delete;
    RawMaster& operator=(const RawMaster&) = delete;

    bool connected() const { return connected_; }
    void send(const std::vector<std::uint8_t>& bytes) {
        ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    }
    // Exactly `count` bytes, or fewer when the peer closed or nothing came within the receive timeout.
    std::vector<std::uint8_t> receive(std::size_t count) {
        std::vector<std::uint8_t> bytes;
        std::uint8_t buffer[512];
        while (bytes.size() < count) {
            ssize_t n = ::recv(fd_, buffer, std::min(sizeof(buffer), count - bytes.size()), 0);
            if (n <= 0) {
                closed_ = n == 0;
                break;
            }
            bytes.insert(bytes.end(), buffer, buffer + n);
        }
        return bytes;
    }
    // True when the server closed the connection (EOF) within the receive timeout.
    bool closed_by_peer() {
        receive(1);
        return closed_;
    }

private:
    int fd_;
    bool connected_ = false;
    bool closed_ = false;
};

// MBAP + FC3 request.
std::vector<std::uint8_t> read_request(std::uint16_t transaction, std::uint8_t unit, std::uint16_t address,
                                       std::uint16_t count) {
    return {static_cast<std::uint8_t>(transaction >> 8),
            static_cast<std::uint8_t>(transaction),
            0,
            0,
            0,
            6,
            unit,
            3,
            static_cast<std::uint8_t>(address >> 8),
            static_cast<std::uint8_t>(address),
            static_cast<std::uint8_t>(count >> 8),
            static_cast<std::uint8_t>(count)};
}

class TcpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        sim::alfen::AlfenStationSettings settings;
        settings.idle_timeout = 300ms;  // keeps the idle test fast
        ev.plug_in();
        station = std::make_unique<sim::alfen::AlfenStation>(settings, clock, &ev);
        server = std::make_unique<modbus::TcpServer>(executor, *station, "127.0.0.1", 0);
        server->start();
        ASSERT_NE(server->port(), 0);
        executor.schedule_every(1s, [this] { station->step(1s); });
        loop = std::thread([this] { executor.run(); });
    }
    void TearDown() override {
        executor.stop();
        if (loop.joinable()) {
            loop.join();
        }
        server.reset();
    }
    // Runs `task` on the executor's thread and waits for it: the server and the device belong to that thread.
    void on_loop(std::function<void()> task) {
        std::promise<void> done;
        executor.post([&] {
            task();
            done.set_value();
        });
        done.get_future().wait();
    }
    // Waits (bounded) for the server to see `count` open connections.
    bool wait_for_connections(std::size_t count) {
        for (int i = 0; i < 200 && server->connection_count() != count; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        return server->connection_count() == count;
    }

    RealClock clock;
    Executor executor{clock};
    physics::Ev ev{physics::EvSettings{}};
    std::unique_ptr<sim::alfen::AlfenStation> station;
    std::unique_ptr<modbus::TcpServer> server;
    std::thread loop;
};

TEST_F(TcpServerTest, ServesSeveralUnitsOnOneConnection) {
    Master master(server->port());
    ASSERT_TRUE(master.connect());
    auto state = master.read(1, 1201, 5);
    ASSERT_EQ(state.size(), 5u) << modbus_strerror(master.error);
    EXPECT_EQ(modbus::decode_string(state), "B2");
    auto name = master.read(200, 100, 17);
    ASSERT_EQ(name.size(), 17u) << modbus_strerror(master.error);
    EXPECT_EQ(modbus::decode_string(name), "ALF_1000");

    // A FLOAT32 setpoint written with FC16 and read back.
    std::uint16_t sixteen_amps[2] = {0x4180, 0x0000};
    modbus_set_slave(master.raw(), 1);
    ASSERT_EQ(modbus_write_registers(master.raw(), 1210, 2, sixteen_amps), 2);
    EXPECT_EQ(master.read(1, 1210, 2), (std::vector<std::uint16_t>{0x4180, 0x0000}));
    EXPECT_GE(server->stats().requests_served, 4u);
}

TEST_F(TcpServerTest, ExceptionsReachTheMaster) {
    Master master(server->port());
    ASSERT_TRUE(master.connect());
    modbus_set_slave(master.raw(), 1);
    std::uint16_t words[5];
    EXPECT_EQ(modbus_read_input_registers(master.raw(), 1201, 5, words), -1);
    EXPECT_EQ(errno, EMBXILFUN);
    EXPECT_TRUE(master.read(1, 179, 1).empty());
    EXPECT_EQ(master.error, EMBXILADD);
    // The connection survives exceptions.
    EXPECT_EQ(master.read(1, 1201, 5).size(), 5u);
}

TEST_F(TcpServerTest, AThirdMasterIsClosedAndTheFirstTwoKeepWorking) {
    Master first(server->port());
    Master second(server->port());
    ASSERT_TRUE(first.connect());
    ASSERT_TRUE(second.connect());
    // Both answered, so the server has accepted both before the third arrives.
    ASSERT_EQ(first.read(1, 1201, 5).size(), 5u);
    ASSERT_EQ(second.read(200, 1105, 1).size(), 1u);

    Master third(server->port());
    third.connect();  // the kernel completes the handshake; the server closes it on accept
    EXPECT_TRUE(third.read(1, 1201, 5).empty());
    EXPECT_EQ(first.read(1, 1201, 5).size(), 5u);
    EXPECT_EQ(second.read(1, 1201, 5).size(), 5u);
    EXPECT_EQ(server->stats().connections_refused, 1u);
    EXPECT_EQ(server->connection_count(), 2u);
}

TEST_F(TcpServerTest, AnIdleMasterIsClosedAfterTheIdleTimeout) {
    Master master(server->port());
    ASSERT_TRUE(master.connect());
    ASSERT_EQ(master.read(1, 1201, 5).size(), 5u);
    ASSERT_TRUE(wait_for_connections(1));
    ASSERT_TRUE(wait_for_connections(0));  // 300 ms without a request
    EXPECT_EQ(server->stats().connections_closed_idle, 1u);
    EXPECT_TRUE(master.read(1, 1201, 5).empty());

    // A fresh connection that keeps talking stays open past the timeout.
    Master busy(server->port());
    ASSERT_TRUE(busy.connect());
    for (int i = 0; i < 6; ++i) {
        ASSERT_EQ(busy.read(1, 1206, 2).size(), 2u) << "request " << i;
        std::this_thread::sleep_for(100ms);
    }
}

TEST_F(TcpServerTest, RebootDropsConnections) {
    Master master(server->port());
    ASSERT_TRUE(master.connect());
    ASSERT_EQ(master.read(1, 1201, 5).size(), 5u);
    station->set_on_reboot([this] { server->close_all_connections(); });
    executor.post([this] { station->reboot(); });
    ASSERT_TRUE(wait_for_connections(0));
    EXPECT_TRUE(master.read(1, 1201, 5).empty());
    Master again(server->port());
    ASSERT_TRUE(again.connect());
    EXPECT_EQ(again.read(1, 1201, 5).size(), 5u);
}

TEST_F(TcpServerTest, PipelinedRequestsAreAnsweredInOrderWithTheirTransactionIds) {
    RawMaster master(server->port());
    ASSERT_TRUE(master.connected());
    auto first = read_request(0x1234, 1, 1201, 5);
    auto second = read_request(0xBEEF, 200, 1105, 1);
    std::vector<std::uint8_t> both = first;
    both.insert(both.end(), second.begin(), second.end());
    master.send(both);
    auto reply = master.receive(9 + 10);
    ASSERT_EQ(reply.size(), 19u);
    EXPECT_EQ(reply[0], 0x12);
    EXPECT_EQ(reply[1], 0x34);
    EXPECT_EQ(reply[5], 13);  // length: unit + FC + byte count + 10 bytes
    EXPECT_EQ(reply[6], 1);
    EXPECT_EQ(reply[7], 3);
    EXPECT_EQ(reply[8], 10);
    reply = master.receive(11);
    ASSERT_EQ(reply.size(), 11u);
    EXPECT_EQ(reply[0], 0xBE);
    EXPECT_EQ(reply[1], 0xEF);
    EXPECT_EQ(reply[6], 200);
    EXPECT_EQ(reply[10], 1);  // one socket

    // A frame that arrives in pieces is answered once it is complete.
    auto third = read_request(7, 1, 1215, 1);
    master.send(std::vector<std::uint8_t>(third.begin(), third.begin() + 4));
    std::this_thread::sleep_for(50ms);
    master.send(std::vector<std::uint8_t>(third.begin() + 4, third.end()));
    reply = master.receive(11);
    ASSERT_EQ(reply.size(), 11u);
    EXPECT_EQ(reply[10], 3);
}

TEST_F(TcpServerTest, BadHeadersCloseTheConnection) {
    auto wrong_protocol = read_request(1, 1, 1201, 5);
    wrong_protocol[3] = 1;
    auto too_short = read_request(1, 1, 1201, 5);
    too_short[5] = 1;
    auto too_long = read_request(1, 1, 1201, 5);
    too_long[4] = 1;  // 262
    for (const auto& request : {wrong_protocol, too_short, too_long}) {
        RawMaster master(server->port());
        ASSERT_TRUE(master.connected());
        master.send(request);
        EXPECT_TRUE(master.closed_by_peer());
    }
    EXPECT_EQ(server->stats().connections_closed_bad_frame, 3u);
}

TEST_F(TcpServerTest, UnknownUnitGetsAGatewayException) {
    RawMaster master(server->port());
    master.send(read_request(9, 42, 1201, 5));
    auto reply = master.receive(9);
    ASSERT_EQ(reply.size(), 9u);
    EXPECT_EQ(reply[6], 42);
    EXPECT_EQ(reply[7], 0x83);
    EXPECT_EQ(reply[8], 0x0B);
}

TEST_F(TcpServerTest, WireFaultsApplyToReplies) {
    RawMaster master(server->port());
    auto request = read_request(1, 200, 1105, 1);

    on_loop([this] { server->faults().exception = modbus::ExceptionCode::server_device_busy; });
    master.send(request);
    auto reply = master.receive(9);
    ASSERT_EQ(reply.size(), 9u);
    EXPECT_EQ(reply[7], 0x83);
    EXPECT_EQ(reply[8], 0x06);

    on_loop([this] {
        server->faults() = {};
        server->faults().corrupt_byte_at = 7;
        server->faults().split_reply_at = 3;
    });
    master.send(request);
    reply = master.receive(11);
    ASSERT_EQ(reply.size(), 11u);
    EXPECT_EQ(reply[7], 0x03 ^ 0xFF);
    EXPECT_EQ(reply[10], 1);

    on_loop([this] {
        server->faults() = {};
        server->faults().reply_delay = 200ms;
    });
    auto sent_at = std::chrono::steady_clock::now();
    master.send(request);
    reply = master.receive(11);
    EXPECT_EQ(reply.size(), 11u);
    EXPECT_GE(std::chrono::steady_clock::now() - sent_at, 190ms);

    on_loop([this] {
        server->faults() = {};
        server->faults().hang = true;
    });
    master.send(request);
    EXPECT_TRUE(master.receive(1).empty());  // nothing within the 500 ms receive timeout
    // Meanwhile the 300 ms idle timeout closed that connection; a new one is answered again.
    on_loop([this] { server->faults() = {}; });
    RawMaster fresh(server->port());
    fresh.send(request);
    EXPECT_EQ(fresh.receive(11).size(), 11u);
}

TEST(TcpServerStart, ReportsWhyItCannotListen) {
    RealClock clock;
    Executor executor(clock);
    physics::Ev ev{physics::EvSettings{}};
    sim::alfen::AlfenStation station({}, clock, &ev);
    modbus::TcpServer first(executor, station, "127.0.0.1", 0);
    first.start();
    modbus::TcpServer second(executor, station, "127.0.0.1", first.port());
    try {
        second.start();
        FAIL() << "two servers listened on one port";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()),
                  "cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": Address already in use");
    }
}

}  // namespace
}  // namespace evhil
