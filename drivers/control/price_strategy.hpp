#pragma once
// Whether a price slot is cheap enough to charge in: the three strategies victron-alfen-charger applies to Tibber
// prices (tariffs.md 4), applied here to any price series, Octopus Agile included.
//
//   level       the slot's level is one of `levels` (default CHEAP and VERY_CHEAP). A series without levels (Octopus)
//               gets Tibber's levels from the series' average: ≤ 60 % VERY_CHEAP, ≤ 90 % CHEAP, < 115 % NORMAL,
//               < 140 % EXPENSIVE, else VERY_EXPENSIVE (tariffs.md 1.4; those percentages are UNCONFIRMED).
//   threshold   price ≤ max_price
//   percentile  price ≤ the p-quantile (linear between order statistics) of every known slot: today, and tomorrow
//               once it is published
//
// Covered by tests/unit/price_strategy_test.cpp and scenarios/prices/.

#include <optional>
#include <set>
#include <string>

#include "drivers/control/prices.hpp"
#include "drivers/core/config.hpp"

namespace evhil::control {

enum class PriceStrategyKind { level, threshold, percentile };

struct PriceStrategy {
    PriceStrategyKind kind = PriceStrategyKind::percentile;
    std::set<std::string> levels{"CHEAP", "VERY_CHEAP"};
    double max_price = 0;
    double percentile = 0.3;
};
// `strategy: {type: level|threshold|percentile, levels: [...], max_price: X, percentile: 0.3}`. Throws ConfigError.
PriceStrategy parse_price_strategy(const ConfigNode& node);

// Tibber's level of `price` against `average`, for series that carry none.
std::string derived_level(double price, double average);

struct PriceVerdict {
    bool cheap = false;
    std::string why;  // "price 0.21 EUR ≤ the 30 % quantile 0.23"
};
// nullopt when the series has no price for `now`.
std::optional<PriceVerdict> judge_price(const PriceStrategy& strategy, const PriceSeries& prices, TimePoint now);

}  // namespace evhil::control
