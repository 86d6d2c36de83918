// The price API simulators' day-ahead prices: the same for a seed and day whatever was asked before, a day's shape,
// daylight-saving days, scripted prices, the hourly price as the average of its quarters, and Tibber's levels.

#include <gtest/gtest.h>

#include <cmath>

#include "simulators/tariffs/price_generator.hpp"

namespace evhil::sim::tariffs {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;
using std::chrono::year_month_day;

TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute = 0) {
    return TimePoint(sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute));
}
year_month_day date(int year, unsigned month, unsigned day) {
    return std::chrono::year(year) / month / day;
}

std::vector<double> totals(const std::vector<PriceSlot>& slots) {
    std::vector<double> out;
    for (const auto& slot : slots) {
        out.push_back(slot.total);
    }
    return out;
}

TEST(PriceGenerator, ADayIsTheSameForItsSeedWhateverWasAskedBefore) {
    PriceGenerator first({.seed = 7});
    auto june = totals(first.day(date(2026, 6, 21)));
    auto july = totals(first.day(date(2026, 7, 1)));
    PriceGenerator second({.seed = 7});
    EXPECT_EQ(totals(second.day(date(2026, 7, 1))), july);  // the other order
    EXPECT_EQ(totals(second.day(date(2026, 6, 21))), june);
    EXPECT_NE(june, july);
    PriceGenerator other_seed({.seed = 8});
    EXPECT_NE(totals(other_seed.day(date(2026, 6, 21))), june);
}

TEST(PriceGenerator, SlotsCoverTheLocalDayAtTheirLength) {
    PriceGenerator hourly({.timezone = "Europe/Berlin"});
    auto day = hourly.day(date(2026, 6, 21));
    ASSERT_EQ(day.size(), 24u);
    EXPECT_EQ(day.front().start, utc(2026, 6, 20, 22));  // local midnight, CEST
    EXPECT_EQ(day.back().end, utc(2026, 6, 21, 22));
    for (std::size_t i = 1; i < day.size(); ++i) {
        EXPECT_EQ(day[i].start, day[i - 1].end);
    }
    EXPECT_EQ(hourly.day(date(2026, 6, 21), 15min).size(), 96u);
    EXPECT_EQ(hourly.day(date(2026, 6, 21), 30min).size(), 48u);
    PriceGenerator quarters({.slot_length = 15min});
    EXPECT_EQ(quarters.day(date(2026, 6, 21)).size(), 96u);
}

TEST(PriceGenerator, DaylightSavingDaysHave23And25Hours) {
    PriceGenerator prices({.timezone = "Europe/Berlin"});
    EXPECT_EQ(prices.day(date(2026, 3, 29)).size(), 23u);
    EXPECT_EQ(prices.day(date(2026, 10, 25)).size(), 25u);
    EXPECT_EQ(prices.day(date(2026, 10, 25), 15min).size(), 100u);
}

TEST(PriceGenerator, AnHourIsTheAverageOfItsQuarters) {
    PriceGenerator prices({.seed = 3});
    auto hours = prices.day(date(2026, 5, 2));
    auto quarters = prices.day(date(2026, 5, 2), 15min);
    for (std::size_t h = 0; h < hours.size(); ++h) {
        double sum = 0;
        for (std::size_t q = 0; q < 4; ++q) {
            sum += quarters[h * 4 + q].total;
        }
        EXPECT_NEAR(hours[h].total, sum / 4, 1e-3) << "hour " << h;
    }
}

TEST(PriceGenerator, TheShapeHasCheapNightsMorningAndEveningPeaksAndNegativeSunnyMiddays) {
    PriceGenerator prices({.seed = 11, .timezone = "Europe/Berlin", .base_price = 0.30});
    double night = 0, morning = 0, midday = 0, evening = 0;
    int negative_days = 0;
    const int days = 120;
    for (int d = 0; d < days; ++d) {
        auto day = prices.day(year_month_day(sys_days(date(2026, 4, 1)) + std::chrono::days(d)));
        ASSERT_EQ(day.size(), 24u);
        night += day[3].total;
        morning += day[8].total;
        midday += day[13].total;
        evening += day[18].total;
        negative_days += day[13].total < 0 ? 1 : 0;
    }
    EXPECT_LT(night, morning);
    EXPECT_LT(midday, morning);
    EXPECT_LT(midday, evening);
    EXPECT_LT(night, evening);
    EXPECT_GT(negative_days, 0);
    EXPECT_LT(negative_days, days / 2);
    EXPECT_NEAR((night + morning + midday + evening) / (4 * days), 0.30, 0.1);
}

TEST(PriceGenerator, EnergyAndTaxAddUpToTheTotal) {
    PriceGenerator prices({.tax_rate = 0.25});
    for (const auto& slot : prices.day(date(2026, 6, 21))) {
        EXPECT_NEAR(slot.energy + slot.tax, slot.total, 1e-9);
        if (slot.total > 0.05) {
            EXPECT_NEAR(slot.tax / slot.energy, 0.25, 0.01);
        }
    }
}

