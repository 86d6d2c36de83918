#pragma once
// The executor every component schedules its work on. It owns a Boost.Asio io_context, so real sockets
// (wire and bench targets) run on the same loop as the timers.
//
// Timers are kept here rather than in asio timers so that one queue serves both clocks:
//  - on a RealClock a single asio::steady_timer, left armed between handlers, wakes asio at the earliest due
//    timer, and asio runs one handler at a time in between (one epoll_wait each);
//  - on a VirtualClock, whenever no handler is runnable the clock jumps straight to the next due timer.
// Timers due at the same instant fire in the order they were scheduled, and posted tasks run in the order they were
// posted, which keeps sim runs deterministic. On a VirtualClock there are no sockets and no other threads: post()
// queues in the executor itself (asio's queue would poll its reactor with a syscall each time round).

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "drivers/core/clock.hpp"

namespace boost::asio {
class io_context;
}

namespace evhil {

class Executor {
public:
    using Task = std::function<void()>;
    using TimerId = std::uint64_t;

    explicit Executor(Clock& clock);
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    Clock& clock() { return clock_; }
    TimePoint now() const { return clock_.now(); }
    boost::asio::io_context& io();

    // Thread-safe on a RealClock (library threads post their completions here); on a VirtualClock only from the
    // executor's own thread, as everything on the sim target is.
    void post(Task task);
    TimerId schedule_at(TimePoint due, Task task);
    TimerId schedule_after(Duration delay, Task task);
    // Fires first after one period, then every period measured from the previous due time (no drift).
    TimerId schedule_every(Duration period, Task task);
    void cancel(TimerId id);
    bool is_scheduled(TimerId id) const;

    // Runs until the clock reaches `end` (virtual: jumps there), or stop() is called.
    void run_until(TimePoint end);
    void run_for(Duration span) { run_until(now() + span); }
    // Runs until stop() (real clock) or until nothing is left to do (virtual clock).
    void run();
    void stop();

    std::uint64_t timers_fired() const { return timers_fired_; }

private:
    struct Timer {
        Task task;
        Duration period{0};
    };
    using Key = std::pair<TimePoint, std::uint64_t>;

    bool fire_due_timers();
    std::optional<TimePoint> next_due() const;
    void run_loop(std::optional<TimePoint> end);
    void arm_wake(Duration delay);
    void run_ready();

    Clock& clock_;
    VirtualClock* virtual_clock_;
    struct Asio;
    std::unique_ptr<Asio> asio_;
    std::deque<Task> posted_;  // virtual clock only: see post()
    std::map<Key, TimerId> queue_;
    std::map<TimerId, std::pair<Key, Timer>> timers_;
    std::uint64_t next_sequence_ = 0;
    std::uint64_t timers_fired_ = 0;
    std::atomic<bool> stopped_ = false;
};

}  // namespace evhil
