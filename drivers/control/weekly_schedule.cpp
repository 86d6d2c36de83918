#include "drivers/control/weekly_schedule.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace evhil::control {
namespace {

constexpr std::array<const char*, 7> day_names{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

int parse_minute(const ConfigNode& node) {
    auto text = node.as_string();
    unsigned hour = 0, minute = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%2u:%2u%n", &hour, &minute, &consumed) != 2 ||
        static_cast<std::size_t>(consumed) != text.size() || hour > 24 || minute > 59 || (hour == 24 && minute != 0)) {
        node.fail("expected a local time such as \"22:00\" (00:00 to 24:00), got '" + text + "'");
    }
    return static_cast<int>(hour * 60 + minute);
}

std::vector<int> parse_days(const ConfigNode& node) {
    std::vector<int> days;
    if (node.is_scalar()) {
        auto text = node.as_string();
        if (text == "all") {
            return {0, 1, 2, 3, 4, 5, 6};
        }
        node.fail("days: a list such as [mon, tue] or all");
    }
    for (const auto& day : node.as_list()) {
        auto name = day.as_enum({"sun", "mon", "tue", "wed", "thu", "fri", "sat"});
        days.push_back(static_cast<int>(std::find(day_names.begin(), day_names.end(), name) - day_names.begin()));
    }
    return days;
}

}  // namespace

WeeklySchedule WeeklySchedule::parse(const ConfigNode& node) {
    // The Scheduled controller's own keys (schedule_controller.hpp) sit beside the windows.
    node.allow_keys({"timezone", "windows", "strategy", "plan"});
    auto zone_node = node.required("timezone");
    std::string zone = zone_node.as_string();
    try {
        (void)date::locate_zone(zone);
    } catch (const std::exception&) {
        zone_node.fail(fmt::format("unknown time zone '{}' (a tz database name such as Europe/Amsterdam)", zone));
    }
    std::vector<ChargingWindow> windows;
    const auto listed = node.optional("windows");
    for (const auto& entry : listed ? listed->as_list() : std::vector<ConfigNode>{}) {
        entry.allow_keys({"days", "from", "to", "current"});
        ChargingWindow window;
        window.weekdays =
            entry.has("days") ? parse_days(entry.required("days")) : std::vector<int>{0, 1, 2, 3, 4, 5, 6};
        window.from_minute = parse_minute(entry.required("from"));
        window.to_minute = parse_minute(entry.required("to"));
        if (entry.has("current")) {
            window.current_a = entry.get_double("current", 0, 0, 80);
        }
        windows.push_back(window);
    }
    return WeeklySchedule(zone, std::move(windows));
}

WeeklySchedule::WeeklySchedule(const std::string& timezone, std::vector<ChargingWindow> windows)
    : timezone_(timezone), zone_(date::locate_zone(timezone)), windows_(std::move(windows)) {}

TimePoint WeeklySchedule::next_local_time(TimePoint after, int minute_of_day) const {
    // Today's and the next days' wall-clock time: the first after `after`. choose::latest gives a time in the autumn
    // change's repeated hour its second occurrence, and a time in the spring change's gap the instant after the gap.
    auto local = zone_->to_local(std::chrono::time_point_cast<std::chrono::seconds>(after));
    auto day = date::floor<date::days>(local);
    for (int i = 0; i < 3; ++i) {
        const auto wall =
            date::local_seconds{(day + date::days{i}).time_since_epoch()} + std::chrono::minutes(minute_of_day);
        const auto at = zone_->to_sys(wall, date::choose::latest);
        if (at > after) {
            return std::chrono::time_point_cast<Duration>(at);
        }
    }
    return after + std::chrono::hours(24);
}

const ChargingWindow* WeeklySchedule::window_at(TimePoint at) const {
    // The local wall clock now; a window is judged against the local day it started on (today, or yesterday for one
    // that runs past midnight).
    auto local = zone_->to_local(std::chrono::time_point_cast<std::chrono::seconds>(at));
    auto local_day = date::floor<date::days>(local);
    const int minute = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - local_day).count());
    const int weekday = static_cast<int>(date::weekday(local_day).c_encoding());
    const int yesterday = (weekday + 6) % 7;
    for (const auto& window : windows_) {
        auto on = [&](int day) {
            return std::find(window.weekdays.begin(), window.weekdays.end(), day) != window.weekdays.end();
        };
        const bool overnight = window.to_minute <= window.from_minute;
        if (on(weekday) && minute >= window.from_minute && (overnight || minute < window.to_minute)) {
            return &window;
        }
        if (overnight && on(yesterday) && minute < window.to_minute) {
            return &window;
        }
    }
    return nullptr;
}

}  // namespace evhil::control
