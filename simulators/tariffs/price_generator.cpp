#include "simulators/tariffs/price_generator.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "drivers/core/rng.hpp"

namespace evhil::sim::tariffs {
namespace {

using std::chrono::minutes;
constexpr Duration quarter = minutes(15);

date::local_days to_local_days(std::chrono::year_month_day day) {
    return date::local_days(date::days(std::chrono::sys_days(day).time_since_epoch().count()));
}

double round_to(double value, int decimals) {
    double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

// A bump of height 1 at `centre` hours, `width` hours wide (one standard deviation).
double bump(double hour, double centre, double width) {
    double x = (hour - centre) / width;
    return std::exp(-0.5 * x * x);
}

void check_scripted(const std::vector<double>& totals, const char* what) {
    if (!totals.empty() && totals.size() != 24) {
        throw std::invalid_argument(fmt::format("{} wants 24 per-hour totals, got {}", what, totals.size()));
    }
}

}  // namespace

PriceGenerator::PriceGenerator(PriceSettings settings) : settings_(std::move(settings)) {
    auto length = settings_.slot_length;
    if (length != minutes(15) && length != minutes(30) && length != minutes(60)) {
        throw std::invalid_argument("the price slot length must be 15, 30 or 60 minutes");
    }
    try {
        zone_ = date::locate_zone(settings_.timezone);
    } catch (const std::exception&) {
        throw std::invalid_argument("unknown time zone '" + settings_.timezone +
                                    "' (a tz database name such as Europe/Berlin)");
    }
    check_scripted(settings_.hourly_totals, "hourly prices");
    for (const auto& [day, totals] : settings_.by_day) {
        check_scripted(totals, "a day's prices");
    }
}

std::chrono::year_month_day PriceGenerator::local_day(TimePoint t) const {
    auto local = date::floor<date::days>(zone_->to_local(t));
    return std::chrono::year_month_day(std::chrono::sys_days(std::chrono::days(local.time_since_epoch().count())));
}

TimePoint PriceGenerator::at_local(std::chrono::year_month_day day, minutes time_of_day) const {
    return zone_->to_sys(to_local_days(day) + time_of_day, date::choose::earliest);
}

std::string PriceGenerator::format_local(TimePoint t) const {
    auto millis = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
    auto offset = zone_->get_info(millis).offset;
    auto local = millis + offset;
    auto days = std::chrono::floor<std::chrono::days>(local);
    std::chrono::year_month_day ymd{days};
    std::chrono::hh_mm_ss hms{local - days};
    auto offset_minutes = std::chrono::duration_cast<minutes>(offset).count();
    auto magnitude = std::abs(offset_minutes);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}{:02}:{:02}", int(ymd.year()), unsigned(ymd.month()),
                       unsigned(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       hms.subseconds().count(), offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

std::vector<double> PriceGenerator::quarter_totals(std::chrono::year_month_day day,
                                                   const std::vector<TimePoint>& quarters) const {
    auto midnight = to_local_days(day);
    auto hour_of = [&](TimePoint t) {
        return std::chrono::duration<double, std::ratio<3600>>(zone_->to_local(t) - midnight).count();
    };
    const std::vector<double>* scripted = nullptr;
    if (auto it = settings_.by_day.find(day); it != settings_.by_day.end()) {
        scripted = &it->second;
    } else if (!settings_.hourly_totals.empty()) {
        scripted = &settings_.hourly_totals;
    }
    std::vector<double> totals;
    if (scripted != nullptr) {
        for (auto t : quarters) {
            totals.push_back((*scripted)[std::clamp(static_cast<int>(hour_of(t)), 0, 23)]);
        }
        return totals;
    }
    // The day's own stream: the same prices for this seed and date whatever was generated before.
    Rng rng =
        Rng(settings_.seed)
            .fork(fmt::format("prices {:04}-{:02}-{:02}", int(day.year()), unsigned(day.month()), unsigned(day.day())));
    const double level = settings_.base_price * rng.uniform(0.85, 1.15);
    const bool sunny = rng.chance(0.35);
    // A sunny day's dip takes the price below zero around 13:00; an overcast one only dents it.
    const double dip = sunny ? rng.uniform(0.9, 1.5) : rng.uniform(0.15, 0.35);
    const double morning = rng.uniform(0.25, 0.45);
    const double evening = rng.uniform(0.4, 0.7);
    for (auto t : quarters) {
        double hour = hour_of(t + quarter / 2);
        double shape = 1.0 - 0.3 * bump(hour, 3.5, 2.2) + morning * bump(hour, 8, 1.0) - dip * bump(hour, 13, 2.2) +
                       evening * bump(hour, 18.5, 1.2);
        totals.push_back(level * shape + rng.normal(0, 0.03 * settings_.base_price));
    }
    return totals;
}

PriceSlot PriceGenerator::make_slot(TimePoint start, TimePoint end, double total) const {
    PriceSlot slot{start, end};
    slot.total = round_to(total, settings_.decimals);
    slot.energy = round_to(slot.total / (1 + settings_.tax_rate), settings_.decimals);
    slot.tax = round_to(slot.total - slot.energy, settings_.decimals);
    return slot;
}

std::vector<PriceSlot> PriceGenerator::day(std::chrono::year_month_day day, Duration slot_length) const {
    if (slot_length < quarter || slot_length % quarter != Duration(0)) {
        throw std::invalid_argument("a price slot is a whole number of quarter hours");
    }
    const TimePoint start = day_start(day);
    const TimePoint end = day_start(std::chrono::sys_days(day) + std::chrono::days(1));
    std::vector<TimePoint> quarters;
    for (TimePoint t = start; t < end; t += quarter) {
        quarters.push_back(t);
    }
    auto totals = quarter_totals(day, quarters);
    const auto per_slot = static_cast<std::size_t>(slot_length / quarter);
    std::vector<PriceSlot> slots;
    for (std::size_t first = 0; first < quarters.size(); first += per_slot) {
        std::size_t last = std::min(first + per_slot, quarters.size());
        double sum = 0;
        for (std::size_t i = first; i < last; ++i) {
            sum += totals[i];
        }
        TimePoint slot_end = last < quarters.size() ? quarters[last] : end;
        slots.push_back(make_slot(quarters[first], slot_end, sum / static_cast<double>(last - first)));
    }
    return slots;
}

std::vector<PriceSlot> PriceGenerator::between(TimePoint from, TimePoint to) const {
    std::vector<PriceSlot> slots;
    if (to <= from) {
        return slots;
    }
    const std::chrono::sys_days last{local_day(to - Duration(1))};
    for (std::chrono::sys_days d{local_day(from)}; d <= last; d += std::chrono::days(1)) {
        for (const auto& slot : day(std::chrono::year_month_day(d))) {
            if (slot.end > from && slot.start < to) {
                slots.push_back(slot);
            }
        }
    }
    return slots;
}

PriceSlot PriceGenerator::at(TimePoint t) const {
    for (const auto& slot : day(local_day(t))) {
        if (slot.start <= t && t < slot.end) {
            return slot;
        }
    }
    throw std::logic_error("a local day's slots do not cover the day");
}

std::string tibber_level(double total, double average) {
    // The thresholds are fractions of the average. A day whose average is zero or negative (a very sunny one) has no
    // meaningful fraction, so there the distance from the average is measured in units of its size instead.
    // `slack` keeps a price exactly on a threshold (0.27 against 0.30) on the side the table puts it, whatever the
    // division rounds to.
    constexpr double slack = 1e-9;
    double ratio = 0;
    if (average > 0) {
        ratio = total / average;
    } else if (average < 0) {
        ratio = 1 + (total - average) / -average;
    } else {
        ratio = total == 0 ? 1.0 : (total < 0 ? 0.0 : 2.0);
    }
    if (ratio <= 0.6 + slack) {
        return "VERY_CHEAP";
    }
    if (ratio <= 0.9 + slack) {
        return "CHEAP";
    }
    if (ratio < 1.15 - slack) {
        return "NORMAL";
    }
    if (ratio < 1.4 - slack) {
        return "EXPENSIVE";
    }
    return "VERY_EXPENSIVE";
}

}  // namespace evhil::sim::tariffs
