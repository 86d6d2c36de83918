// TcpTap between libmodbus (the driver's real client adapter) and a TcpServer serving the Alfen simulator, all on
// loopback: relaying, the recorded ADUs, wire faults seen through the tap, the link_down fault and an unreachable
// device.
//
// The executor runs on the test's own thread while each blocking client call runs on a helper thread, so the
// events the tap records are only ever touched on the test's thread.

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "drivers/transport/modbus/tcp_tap.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"
#include "simulators/physics/ev.hpp"
#include "tests/support/libmodbus_client.hpp"

namespace evhil {
namespace {

using namespace std::chrono_literals;

// Long enough for a slow CI machine, short enough that a hang fails the test rather than the suite.
constexpr double wait_limit_s = 10.0;
constexpr auto serve_slice = 5ms;

class TcpTapTest : public ::testing::Test {
protected:
    void SetUp() override {
        ev.plug_in();
        station = std::make_unique<sim::alfen::AlfenStation>(sim::alfen::AlfenStationSettings{}, clock, &ev);
        server = std::make_unique<modbus::TcpServer>(executor, *station, "127.0.0.1", 0);
        server->start();
        start_tap(server->port());
    }

    void start_tap(std::uint16_t device_port) {
        modbus::TcpTapSettings settings;
        settings.device_port = device_port;
        settings.connect_timeout = 1s;
        tap = std::make_unique<modbus::TcpTap>(executor, settings,
                                               [this](FrameEvent event) { events.push_back(std::move(event)); });
        tap->start();
        ASSERT_NE(tap->port(), 0);
    }

    modbus::LibmodbusTcpClient make_client() const {
        modbus::TcpClientSettings settings;
        settings.port = tap->port();
        settings.connect_timeout = 1s;
        settings.response_timeout = 500ms;
        return modbus::LibmodbusTcpClient(settings);
    }

    // Runs a blocking client call on a helper thread while this thread serves the tap and the device.
    template <typename Work>
    auto while_serving(Work work) {
        auto result = std::async(std::launch::async, std::move(work));
        WallStopwatch watch;
        while (result.wait_for(0s) != std::future_status::ready && watch.elapsed_s() < wait_limit_s) {
            executor.run_for(serve_slice);
        }
        return result.get();
    }

    // Serves until `done` holds, within the wait limit.
    template <typename Predicate>
    bool serve_until(Predicate done) {
        WallStopwatch watch;
        while (!done() && watch.elapsed_s() < wait_limit_s) {
            executor.run_for(serve_slice);
        }
        return done();
    }

    std::vector<FrameEvent> of_kind(FrameEvent::Kind kind, std::uint32_t connection = 1) const {
        std::vector<FrameEvent> matching;
        for (const auto& event : events) {
            if (event.kind == kind && event.connection == connection) {
                matching.push_back(event);
            }
        }
        return matching;
    }

    bool closed(std::uint32_t connection) const { return !of_kind(FrameEvent::Kind::closed, connection).empty(); }

    RealClock clock;
    Executor executor{clock};
    physics::Ev ev{physics::EvSettings{}};
    std::unique_ptr<sim::alfen::AlfenStation> station;
    std::unique_ptr<modbus::TcpServer> server;
    std::vector<FrameEvent> events;  // declared before the tap, which may still hold handlers that reach it
    std::unique_ptr<modbus::TcpTap> tap;
};

std::vector<std::uint8_t> tail(const std::vector<std::uint8_t>& bytes, std::size_t from) {
    return {bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.end()};
}

TEST_F(TcpTapTest, RelaysBothWaysAndRecordsEveryAdu) {
    auto client = make_client();
    ASSERT_FALSE(while_serving([&] { return client.connect(); }));
    auto state = while_serving([&] { return client.read_holding_registers(1, 1201, 5); });
    ASSERT_TRUE(state.ok()) << state.error().message;
    EXPECT_EQ(modbus::decode_string(state.value()), "B2");
    std::array<std::uint16_t, 2> sixteen_amps{0x4180, 0x0000};
    auto written = while_serving([&] { return client.write_registers(1, 1210, sixteen_amps); });
    ASSERT_TRUE(written.ok()) << written.error().message;
    EXPECT_EQ(tap->connection_count(), 1u);
    client.disconnect();
    ASSERT_TRUE(serve_until([&] { return closed(1); }));

    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().kind, FrameEvent::Kind::opened);
    EXPECT_EQ(events.front().device_endpoint, server->endpoint());
    EXPECT_EQ(events.front().client_endpoint.rfind("127.0.0.1:", 0), 0u) << events.front().client_endpoint;
    EXPECT_EQ(events.back().kind, FrameEvent::Kind::closed);
    EXPECT_EQ(events.back().note, "client closed");
    EXPECT_EQ(of_kind(FrameEvent::Kind::closed).size(), 1u);
    EXPECT_TRUE(of_kind(FrameEvent::Kind::unframed).empty());
    for (std::size_t i = 1; i < events.size(); ++i) {
        EXPECT_GE(events[i].time, events[i - 1].time);
    }

