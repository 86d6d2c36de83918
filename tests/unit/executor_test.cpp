#include <gtest/gtest.h>

#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"

namespace evhil {
namespace {

using namespace std::chrono_literals;

TimePoint start_time() {
    return TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 6 / 21));
}

TEST(VirtualClock, JumpsToTheNextDueTimerWhenNothingIsRunnable) {
    VirtualClock clock(start_time());
    Executor executor(clock);
    std::vector<double> fired_at;
    executor.schedule_after(10s, [&] { fired_at.push_back(to_seconds(clock.now() - start_time())); });
    executor.schedule_after(3600s, [&] { fired_at.push_back(to_seconds(clock.now() - start_time())); });
    executor.run_until(start_time() + 2h);
    EXPECT_EQ(fired_at, (std::vector<double>{10.0, 3600.0}));
    EXPECT_EQ(clock.now(), start_time() + 2h);
}

TEST(VirtualClock, TimersAtTheSameInstantFireInScheduleOrder) {
    VirtualClock clock(start_time());
    Executor executor(clock);
    std::string order;
    for (char c : std::string("abcde")) {
        executor.schedule_after(5s, [&order, c] { order.push_back(c); });
    }
    executor.run_for(5s);
    EXPECT_EQ(order, "abcde");
}

TEST(VirtualClock, PeriodicTimerDoesNotDriftAndCanCancelItself) {
    VirtualClock clock(start_time());
    Executor executor(clock);
    int count = 0;
    Executor::TimerId id = 0;
    id = executor.schedule_every(250ms, [&] {
        ++count;
        if (count == 400) {
            executor.cancel(id);
        }
    });
    executor.run_for(1h);
    EXPECT_EQ(count, 400);
    EXPECT_FALSE(executor.is_scheduled(id));
}

// A periodic task is one object for the timer's whole life (not a copy per firing), and it may cancel its own timer
// and schedule a replacement from inside itself.
TEST(VirtualClock, PeriodicTaskKeepsItsStateAndMayReplaceItsOwnTimer) {
    VirtualClock clock(start_time());
    Executor executor(clock);
    std::vector<int> seen;
    Executor::TimerId first = 0;
    int replacement_firings = 0;
    first = executor.schedule_every(1s, [&, calls = 0]() mutable {
        seen.push_back(++calls);
        if (calls == 3) {
            executor.cancel(first);
            executor.schedule_every(1s, [&] { ++replacement_firings; });
        }
    });
    executor.run_for(10s);
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(replacement_firings, 7);
    EXPECT_FALSE(executor.is_scheduled(first));
}

TEST(VirtualClock, PostedWorkRunsBeforeTimeAdvances) {
    VirtualClock clock(start_time());
    Executor executor(clock);
    TimePoint seen{};
    executor.schedule_after(1s, [&] { executor.post([&] { seen = clock.now(); }); });
    executor.schedule_after(2s, [] {});
    executor.run_for(5s);
    EXPECT_EQ(seen, start_time() + 1s);
}

TEST(VirtualClock, CancelledTimerNeverFires) {
    VirtualClock clock(start_time());
    Executor executor(clock);
    bool fired = false;
    auto id = executor.schedule_after(1s, [&] { fired = true; });
    executor.cancel(id);
    executor.run_for(10s);
    EXPECT_FALSE(fired);
}

TEST(RealClock, TimerFiresAfterItsDelayAndNotBefore) {
    RealClock clock;
    Executor executor(clock);
    auto started = clock.now();
    TimePoint fired{};
    executor.schedule_after(30ms, [&] {
        fired = clock.now();
        executor.stop();
    });
    executor.run_for(2s);
    EXPECT_GE(fired - started, 30ms);
    EXPECT_LT(fired - started, 1s);
}

TEST(RealClock, RunUntilReturnsAtTheEndWithNoTimers) {
    RealClock clock;
    Executor executor(clock);
    auto started = clock.now();
    executor.run_for(20ms);
    EXPECT_GE(clock.now() - started, 20ms);
}

TEST(Rng, SameSeedSameNumbersAndForksAreIndependent) {
    Rng a(42);
    Rng b(42);
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(a.next_u64(), b.next_u64());
    }
    Rng parent(7);
    auto first = parent.fork("pv").uniform();
    auto again = Rng(7).fork("pv").uniform();
    auto other = parent.fork("driver").uniform();
    EXPECT_EQ(first, again);
    EXPECT_NE(first, other);
    Rng c(1);
    for (int i = 0; i < 1000; ++i) {
        double value = c.uniform(2.0, 3.0);
        ASSERT_GE(value, 2.0);
        ASSERT_LT(value, 3.0);
    }
}

}  // namespace
}  // namespace evhil