TEST(PriceGenerator, ScriptedHoursRepeatEveryDayAndADayMapOverridesThem) {
    std::vector<double> hours(24);
    for (int h = 0; h < 24; ++h) {
        hours[h] = 0.1 + 0.01 * h;
    }
    std::vector<double> special(24, 0.5);
    PriceGenerator prices({.hourly_totals = hours, .by_day = {{date(2026, 6, 22), special}}});
    auto day = prices.day(date(2026, 6, 21));
    ASSERT_EQ(day.size(), 24u);
    for (int h = 0; h < 24; ++h) {
        EXPECT_DOUBLE_EQ(day[h].total, hours[h]);
    }
    EXPECT_EQ(totals(prices.day(date(2026, 7, 30))), totals(day));
    EXPECT_EQ(totals(prices.day(date(2026, 6, 22))), special);
    // The quarters of a scripted hour carry its price.
    EXPECT_DOUBLE_EQ(prices.day(date(2026, 6, 21), 15min)[4 * 7 + 2].total, hours[7]);
    // On the autumn change the repeated hour 02:00 keeps its price both times.
    auto autumn = prices.day(date(2026, 10, 25));
    ASSERT_EQ(autumn.size(), 25u);
    EXPECT_DOUBLE_EQ(autumn[2].total, hours[2]);
    EXPECT_DOUBLE_EQ(autumn[3].total, hours[2]);
    EXPECT_DOUBLE_EQ(autumn[4].total, hours[3]);
}

TEST(PriceGenerator, BadSettingsAreRefused) {
    EXPECT_THROW(PriceGenerator({.slot_length = 20min}), std::invalid_argument);
    EXPECT_THROW(PriceGenerator({.timezone = "Mars/Olympus"}), std::invalid_argument);
    EXPECT_THROW(PriceGenerator({.hourly_totals = {0.1, 0.2}}), std::invalid_argument);
}

TEST(PriceGenerator, LocalTimesCarryTheirOffset) {
    PriceGenerator berlin({.timezone = "Europe/Berlin"});
    EXPECT_EQ(berlin.format_local(utc(2026, 6, 21, 11)), "2026-06-21T13:00:00.000+02:00");
    EXPECT_EQ(berlin.format_local(utc(2026, 1, 10, 23)), "2026-01-11T00:00:00.000+01:00");
    PriceGenerator new_york({.timezone = "America/New_York"});
    EXPECT_EQ(new_york.format_local(utc(2026, 1, 10, 12)), "2026-01-10T07:00:00.000-05:00");
    EXPECT_EQ(berlin.local_day(utc(2026, 6, 20, 22)), date(2026, 6, 21));
    EXPECT_EQ(berlin.local_day(utc(2026, 6, 20, 21, 59)), date(2026, 6, 20));
}

TEST(PriceGenerator, BetweenAndAtFindTheSlotsOfAnyInstant) {
    PriceGenerator prices({.seed = 5});
    auto slots = prices.between(utc(2026, 6, 21, 21, 30), utc(2026, 6, 22, 0, 30));
    ASSERT_EQ(slots.size(), 4u);  // 21:00, 22:00 (the next local day), 23:00, 00:00 UTC
    EXPECT_EQ(slots.front().start, utc(2026, 6, 21, 21));
    EXPECT_EQ(slots.back().start, utc(2026, 6, 22, 0));
    EXPECT_EQ(prices.at(utc(2026, 6, 21, 22, 10)).total, slots[1].total);
}

TEST(PriceGenerator, TibberLevelsFollowTheThresholds) {
    EXPECT_EQ(tibber_level(0.18, 0.30), "VERY_CHEAP");  // 60 %
    EXPECT_EQ(tibber_level(0.1801, 0.30), "CHEAP");
    EXPECT_EQ(tibber_level(0.27, 0.30), "CHEAP");  // 90 %
    EXPECT_EQ(tibber_level(0.2701, 0.30), "NORMAL");
    EXPECT_EQ(tibber_level(0.3449, 0.30), "NORMAL");
    EXPECT_EQ(tibber_level(0.345, 0.30), "EXPENSIVE");  // 115 %
    EXPECT_EQ(tibber_level(0.4199, 0.30), "EXPENSIVE");
    EXPECT_EQ(tibber_level(0.42, 0.30), "VERY_EXPENSIVE");  // 140 %
    EXPECT_EQ(tibber_level(-0.05, 0.30), "VERY_CHEAP");
    // A day that averages below zero: below the average is cheap, above it expensive.
    EXPECT_EQ(tibber_level(-0.2, -0.1), "VERY_CHEAP");
    EXPECT_EQ(tibber_level(-0.1, -0.1), "NORMAL");
    EXPECT_EQ(tibber_level(0.05, -0.1), "VERY_EXPENSIVE");
}

}  // namespace
}  // namespace evhil::sim::tariffs