    auto requests = of_kind(FrameEvent::Kind::to_device);
    auto replies = of_kind(FrameEvent::Kind::from_device);
    ASSERT_EQ(requests.size(), 2u);
    ASSERT_EQ(replies.size(), 2u);
    // After the transaction id: protocol 0, length 6, unit 1, FC3, address 1201, count 5.
    EXPECT_EQ(tail(requests[0].bytes, 2), (std::vector<std::uint8_t>{0, 0, 0, 6, 1, 0x03, 0x04, 0xB1, 0, 5}));
    ASSERT_EQ(replies[0].bytes.size(), 9u + 10u);
    EXPECT_EQ(replies[0].bytes[0], requests[0].bytes[0]);
    EXPECT_EQ(replies[0].bytes[1], requests[0].bytes[1]);
    EXPECT_EQ(replies[0].bytes[7], 0x03);
    EXPECT_EQ(replies[0].bytes[8], 10);
    EXPECT_EQ(tail(requests[1].bytes, 2),
              (std::vector<std::uint8_t>{0, 0, 0, 11, 1, 0x10, 0x04, 0xBA, 0, 2, 4, 0x41, 0x80, 0, 0}));
    EXPECT_EQ(tail(replies[1].bytes, 2), (std::vector<std::uint8_t>{0, 0, 0, 6, 1, 0x10, 0x04, 0xBA, 0, 2}));
    EXPECT_EQ(tap->connection_count(), 0u);
}

TEST_F(TcpTapTest, ASplitReplyArrivesWholeAndIsRecordedAsOneFrame) {
    server->faults().split_reply_at = 3;
    server->faults().split_gap = 100ms;
    auto client = make_client();
    ASSERT_FALSE(while_serving([&] { return client.connect(); }));
    auto state = while_serving([&] { return client.read_holding_registers(1, 1201, 5); });
    ASSERT_TRUE(state.ok()) << state.error().message;
    EXPECT_EQ(modbus::decode_string(state.value()), "B2");

    auto requests = of_kind(FrameEvent::Kind::to_device);
    auto replies = of_kind(FrameEvent::Kind::from_device);
    ASSERT_EQ(requests.size(), 1u);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].bytes.size(), 19u);
    // Stamped when its last byte came, after the gap.
    EXPECT_GE(replies[0].time - requests[0].time, 100ms);
    EXPECT_TRUE(of_kind(FrameEvent::Kind::unframed).empty());
}

TEST_F(TcpTapTest, ACorruptMbapLengthIsRecordedAsUnframedAndTheNextReplyFramesAgain) {
    server->faults().corrupt_byte_at = 4;  // high byte of the length: 0x000d becomes 0xff0d
    auto client = make_client();
    ASSERT_FALSE(while_serving([&] { return client.connect(); }));
    // libmodbus sizes a reply by its byte count rather than the MBAP length, so this read may even succeed.
    while_serving([&] { return client.read_holding_registers(1, 1201, 5).ok(); });
    ASSERT_TRUE(serve_until([&] { return !of_kind(FrameEvent::Kind::unframed).empty(); }));
    auto unframed = of_kind(FrameEvent::Kind::unframed);
    ASSERT_EQ(unframed.size(), 1u);
    EXPECT_FALSE(unframed[0].from_client);
    ASSERT_EQ(unframed[0].bytes.size(), 19u);
    EXPECT_EQ(unframed[0].bytes[4], 0xFF);
    EXPECT_TRUE(of_kind(FrameEvent::Kind::from_device).empty());

    server->faults() = {};
    if (!client.is_connected()) {
        ASSERT_FALSE(while_serving([&] { return client.connect(); }));
    }
    auto state = while_serving([&] { return client.read_holding_registers(1, 1201, 5); });
    ASSERT_TRUE(state.ok()) << state.error().message;
    std::uint32_t connection = events.back().connection;
    EXPECT_EQ(of_kind(FrameEvent::Kind::from_device, connection).size(), 1u);
}

