#pragma once
// The bench file: where the real devices of a test bench are and what the harness may do to them. It maps each
// device id of a scenario to a real endpoint and sets the safety caps; the format is in docs/bench.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/core/config.hpp"

namespace evhil::harness {

// The caps are the harness'; everything else in the entry is the device's endpoint, which its charger kind reads
// and checks (docs/bench.md lists the keys per charger type).
struct BenchDevice {
    std::string id;
    double max_current_a = 6.0;  // the station never commands more, whatever the scenario or controller asks
    bool read_only = false;      // the driver only reads; no setpoint is ever written
    ConfigNode node;             // the whole entry
};
// The keys of a bench entry that are caps, not endpoint.
const std::vector<std::string>& bench_cap_keys();

struct BenchFile {
    std::string file;
    std::string name;
    std::map<std::string, BenchDevice> devices;
    Duration prompt_timeout = std::chrono::minutes(5);  // how long an operator prompt waits for confirmation
};

// Throws ConfigError (FILE:LINE:COL) on anything wrong.
BenchFile load_bench_file(const std::string& path);

}  // namespace evhil::harness
