// Weekly charging windows in a time zone, across both daylight-saving changes, and the schedule controller.

#include <gtest/gtest.h>

#include "drivers/control/schedule_controller.hpp"
#include "drivers/control/weekly_schedule.hpp"

namespace evhil::control {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;

TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute = 0) {
    return TimePoint(sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute));
}

// How long the schedule is on between two instants, in minutes, judged minute by minute.
int minutes_on(const WeeklySchedule& schedule, TimePoint from, TimePoint to) {
    int on = 0;
    for (auto t = from; t < to; t += 1min) {
        on += schedule.window_at(t) != nullptr ? 1 : 0;
    }
    return on;
}

const std::vector<int> every_day{0, 1, 2, 3, 4, 5, 6};

TEST(WeeklySchedule, AWindowIsInLocalTimeWinterAndSummer) {
    WeeklySchedule schedule("Europe/Amsterdam", {{every_day, 60, 300, std::nullopt}});  // 01:00-05:00
    EXPECT_EQ(schedule.window_at(utc(2026, 1, 15, 23, 59)), nullptr);
    EXPECT_NE(schedule.window_at(utc(2026, 1, 16, 0, 0)), nullptr);   // 01:00 CET
    EXPECT_EQ(schedule.window_at(utc(2026, 1, 16, 4, 0)), nullptr);   // 05:00 CET
    EXPECT_NE(schedule.window_at(utc(2026, 7, 15, 23, 0)), nullptr);  // 01:00 CEST
    EXPECT_EQ(schedule.window_at(utc(2026, 7, 16, 3, 0)), nullptr);   // 05:00 CEST
}

TEST(WeeklySchedule, TheSpringChangeTakesAnHourOutOfANightWindow) {
    WeeklySchedule schedule("Europe/Amsterdam", {{every_day, 60, 300, std::nullopt}});
    // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    EXPECT_EQ(minutes_on(schedule, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)), 180);
    EXPECT_EQ(minutes_on(schedule, utc(2026, 3, 27, 12), utc(2026, 3, 28, 12)), 240);
}

TEST(WeeklySchedule, TheAutumnChangeAddsAnHourToANightWindow) {
    WeeklySchedule schedule("Europe/Amsterdam", {{every_day, 60, 300, std::nullopt}});
    // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:00-03:00 happens twice.
    EXPECT_EQ(minutes_on(schedule, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)), 300);
}

TEST(WeeklySchedule, AnOvernightWindowBelongsToTheEveningItStarts) {
    // Weekdays only, 22:00-06:30 in London: Friday night runs into Saturday, Saturday night does not start.
    WeeklySchedule schedule("Europe/London", {{{1, 2, 3, 4, 5}, 22 * 60, 6 * 60 + 30, 11.0}});
    EXPECT_NE(schedule.window_at(utc(2026, 1, 16, 23, 0)), nullptr);  // Friday 23:00 GMT
    EXPECT_NE(schedule.window_at(utc(2026, 1, 17, 6, 0)), nullptr);   // Saturday 06:00, still Friday's
    EXPECT_EQ(schedule.window_at(utc(2026, 1, 17, 23, 0)), nullptr);  // Saturday night
    EXPECT_EQ(schedule.window_at(utc(2026, 1, 18, 3, 0)), nullptr);   // Sunday 03:00: Saturday's, none
    EXPECT_EQ(schedule.window_at(utc(2026, 1, 19, 3, 0)), nullptr);   // Monday 03:00: Sunday's, none
    EXPECT_NE(schedule.window_at(utc(2026, 1, 20, 3, 0)), nullptr);   // Tuesday 03:00: Monday's
}

TEST(WeeklySchedule, ParsingRefusesAnUnknownZoneAndAMalformedTime) {
    auto bad_zone = ConfigNode::load_string("{timezone: Europe/Atlantis, windows: []}", "test.yaml");
    EXPECT_THROW(WeeklySchedule::parse(bad_zone), ConfigError);
    auto bad_time = ConfigNode::load_string("{timezone: UTC, windows: [{from: '25:00', to: '06:00'}]}", "test.yaml");
    EXPECT_THROW(WeeklySchedule::parse(bad_time), ConfigError);
    auto good = ConfigNode::load_string(
        "{timezone: Europe/Berlin, windows: [{days: [sat, sun], from: '10:00', to: '16:00', current: 10}]}",
        "test.yaml");
    auto schedule = WeeklySchedule::parse(good);
    ASSERT_EQ(schedule.windows().size(), 1u);
    EXPECT_EQ(schedule.windows()[0].weekdays, (std::vector<int>{6, 0}));
    EXPECT_EQ(schedule.windows()[0].current_a, 10.0);
}

TEST(ScheduleController, ChargesInAWindowAndShowsWaitingForStartOutside) {
    ScheduleController controller({WeeklySchedule("UTC", {{every_day, 60, 120, 8.0}}), std::nullopt, std::nullopt});
    ControlInputs in;
    in.charger.plugged_in = true;
    in.charger.user_enabled = true;
    in.now = utc(2026, 5, 1, 1, 30);
    auto inside = controller.decide(in);
    EXPECT_TRUE(inside.enabled);
    EXPECT_DOUBLE_EQ(inside.current_a, 8);
    in.now = utc(2026, 5, 1, 3, 0);
    auto outside = controller.decide(in);
    EXPECT_FALSE(outside.enabled);
    EXPECT_EQ(outside.status, ShownStatus::waiting_for_start);
    in.charger.plugged_in = false;
    EXPECT_EQ(controller.decide(in).status, ShownStatus::none);
}

}  // namespace
}  // namespace evhil::control
