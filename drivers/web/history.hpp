#pragma once
// The graph's recent past after a page reload: per charger, one sample a second at most of its power, its
// phase currents, what the limiter allowed and the station's maximum, in a fixed ring (history / 1 s samples), so
// the daemon's memory stays bounded however long it runs (60 min: 3600 samples of 56 bytes per charger).
//
// Covered by tests/web/web_api_test.cpp (history).

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"

namespace evhil::web {

struct HistorySample {
    TimePoint at{};
    double power_w = 0;
    double current_a[3] = {0, 0, 0};  // measured, per phase
    double allowed_a = 0;             // the safety limiter's command
    double station_max_a = 0;         // 0 while unknown
};

class History {
public:
    History(Duration span, Duration spacing = std::chrono::seconds(1));

    // Keeps the sample unless the charger's last one is less than `spacing` old.
    void record(const std::string& charger_id, const HistorySample& sample);
    // The samples of the last `span` before `now`, oldest first, as the API returns them:
    // {"charger": {"t": [unix ms...], "power_w": [...], "l1_a": [...], ..., "allowed_a": [...], "station_max_a":
    // [...]}}
    nlohmann::json since(TimePoint now, Duration span) const;
    std::size_t capacity() const { return capacity_; }
    std::size_t size(const std::string& charger_id) const;

private:
    struct Ring {
        std::vector<HistorySample> samples;  // reserved to capacity once
        std::size_t next = 0;                // where the next sample goes once full
    };
    Duration spacing_;
    std::size_t capacity_;
    std::map<std::string, Ring> rings_;
};

}  // namespace evhil::web
