#include "drivers/control/price_strategy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace evhil::control {
namespace {

const std::set<std::string>& level_names() {
    static const std::set<std::string> names{"VERY_CHEAP", "CHEAP", "NORMAL", "EXPENSIVE", "VERY_EXPENSIVE"};
    return names;
}

double quantile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const double position = p * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, values.size() - 1);
    return values[below] + (values[above] - values[below]) * (position - static_cast<double>(below));
}

}  // namespace

PriceStrategy parse_price_strategy(const ConfigNode& node) {
    node.allow_keys({"type", "levels", "max_price", "percentile"});
    PriceStrategy strategy;
    const std::string type = node.required("type").as_enum({"level", "threshold", "percentile"});
    strategy.kind = type == "level"       ? PriceStrategyKind::level
                    : type == "threshold" ? PriceStrategyKind::threshold
                                          : PriceStrategyKind::percentile;
    if (auto levels = node.optional("levels")) {
        strategy.levels.clear();
        for (const auto& level : levels->as_list()) {
            const std::string name = level.as_string();
            if (!level_names().contains(name)) {
                level.fail("unknown price level '" + name + "' (VERY_CHEAP, CHEAP, NORMAL, EXPENSIVE, VERY_EXPENSIVE)");
            }
            strategy.levels.insert(name);
        }
    }
    if (strategy.kind == PriceStrategyKind::threshold) {
        strategy.max_price = node.required("max_price").as_double(-1e6, 1e6);
    }
    strategy.percentile = node.get_double("percentile", strategy.percentile, 0, 1);
    return strategy;
}

std::string derived_level(double price, double average) {
    if (average <= 0) {
        return price <= 0 ? "VERY_CHEAP" : "NORMAL";
    }
    const double ratio = price / average;
    if (ratio <= 0.6) {
        return "VERY_CHEAP";
    }
    if (ratio <= 0.9) {
        return "CHEAP";
    }
    if (ratio < 1.15) {
        return "NORMAL";
    }
    return ratio < 1.4 ? "EXPENSIVE" : "VERY_EXPENSIVE";
}

std::optional<PriceVerdict> judge_price(const PriceStrategy& strategy, const PriceSeries& prices, TimePoint now) {
    const PriceSlot* slot = prices.at(now);
    if (slot == nullptr) {
        return std::nullopt;
    }
    const std::string& unit = prices.unit();
    switch (strategy.kind) {
        case PriceStrategyKind::level: {
            const std::string level = slot->level.value_or(derived_level(slot->price, prices.average()));
            const bool cheap = strategy.levels.contains(level);
            return PriceVerdict{cheap, fmt::format("price {:.4g} {} is {}{}", slot->price, unit, level,
                                                   cheap ? "" : ", not a level to charge at")};
        }
        case PriceStrategyKind::threshold: {
            const bool cheap = slot->price <= strategy.max_price;
            return PriceVerdict{cheap, fmt::format("price {:.4g} {} {} the limit {:.4g}", slot->price, unit,
                                                   cheap ? "≤" : ">", strategy.max_price)};
        }
        case PriceStrategyKind::percentile: {
            std::vector<double> values;
            values.reserve(prices.slots().size());
            for (const auto& known : prices.slots()) {
                values.push_back(known.price);
            }
            const double limit = quantile(std::move(values), strategy.percentile);
            const bool cheap = slot->price <= limit;
            return PriceVerdict{cheap, fmt::format("price {:.4g} {} {} the {:.0f} % quantile {:.4g}", slot->price, unit,
                                                   cheap ? "≤" : ">", strategy.percentile * 100, limit)};
        }
    }
    return std::nullopt;
}

}  // namespace evhil::control
