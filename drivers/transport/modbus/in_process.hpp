#pragma once
// In-process Modbus adapters for the sim target. InProcessServer stands where a TCP server would: it keeps
// sessions under the device's connection rules and applies link faults; InProcessClient is the driver's
// ModbusPort onto it. Request and response travel as the same PDU bytes a TCP adapter would carry, so the
// driver and the device run exactly the code they run on the wire; only the socket is missing.
//
// Timing is that of the wire on the virtual clock: an answer arrives in the same instant (a loopback round
// trip is far below the virtual clock's resolution that matters to a scenario), and a request the device does
// not answer (a hang fault, an ignored unit) fails after the client's response timeout, as it does on a socket.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/modbus_device.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"
#include "drivers/transport/modbus/request_queue.hpp"
#include "drivers/transport/modbus/session_table.hpp"

namespace evhil::modbus {

// Link faults a scenario can switch on by name.
struct LinkFaults {
    bool link_down = false;                  // cable pulled: connects fail, sessions are dropped
    bool hang = false;                       // device stops answering: requests time out
    std::optional<ExceptionCode> exception;  // every request is answered with this exception
};

class InProcessServer {
public:
    InProcessServer(ModbusDevice& device, const Clock& clock, std::string name);

    std::optional<SessionTable::SessionId> open_session();
    void close_session(SessionTable::SessionId id) { sessions_.close(id); }
    // The device's answer, or why there is none: a PortError of kind timeout means "no answer at all", which
    // the client turns into a timeout after its response time.
    std::variant<Pdu, PortError> transact(SessionTable::SessionId session, std::uint8_t unit,
                                          std::span<const std::uint8_t> request);
    // Applies the idle timeout; call as time passes.
    void expire_idle() { sessions_.expire_idle(clock_.now()); }
    // Closes every connection now, as a device reset or a "close" fault does.
    void drop_all_connections() { sessions_.close_all(); }

    LinkFaults& faults() { return faults_; }
    const SessionTable& sessions() const { return sessions_; }
    const std::string& name() const { return name_; }
    std::uint64_t requests_served() const { return requests_served_; }

private:
    ModbusDevice& device_;
    const Clock& clock_;
    std::string name_;
    SessionTable sessions_;
    LinkFaults faults_;
    std::uint64_t requests_served_ = 0;
};

class InProcessClient final : public ModbusPort {
public:
    InProcessClient(Executor& executor, InProcessServer& server, PortTimeouts timeouts = {});
    ~InProcessClient() override;
    InProcessClient(const InProcessClient&) = delete;
    InProcessClient& operator=(const InProcessClient&) = delete;

    void connect(ConnectHandler done) override;
    void disconnect() override;
    bool is_connected() const override { return session_.has_value(); }
    std::string endpoint() const override { return "in-process:" + server_.name(); }
    void transact(std::uint8_t unit, Pdu request, PduHandler done) override;

private:
    void send_next();
    void answer(const RequestQueue::Request& request);
    void close_session();

    Executor& executor_;
    InProcessServer& server_;
    PortTimeouts timeouts_;
    RequestQueue queue_;
    std::optional<SessionTable::SessionId> session_;
    std::optional<Executor::TimerId> timeout_timer_;
};

}  // namespace evhil::modbus
