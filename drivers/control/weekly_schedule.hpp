#pragma once
// Weekly charging windows in the site's time zone (Venus /Mode Scheduled), with wall-clock semantics across
// daylight-saving changes, read from the operating system's time zone database (tzdata) through Howard Hinnant's date
// library, the C++20 <chrono> time zones that GCC 12's standard library does not have yet.
//
//   schedule: {timezone: Europe/Amsterdam, windows: [{days: [mon, tue, wed, thu, fri], from: "22:00", to: "06:30"}]}
//
// A window runs from `from` to `to` in local time on each of its days; one whose `to` is not after its `from` ends on
// the next day (22:00-06:30 belongs to the evening it starts). On the spring change the hour that does not exist is
// simply not there (a 01:00-05:00 window lasts three hours that night); on the autumn change the hour that happens
// twice is inside a window both times (four hours become five). A window may carry its own current.
//
// Covered by tests/unit/weekly_schedule_test.cpp and scenarios/schedule/ (both daylight-saving changes).

#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/core/config.hpp"

namespace date {
class time_zone;
}

namespace evhil::control {

struct ChargingWindow {
    std::vector<int> weekdays;  // 0 Sunday ... 6 Saturday, the days it starts on
    int from_minute = 0;        // minutes after local midnight
    int to_minute = 0;          // <= from_minute: ends on the next day
    std::optional<double> current_a;
};

class WeeklySchedule {
public:
    // Throws ConfigError at the node for an unknown time zone or a malformed window.
    static WeeklySchedule parse(const ConfigNode& node);
    WeeklySchedule(const std::string& timezone, std::vector<ChargingWindow> windows);

    // The window `at` falls in, or nullptr.
    const ChargingWindow* window_at(TimePoint at) const;
    // The first moment after `after` when the local clock shows `minute_of_day` (a plan's deadline).
    TimePoint next_local_time(TimePoint after, int minute_of_day) const;
    const std::string& timezone() const { return timezone_; }
    const std::vector<ChargingWindow>& windows() const { return windows_; }

private:
    std::string timezone_;
    const date::time_zone* zone_ = nullptr;
    std::vector<ChargingWindow> windows_;
};

}  // namespace evhil::control
