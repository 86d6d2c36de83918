#pragma once
// The Modbus TCP client adapter, on Boost.Asio: the port the daemon's drivers use, and the drivers of the wire
// and bench targets. Everything runs on the executor's io_context; timeouts are executor timers on its clock.
//
// Why not libmodbus: libmodbus' client blocks in select() for each request, so it needs a thread per
// connection to keep the executor free, a blocked call cannot be cancelled (a stop waits out the response
// timeout), its timeouts cannot run on the virtual clock, and select() cannot watch a descriptor above 1023,
// which a harness running many wire scenarios at once reaches. The MBAP framing this client needs is a few
// lines (tcp_adu.hpp) that the server and the tap share; the PDU codec is the one every adapter uses.
// libmodbus stays the independent reference master in the tests and benchmarks (tests/support/).

#include <cstdint>
#include <memory>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"

namespace evhil::modbus {

struct TcpClientSettings {
    std::string host = "127.0.0.1";  // a numeric address or a name, resolved on each connect
    std::uint16_t port = 502;
    Duration connect_timeout = std::chrono::seconds(3);
    Duration response_timeout = std::chrono::seconds(2);
};

class TcpClient final : public ModbusPort {
public:
    TcpClient(Executor& executor, TcpClientSettings settings);
    ~TcpClient() override;
    TcpClient(const TcpClient&) = delete;
    TcpClient& operator=(const TcpClient&) = delete;

    void connect(ConnectHandler done) override;
    void disconnect() override;
    bool is_connected() const override;
    std::string endpoint() const override;
    void transact(std::uint8_t unit, Pdu request, PduHandler done) override;

private:
    struct Impl;
    // Shared with the asio handlers still queued after a disconnect or destruction, which see through a weak
    // pointer and a generation count that their connection is gone.
    std::shared_ptr<Impl> impl_;
};

}  // namespace evhil::modbus