TEST_F(TcpTapTest, LinkDownDropsConnectionsAndRefusesNewOnesUntilRestored) {
    auto first = make_client();
    ASSERT_FALSE(while_serving([&] { return first.connect(); }));
    ASSERT_TRUE(while_serving([&] { return first.read_holding_registers(1, 1201, 5); }).ok());

    tap->set_link_down(true);
    ASSERT_EQ(of_kind(FrameEvent::Kind::closed).size(), 1u);
    EXPECT_EQ(of_kind(FrameEvent::Kind::closed)[0].note, "link down");
    EXPECT_EQ(tap->connection_count(), 0u);
    EXPECT_FALSE(while_serving([&] { return first.read_holding_registers(1, 1201, 5); }).ok());

    // The listener is closed: the connect itself is refused, and the tap never sees it.
    auto port = tap->port();
    auto second = make_client();
    auto refused = while_serving([&] { return second.connect(); });
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->kind, modbus::PortError::Kind::connect_failed);

    tap->set_link_down(false);
    EXPECT_EQ(tap->port(), port);
    auto third = make_client();
    ASSERT_FALSE(while_serving([&] { return third.connect(); }));
    auto state = while_serving([&] { return third.read_holding_registers(1, 1201, 5); });
    ASSERT_TRUE(state.ok()) << state.error().message;
    EXPECT_EQ(of_kind(FrameEvent::Kind::opened, 2).size(), 1u);
    EXPECT_EQ(tap->connection_count(), 1u);
}

TEST_F(TcpTapTest, AnUnreachableDeviceClosesTheClientWithConnectFailed) {
    std::uint16_t closed_port = 0;
    {
        namespace ip = boost::asio::ip;
        ip::tcp::acceptor probe(executor.io(), ip::tcp::endpoint(ip::make_address("127.0.0.1"), 0));
        closed_port = probe.local_endpoint().port();
    }
    start_tap(closed_port);
    auto client = make_client();
    while_serving([&] { return client.connect(); });
    EXPECT_FALSE(while_serving([&] { return client.read_holding_registers(1, 1201, 5); }).ok());
    ASSERT_TRUE(serve_until([&] { return closed(1); }));
    auto closes = of_kind(FrameEvent::Kind::closed);
    ASSERT_EQ(closes.size(), 1u);
    EXPECT_EQ(closes[0].note.rfind("connect failed: ", 0), 0u) << closes[0].note;
    EXPECT_TRUE(of_kind(FrameEvent::Kind::opened).empty());
    EXPECT_EQ(tap->connection_count(), 0u);
}

TEST_F(TcpTapTest, StopClosesEveryPairAndTheListener) {
    auto client = make_client();
    ASSERT_FALSE(while_serving([&] { return client.connect(); }));
    ASSERT_TRUE(while_serving([&] { return client.read_holding_registers(1, 1201, 5); }).ok());
    tap->stop();
    ASSERT_EQ(of_kind(FrameEvent::Kind::closed).size(), 1u);
    EXPECT_EQ(of_kind(FrameEvent::Kind::closed)[0].note, "tap stopped");
    auto late = make_client();
    EXPECT_TRUE(while_serving([&] { return late.connect(); }).has_value());
}

TEST_F(TcpTapTest, ReportsWhyItCannotListen) {
    modbus::TcpTapSettings settings;
    settings.listen_port = server->port();
    modbus::TcpTap second(executor, settings, nullptr);
    try {
        second.start();
        FAIL() << "the tap listened on the server's port";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()),
                  "cannot listen on 127.0.0.1:" + std::to_string(server->port()) + ": Address already in use");
    }
}

}  // namespace
}  // namespace evhil
