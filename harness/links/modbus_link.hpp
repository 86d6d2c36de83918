#pragma once
// How a driver reaches its Modbus device on each target, behind one interface so that a rig is written once:
//  - sim:   InProcessServer/InProcessClient on the virtual clock; no sockets.
//  - wire:  the simulator's real TcpServer and a recording TcpTap on ephemeral loopback ports, and the driver's
//           real Modbus TCP client; real clock.
//  - bench: the recording tap in front of a real device's endpoint, and the driver's Modbus TCP client.
// Everything runs on the run's one executor: the ports are asynchronous, so the server, the tap and the driver
// take turns on one thread and the device model needs no lock.
// Link faults (modbus_link_faults()) are applied here, by the part that would do it for real.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/modbus_device.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"
#include "drivers/transport/modbus/tcp_client.hpp"
#include "harness/scenario/faults.hpp"
#include "harness/traces/protocol_trace.hpp"
#include "harness/scenario/scenario.hpp"

namespace evhil::harness {

class ModbusLink {
public:
    virtual ~ModbusLink() = default;

    virtual modbus::ModbusPort& port() = 0;
    // Ends the run's I/O: connections close and counters settle. Idempotent.
    virtual void stop() = 0;
    // Called every physics step on the run's thread (idle expiry on the sim target).
    virtual void step() {}
    // Applies a link fault; false when the fault is not one this link applies.
    virtual bool set_fault(const Action& action, bool on) = 0;
    // Closes every open connection, as a device reboot does.
    virtual void drop_all_connections() = 0;
    virtual double open_connections() const = 0;
    virtual std::map<std::string, double> metrics() const = 0;
    // The frames recorded on wire and bench; empty on sim. Call after stop().
    virtual std::vector<modbus::TapEvent> take_trace_events() { return {}; }
};

// The faults every Modbus TCP link applies, with their parameters.
const std::vector<FaultSpec>& modbus_link_faults();

std::unique_ptr<ModbusLink> make_in_process_link(modbus::ModbusDevice& device, Executor& executor,
                                                 const std::string& name, modbus::PortTimeouts timeouts);

struct WireLinkSettings {
    modbus::TcpClientSettings client;  // host and port are filled in by the link
    // wire: the device model; bench: nullptr, and `device_host`/`device_port` is the real device.
    modbus::ModbusDevice* device = nullptr;
    std::string device_host = "127.0.0.1";
    std::uint16_t device_port = 0;
};
std::unique_ptr<ModbusLink> make_socket_link(Executor& executor, const WireLinkSettings& settings);

}  // namespace evhil::harness
