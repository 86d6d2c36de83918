#pragma once
// Modbus TCP server adapter: serves one ModbusDevice (a simulator's device model) on a real socket, for the
// wire and bench targets and for standalone simulators.
//
// MBAP framing is done here by hand rather than with libmodbus: libmodbus's server side serves a single flat
// register mapping on one connection at a time, with no per-unit maps, no connection limits and no hooks
// for wire faults, and those are exactly what a device simulator needs. The PDU itself goes through the
// shared codec and the device, as on the in-process adapter.
//
// All I/O runs on the executor's io_context, so the device is only ever touched on the executor's thread.
// Call every method on that thread, or while the executor is not running.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "drivers/core/clock.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/modbus_device.hpp"

namespace evhil::modbus {

// Faults applied to every reply on the wire. Checked per response, so a scenario can switch them at any time
// (on the executor's thread). All off by default.
struct WireFaults {
    bool hang = false;                          // read requests but never answer
    std::optional<ExceptionCode> exception;     // answer every request with this exception, device untouched
    Duration reply_delay{0};                    // answer this late; later replies queue behind it
    std::optional<std::size_t> split_reply_at;  // send the first N bytes of a reply, the rest after split_gap
    Duration split_gap{std::chrono::milliseconds(50)};
    std::optional<std::size_t> corrupt_byte_at;  // flip every bit of this byte of each reply (MBAP included)
};

struct TcpServerStats {
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_refused = 0;      // beyond the device's master limit
    std::uint64_t connections_closed_idle = 0;  // idle for the device's idle timeout
    std::uint64_t connections_closed_bad_frame = 0;
    std::uint64_t requests_served = 0;
};

class TcpServer {
public:
    // `host` is a numeric address or a name to resolve; port 0 asks the system for a free port.
    TcpServer(Executor& executor, ModbusDevice& device, std::string host, std::uint16_t port);
    ~TcpServer();
    TcpServer(const TcpServer&) = delete;
    TcpServer& operator=(const TcpServer&) = delete;

    // Binds and listens. Throws std::runtime_error("cannot listen on HOST:PORT: reason") on failure.
    void start();
    // Stops listening and closes every connection.
    void stop();

    // The bound port (the ephemeral one when constructed with 0); valid after start().
    std::uint16_t port() const;
    std::string endpoint() const;  // "127.0.0.1:1502"
    // Safe to read from another thread (tests poll it).
    std::size_t connection_count() const;
    TcpServerStats stats() const;

    // Drops every open connection now, as a device reboot does; the server keeps listening.
    void close_all_connections();

    WireFaults& faults();

private:
    struct Impl;
    // Shared so that asio handlers still queued after destruction can see, through a weak pointer, that the
    // server is gone.
    std::shared_ptr<Impl> impl_;
};

}  // namespace evhil::modbus
