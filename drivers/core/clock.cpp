#include "drivers/core/clock.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace evhil {

RealClock::RealClock()
    : anchor_system_(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now())),
      anchor_steady_(std::chrono::steady_clock::now()) {}

RealClock::RealClock(TimePoint start) : anchor_system_(start), anchor_steady_(std::chrono::steady_clock::now()) {}

TimePoint RealClock::now() const {
    return anchor_system_ + std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - anchor_steady_);
}

void VirtualClock::advance_to(TimePoint target) {
    if (target > now_) {
        now_ = target;
    }
}

WallStopwatch::WallStopwatch() : started_(std::chrono::steady_clock::now()) {}

double WallStopwatch::elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

std::string format_utc(TimePoint t) {
    auto millis = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
    auto days = std::chrono::floor<std::chrono::days>(millis);
    std::chrono::year_month_day ymd{days};
    std::chrono::hh_mm_ss hms{millis - days};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", int(ymd.year()), unsigned(ymd.month()),
                       unsigned(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       hms.subseconds().count());
}

}  // namespace evhil
