#pragma once
// In-process Modbus adapters for the sim target. InProcessServer stands where a TCP server would: it keeps
// sessions under the device's connection rules and applies link faults; InProcessClient is the driver's
// ModbusPort onto it. Request and response travel as the same PDU bytes a TCP adapter would carry, so the
// driver and the device run exactly the code they run on the wire; only the socket is missing.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "drivers/core/clock.hpp"
#include "drivers/transport/modbus/modbus_device.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"
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
    // The device's answer, or why there is none.
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
    explicit InProcessClient(InProcessServer& server) : server_(server) {}
    ~InProcessClient() override { disconnect(); }

    std::optional<PortError> connect() override;
    void disconnect() override;
    bool is_connected() const override { return session_.has_value(); }
    std::string endpoint() const override { return "in-process:" + server_.name(); }

    PortResult<std::vector<std::uint16_t>> read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                                                  std::uint16_t count) override;
    PortResult<Done> write_register(std::uint8_t unit, std::uint16_t address, std::uint16_t value) override;
    PortResult<Done> write_registers(std::uint8_t unit, std::uint16_t address,
                                     std::span<const std::uint16_t> values) override;

private:
    std::variant<Pdu, PortError> transact(std::uint8_t unit, const Pdu& request);
    PortResult<Done> write(std::uint8_t unit, const Pdu& request);

    InProcessServer& server_;
    std::optional<SessionTable::SessionId> session_;
};

}  // namespace evhil::modbus
