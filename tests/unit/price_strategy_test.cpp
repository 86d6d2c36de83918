// Price series and the three strategies of drivers/control/price_strategy.hpp, and Scheduled with prices.

#include <gtest/gtest.h>

#include "drivers/control/price_strategy.hpp"
#include "drivers/control/schedule_controller.hpp"

namespace evhil::control {
namespace {

using namespace std::chrono_literals;

const TimePoint midnight = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 6 / 21));

// Hourly prices from midnight: prices[h] for hour h.
PriceSeries hourly(const std::vector<double>& prices, std::vector<std::string> levels = {}) {
    std::vector<PriceSlot> slots;
    for (std::size_t h = 0; h < prices.size(); ++h) {
        PriceSlot slot{midnight + std::chrono::hours(h), midnight + std::chrono::hours(h + 1), prices[h], std::nullopt};
        if (h < levels.size()) {
            slot.level = levels[h];
        }
        slots.push_back(slot);
    }
    std::reverse(slots.begin(), slots.end());  // as Octopus answers: newest first
    return PriceSeries(slots, "EUR/kWh");
}

TEST(PriceSeries, FindsTheSlotOfAnInstantAndItsNextBoundary) {
    auto series = hourly({0.30, 0.20, 0.10});
    ASSERT_NE(series.at(midnight + 90min), nullptr);
    EXPECT_DOUBLE_EQ(series.at(midnight + 90min)->price, 0.20);
    EXPECT_EQ(series.at(midnight + 3h), nullptr);
    EXPECT_EQ(series.at(midnight - 1s), nullptr);
    EXPECT_EQ(series.next_boundary(midnight + 90min), midnight + 2h);
    EXPECT_EQ(series.known_until(), midnight + 3h);
    EXPECT_NEAR(series.average(), 0.20, 1e-12);
}

TEST(PriceStrategy, ThresholdChargesAtOrBelowTheLimit) {
    PriceStrategy strategy{.kind = PriceStrategyKind::threshold, .max_price = 0.20};
    auto series = hourly({0.30, 0.20, 0.10});
    EXPECT_FALSE(judge_price(strategy, series, midnight)->cheap);
    EXPECT_TRUE(judge_price(strategy, series, midnight + 1h)->cheap);
    EXPECT_TRUE(judge_price(strategy, series, midnight + 2h)->cheap);
    EXPECT_FALSE(judge_price(strategy, series, midnight + 5h).has_value());
}

TEST(PriceStrategy, PercentileIsOverEveryKnownSlot) {
    // 0.1 ... 1.0: the 30 % quantile (linear) is 0.37, so three slots are cheap.
    auto series = hourly({0.5, 0.1, 0.9, 0.2, 0.7, 0.3, 1.0, 0.4, 0.8, 0.6});
    PriceStrategy strategy{.kind = PriceStrategyKind::percentile, .percentile = 0.3};
    int cheap = 0;
    for (int h = 0; h < 10; ++h) {
        cheap += judge_price(strategy, series, midnight + std::chrono::hours(h))->cheap ? 1 : 0;
    }
    EXPECT_EQ(cheap, 3);
}

TEST(PriceStrategy, LevelUsesTibbersLevelOrDerivesOneFromTheAverage) {
    PriceStrategy strategy{.kind = PriceStrategyKind::level};
    auto tibber = hourly({0.1, 0.1}, {"NORMAL", "VERY_CHEAP"});
    EXPECT_FALSE(judge_price(strategy, tibber, midnight)->cheap);  // the API's level wins over the number
    EXPECT_TRUE(judge_price(strategy, tibber, midnight + 1h)->cheap);
    // Octopus gives no level: 10 of an average of 20 is 50 %, VERY_CHEAP; 30 is 150 %, VERY_EXPENSIVE.
    auto agile = hourly({10, 20, 30});
    EXPECT_TRUE(judge_price(strategy, agile, midnight)->cheap);
    EXPECT_FALSE(judge_price(strategy, agile, midnight + 1h)->cheap);
    EXPECT_EQ(derived_level(10, 20), "VERY_CHEAP");
    EXPECT_EQ(derived_level(17, 20), "CHEAP");
    EXPECT_EQ(derived_level(22, 20), "NORMAL");
    EXPECT_EQ(derived_level(23, 20), "EXPENSIVE");
    EXPECT_EQ(derived_level(28, 20), "VERY_EXPENSIVE");
}

TEST(PriceStrategy, ParsingRefusesAnUnknownLevelAndAThresholdWithoutALimit) {
    EXPECT_THROW(parse_price_strategy(ConfigNode::load_string("{type: level, levels: [FREE]}", "t.yaml")), ConfigError);
    EXPECT_THROW(parse_price_strategy(ConfigNode::load_string("{type: threshold}", "t.yaml")), ConfigError);
    auto strategy = parse_price_strategy(ConfigNode::load_string("{type: percentile, percentile: 0.25}", "t.yaml"));
    EXPECT_EQ(strategy.kind, PriceStrategyKind::percentile);
    EXPECT_DOUBLE_EQ(strategy.percentile, 0.25);
}

ControlInputs plugged_in_at(TimePoint now) {
    ControlInputs in;
    in.now = now;
    in.charger.plugged_in = true;
    in.charger.user_enabled = true;
    in.charger.user_current_a = 16;
    return in;
}

TEST(ScheduledWithPrices, ChargesInCheapSlotsAndFallsBackToTheWindowsWhenPricesAreMissing) {
    const std::vector<int> every_day{0, 1, 2, 3, 4, 5, 6};
    ScheduleController controller({WeeklySchedule("UTC", {{every_day, 22 * 60, 6 * 60, std::nullopt}}),
                                   PriceStrategy{.kind = PriceStrategyKind::threshold, .max_price = 0.15},
                                   std::nullopt});
    auto series = hourly(std::vector<double>(24, 0.30));
    series = hourly({0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.10});
    auto in = plugged_in_at(midnight + 13h + 30min);  // the 0.10 slot, outside the window
    in.prices.import = &series;
    EXPECT_TRUE(controller.decide(in).enabled);
    in.now = midnight + 12h;  // 0.30, outside the window
    auto expensive = controller.decide(in);
    EXPECT_FALSE(expensive.enabled);
    EXPECT_EQ(expensive.status, ShownStatus::waiting_for_start);
    in.prices.missing = true;
    in.prices.missing_why = "Tibber: HTTP 503";
    in.now = midnight + 13h + 30min;
    auto missing = controller.decide(in);
    EXPECT_FALSE(missing.enabled);  // the cheap slot is not known to be cheap: the windows decide
    EXPECT_NE(missing.why.find("prices missing (Tibber: HTTP 503), fallback"), std::string::npos) << missing.why;
    in.now = midnight + 23h;
    auto fallback = controller.decide(in);
    EXPECT_TRUE(fallback.enabled);
    EXPECT_NE(fallback.why.find("fallback: in the window"), std::string::npos) << fallback.why;
}

}  // namespace
}  // namespace evhil::control
