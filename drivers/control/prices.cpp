#include "drivers/control/prices.hpp"

#include <algorithm>
#include <numeric>

namespace evhil::control {

PriceSeries::PriceSeries(std::vector<PriceSlot> slots, std::string unit)
    : slots_(std::move(slots)), unit_(std::move(unit)) {
    std::sort(slots_.begin(), slots_.end(), [](const PriceSlot& a, const PriceSlot& b) { return a.start < b.start; });
    // Octopus answers newest first and pages may overlap by a slot: keep one slot per start.
    slots_.erase(std::unique(slots_.begin(), slots_.end(),
                             [](const PriceSlot& a, const PriceSlot& b) { return a.start == b.start; }),
                 slots_.end());
    for (std::size_t i = 0; i + 1 < slots_.size(); ++i) {
        slots_[i].end = std::min(slots_[i].end, slots_[i + 1].start);
    }
}

const PriceSlot* PriceSeries::at(TimePoint at) const {
    auto after = std::upper_bound(slots_.begin(), slots_.end(), at,
                                  [](TimePoint t, const PriceSlot& slot) { return t < slot.start; });
    if (after == slots_.begin()) {
        return nullptr;
    }
    const PriceSlot& slot = *std::prev(after);
    return at < slot.end ? &slot : nullptr;
}

TimePoint PriceSeries::known_until() const {
    return slots_.empty() ? TimePoint{} : slots_.back().end;
}

std::optional<TimePoint> PriceSeries::next_boundary(TimePoint at) const {
    for (const auto& slot : slots_) {
        if (slot.start > at) {
            return slot.start;
        }
        if (slot.end > at) {
            return slot.end;
        }
    }
    return std::nullopt;
}

double PriceSeries::average() const {
    if (slots_.empty()) {
        return 0;
    }
    return std::accumulate(slots_.begin(), slots_.end(), 0.0,
                           [](double sum, const PriceSlot& slot) { return sum + slot.price; }) /
           static_cast<double>(slots_.size());
}

}  // namespace evhil::control
