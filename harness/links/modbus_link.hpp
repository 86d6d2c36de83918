#pragma once
// The Modbus TCP link, the first Link (link.hpp), on each target:
//  - sim:   InProcessServer/InProcessClient on the virtual clock; no sockets.
//  - wire:  the simulator's real TcpServer and a recording TcpTap on ephemeral loopback ports, and the driver's
//           real Modbus TCP client; real clock.
//  - bench: the recording tap in front of a real device's endpoint, and the driver's Modbus TCP client.
// The server, the tap and the driver take turns on the run's one executor, so the device model needs no lock.
// Link faults (modbus_link_faults()) are applied here, by the part that would do it for real.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/modbus_device.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"
#include "drivers/transport/modbus/tcp_client.hpp"
#include "harness/links/link.hpp"
#include "harness/scenario/faults.hpp"

namespace evhil::harness {

class ModbusLink : public Link {
public:
    virtual modbus::ModbusPort& port() = 0;
};

// The faults every Modbus TCP link applies, with their parameters.
const std::vector<FaultSpec>& modbus_link_faults();

std::unique_ptr<ModbusLink> make_in_process_link(modbus::ModbusDevice& device, Executor& executor,
                                                 const std::string& name, modbus::PortTimeouts timeouts,
                                                 std::shared_ptr<const FrameCodec> codec);

struct WireLinkSettings {
    modbus::TcpClientSettings client;  // host and port are filled in by the link
    // wire: the device model; bench: nullptr, and `device_host`/`device_port` is the real device.
    modbus::ModbusDevice* device = nullptr;
    std::string device_host = "127.0.0.1";
    std::uint16_t device_port = 0;
    std::shared_ptr<const FrameCodec> codec;  // the device's Modbus TCP codec, for the trace
};
std::unique_ptr<ModbusLink> make_socket_link(Executor& executor, const WireLinkSettings& settings);

}  // namespace evhil::harness
