#pragma once
// The Alfen simulator as a process of its own, for the bench target and for trying a driver or a Modbus tool
// by hand: a real clock, one EV per socket, the station model and a Modbus TCP server on one executor. The
// recipe for talking to it is at the top of alfen_station.hpp.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "drivers/core/clock.hpp"
#include "simulators/chargers/alfen/alfen_settings.hpp"
#include "simulators/physics/ev.hpp"
#include "simulators/standalone_simulator.hpp"

namespace evhil::sim::alfen {

struct AlfenStandaloneOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 502;  // the station's port; needs root or CAP_NET_BIND_SERVICE, so tests use another
    AlfenStationSettings settings;
    physics::EvSettings ev;  // one EV per socket, all alike
    bool ev_plugged_in = true;
    std::optional<double> initial_soc;  // 0..1; overrides ev.initial_soc when set
    Duration physics_step = std::chrono::seconds(1);
};

// Runs until SIGINT or SIGTERM. Returns 0 after a clean stop, 1 (with a one-line message on stderr) when it
// cannot listen.
int run_alfen_simulator(const AlfenStandaloneOptions& options);

// The row of the standalone-simulator table: `evhil sim alfen [--host H] [--port N] [--unplugged] [--soc P]
// [--config FILE]`.
StandaloneSimulator standalone_simulator();

}  // namespace evhil::sim::alfen
