#pragma once
// Exponential back-off with seeded jitter, for reconnect loops.

#include <algorithm>

#include "drivers/core/clock.hpp"
#include "drivers/core/rng.hpp"

namespace evhil {

struct BackoffSettings {
    Duration initial = std::chrono::seconds(1);
    Duration maximum = std::chrono::seconds(30);
    double factor = 2.0;
    double jitter = 0.1;  // each delay is scaled by a factor drawn from [1 - jitter, 1 + jitter]
};

class Backoff {
public:
    Backoff(BackoffSettings settings, Rng rng) : settings_(settings), rng_(rng), next_(settings.initial) {}

    Duration next_delay() {
        double scale = 1.0 + rng_.uniform(-settings_.jitter, settings_.jitter);
        Duration delay = from_seconds(to_seconds(next_) * scale);
        next_ = std::min(settings_.maximum, from_seconds(to_seconds(next_) * settings_.factor));
        return delay;
    }
    void reset() { next_ = settings_.initial; }

private:
    BackoffSettings settings_;
    Rng rng_;
    Duration next_;
};

}  // namespace evhil
