#pragma once
// The bench file: where the real devices of a test bench are and what the harness may do to them. It maps each
// device id of a scenario to a real endpoint and sets the safety caps; the format is in docs/bench.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "drivers/core/clock.hpp"
#include "drivers/core/config.hpp"

namespace evhil::harness {

struct BenchDevice {
    std::string id;
    std::string host;
    std::uint16_t port = 502;
    std::optional<std::uint8_t> station_unit;  // overrides the scenario's driver settings when set
    std::optional<std::uint8_t> socket_unit;
    double max_current_a = 6.0;  // the harness never commands more, whatever the scenario or controller asks
    bool read_only = false;      // the driver only reads; no setpoint is ever written
    Duration connect_timeout = std::chrono::seconds(3);
    Duration response_timeout = std::chrono::seconds(2);
    ConfigNode node;  // the whole entry: the device's endpoint, which its charger kind reads
};

struct BenchFile {
    std::string file;
    std::string name;
    std::map<std::string, BenchDevice> devices;
    Duration prompt_timeout = std::chrono::minutes(5);  // how long an operator prompt waits for confirmation
};

// Throws ConfigError (FILE:LINE:COL) on anything wrong.
BenchFile load_bench_file(const std::string& path);

}  // namespace evhil::harness
