#pragma once
// A driver's connection state and counters, the same for every charger: what a status command, the daemon's
// periodic log line, the Venus /Connected path and the harness' signals read.

#include <cstdint>

namespace evhil::chargers {

enum class DriverState { stopped, connecting, running, backing_off };
const char* to_string(DriverState state);

struct DriverCounters {
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::uint64_t exceptions = 0;  // the device answered, with a protocol-level refusal
    std::uint64_t timeouts = 0;
    std::uint64_t connects = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t connect_failures = 0;
    std::uint64_t polls = 0;
    std::uint64_t polls_skipped = 0;  // a poll was due while the previous one was still waiting for answers
    std::uint64_t writes = 0;
    std::uint64_t verified_writes = 0;
    std::uint64_t verify_failures = 0;
    double last_latency_s = 0;
    double max_latency_s = 0;
    double total_latency_s = 0;
    double mean_latency_s() const { return requests == 0 ? 0.0 : total_latency_s / static_cast<double>(requests); }
};

struct DriverHealth {
    DriverState state = DriverState::stopped;
    DriverCounters counters;
};

}  // namespace evhil::chargers
