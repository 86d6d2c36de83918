#pragma once
// A recording TCP tap: a loopback listener that the driver connects to instead of the device. Each accepted
// connection is paired with its own connection to the device, bytes are relayed both ways as they arrive (so split
// replies and gaps reach the driver unchanged), and every complete frame seen in either direction is handed to a
// sink with its time, as a FrameEvent tagged with the protocol. The protocol is the settings' framing: Modbus TCP
// ADUs by default, MQTT packets in front of a broker (mqtt/mqtt_packet.hpp); the relay is the same. The same tap
// serves the wire target (device = a simulator's TcpServer) and the bench target (device = a real wallbox),
// so both leave the same trace.
//
// It also plays the cable for the `link_down` fault: while down, every connection is dropped and the listener
// is closed so new connects are refused; when the link returns it listens again on the same port.
//
// All I/O runs on the executor's io_context; call every method on that thread or while it is not running.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/frame_event.hpp"
#include "drivers/transport/stream_framing.hpp"

namespace evhil::modbus {

struct TcpTapSettings {
    std::string device_host = "127.0.0.1";
    std::uint16_t device_port = 502;
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 0;  // 0: ephemeral
    Duration connect_timeout = std::chrono::seconds(3);
    StreamFraming framing;  // empty: Modbus TCP (tcp_adu::framing())
};

class TcpTap {
public:
    using Sink = std::function<void(FrameEvent)>;

    TcpTap(Executor& executor, TcpTapSettings settings, Sink sink);
    ~TcpTap();
    TcpTap(const TcpTap&) = delete;
    TcpTap& operator=(const TcpTap&) = delete;

    // Throws std::runtime_error("cannot listen on HOST:PORT: reason").
    void start();
    void stop();
    std::uint16_t port() const;
    std::string endpoint() const;
    std::size_t connection_count() const;  // open pairs; safe from any thread

    void set_link_down(bool down);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace evhil::modbus
