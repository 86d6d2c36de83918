#pragma once
// Day-ahead electricity prices for the price API simulators (tibber_api.hpp, octopus_api.hpp): deterministic, so that a
// price-driven controller sees the same prices in every run with the same seed.
//
// Generated prices follow the shape of a European day-ahead market in the settings' time zone: cheap at night, a
// morning peak around 07-09, a midday dip (on a sunny day deep enough to go negative) and an evening peak around
// 17-20, plus seeded noise. Each local day draws from a random stream of its own (the seed and the date), so a day's
// prices do not depend on which days were asked for before. The shape is computed per quarter hour and 30- and
// 60-minute slots are the average of their quarters, so the hourly and the quarter-hourly answers of one API agree.
//
// Scripted prices replace the generated ones: 24 per-hour totals repeated every day, or a map of local dates to 24
// per-hour totals. On a daylight-saving day the hour that happens twice repeats its price and the missing hour is
// simply not there.
//
// Covered by tests/unit/price_generator_test.cpp.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"

namespace date {
class time_zone;
}

namespace evhil::sim::tariffs {

struct PriceSlot {
    TimePoint start;
    TimePoint end;
    double total = 0;   // energy + tax
    double energy = 0;  // the spot part
    double tax = 0;
};

struct PriceSettings {
    std::uint64_t seed = 1;
    Duration slot_length = std::chrono::minutes(60);  // 15, 30 or 60 minutes
    std::string timezone = "Europe/Berlin";           // the day shape is in this zone's local time
    double base_price = 0.30;                         // a typical day's average total, currency per kWh
    std::string currency = "EUR";
    double tax_rate = 0.25;             // tax as a share of the energy part: total = energy * (1 + tax_rate)
    int decimals = 4;                   // energy and tax are rounded to this many decimals
    std::vector<double> hourly_totals;  // 24 values: the same every day
    std::map<std::chrono::year_month_day, std::vector<double>> by_day;  // 24 values for a local date
};

class PriceGenerator {
public:
    // Throws std::invalid_argument for a slot length other than 15, 30 or 60 minutes, an unknown time zone, or scripted
    // totals that are not 24 values.
    explicit PriceGenerator(PriceSettings settings);

    const PriceSettings& settings() const { return settings_; }

    // The local date `t` falls on, in the settings' time zone.
    std::chrono::year_month_day local_day(TimePoint t) const;
    // The instant a local date and wall-clock time happen (the earlier one when the time happens twice, the moment the
    // clock jumps when it does not happen at all).
    TimePoint at_local(std::chrono::year_month_day day, std::chrono::minutes time_of_day) const;
    TimePoint day_start(std::chrono::year_month_day day) const { return at_local(day, std::chrono::minutes(0)); }
    // "2026-06-21T13:00:00.000+02:00": `t` in local time with its UTC offset.
    std::string format_local(TimePoint t) const;

    // A local day's slots, oldest first: 24 (23 or 25 on a daylight-saving day) at 60 minutes.
    std::vector<PriceSlot> day(std::chrono::year_month_day day) const { return this->day(day, settings_.slot_length); }
    std::vector<PriceSlot> day(std::chrono::year_month_day day, Duration slot_length) const;
    // Every slot that overlaps [from, to), oldest first.
    std::vector<PriceSlot> between(TimePoint from, TimePoint to) const;
    // The slot `t` falls in.
    PriceSlot at(TimePoint t) const;

private:
    std::vector<double> quarter_totals(std::chrono::year_month_day day, const std::vector<TimePoint>& quarters) const;
    PriceSlot make_slot(TimePoint start, TimePoint end, double total) const;

    PriceSettings settings_;
    const date::time_zone* zone_ = nullptr;
};

// Tibber's `level` of a price against the day's average (docs: tariffs.md 1.4): VERY_CHEAP, CHEAP, NORMAL, EXPENSIVE or
// VERY_EXPENSIVE.
std::string tibber_level(double total, double average);

}  // namespace evhil::sim::tariffs
