#pragma once
// Energy prices as the controllers use them: slots with a start, an end and a price per kWh, whichever API they came
// from (Tibber: currency per kWh with a level; Octopus: pence per kWh, no level). The controllers compare prices only
// with each other and with limits the user set in the same unit, so the unit is carried along, not converted.
//
// Covered by tests/unit/price_strategy_test.cpp and tests/unit/charge_planner_test.cpp.

#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"

namespace evhil::control {

struct PriceSlot {
    TimePoint start{};
    TimePoint end{};
    double price = 0;                  // per kWh, in the series' unit
    std::optional<std::string> level;  // Tibber's PriceLevel (VERY_CHEAP ... VERY_EXPENSIVE), when the API gives one
};

class PriceSeries {
public:
    PriceSeries() = default;
    // Sorts by start; overlapping slots keep the later-starting one's price from its start on.
    PriceSeries(std::vector<PriceSlot> slots, std::string unit);

    const std::vector<PriceSlot>& slots() const { return slots_; }
    const std::string& unit() const { return unit_; }
    bool empty() const { return slots_.empty(); }
    // The slot `at` falls in, or nullptr where no price is known.
    const PriceSlot* at(TimePoint at) const;
    // The end of the last known slot (the epoch when empty).
    TimePoint known_until() const;
    // The first slot boundary after `at`: when a cached series should be asked again at the latest.
    std::optional<TimePoint> next_boundary(TimePoint at) const;
    double average() const;

private:
    std::vector<PriceSlot> slots_;
    std::string unit_;
};

}  // namespace evhil::control
