#pragma once
// Where the controllers get prices from: a price feed (drivers/prices/price_feed.hpp) in evchargerd and in a
// scenario alike. The station asks it on every control cycle; it answers from its cache and never blocks.

#include "drivers/control/controller.hpp"

namespace evhil::control {

class PriceSource {
public:
    virtual ~PriceSource() = default;
    virtual PriceInputs prices(TimePoint now) const = 0;
};

// A vehicle API's view of the vehicle at a charger (in a scenario: the EV model). Unknown fields stay empty.
struct VehicleReading {
    std::optional<double> soc;  // %
    std::optional<double> capacity_kwh;
    std::optional<int> phases;  // its on-board charger's (1 or 3)
    std::optional<double> max_current_a;
};

}  // namespace evhil::control
