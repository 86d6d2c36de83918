#include "drivers/web/history.hpp"

#include <cmath>

namespace evhil::web {

History::History(Duration span, Duration spacing)
    : spacing_(spacing), capacity_(static_cast<std::size_t>(std::max<std::int64_t>(1, span / spacing))) {}

void History::record(const std::string& charger_id, const HistorySample& sample) {
    auto& ring = rings_[charger_id];
    if (!ring.samples.empty()) {
        const auto& last = ring.samples[(ring.next + ring.samples.size() - 1) % ring.samples.size()];
        if (sample.at - last.at < spacing_) {
            return;
        }
    }
    if (ring.samples.size() < capacity_) {
        if (ring.samples.empty()) {
            ring.samples.reserve(capacity_);
        }
        ring.samples.push_back(sample);
        ring.next = ring.samples.size() % capacity_;
        return;
    }
    ring.samples[ring.next] = sample;
    ring.next = (ring.next + 1) % capacity_;
}

std::size_t History::size(const std::string& charger_id) const {
    auto found = rings_.find(charger_id);
    return found == rings_.end() ? 0 : found->second.samples.size();
}

nlohmann::json History::since(TimePoint now, Duration span) const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    auto out = nlohmann::json::object();
    auto round = [](double value) { return std::round(value * 100) / 100; };
    for (const auto& [id, ring] : rings_) {
        nlohmann::json t = nlohmann::json::array(), power = t, l1 = t, l2 = t, l3 = t, allowed = t, station_max = t;
        const std::size_t n = ring.samples.size();
        const std::size_t oldest = n < capacity_ ? 0 : ring.next;
        for (std::size_t k = 0; k < n; ++k) {
            const auto& sample = ring.samples[(oldest + k) % n];
            if (sample.at < now - span || sample.at > now) {
                continue;
            }
            t.push_back(duration_cast<milliseconds>(sample.at.time_since_epoch()).count());
            power.push_back(round(sample.power_w));
            l1.push_back(round(sample.current_a[0]));
            l2.push_back(round(sample.current_a[1]));
            l3.push_back(round(sample.current_a[2]));
            allowed.push_back(round(sample.allowed_a));
            station_max.push_back(round(sample.station_max_a));
        }
        out[id] = {{"t", t},
                   {"power_w", power},
                   {"l1_a", l1},
                   {"l2_a", l2},
                   {"l3_a", l3},
                   {"allowed_a", allowed},
                   {"station_max_a", station_max}};
    }
    return out;
}

}  // namespace evhil::web
