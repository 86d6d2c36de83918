#pragma once
// The one clock of evhil. Every component reads time from an injected Clock; nothing else calls now().
// RealClock runs the daemon and the wire/bench targets; VirtualClock runs the sim target and only moves
// when the Executor advances it to the next due event.

#include <chrono>
#include <string>

namespace evhil {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::sys_time<Duration>;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    virtual bool is_virtual() const = 0;
};

// Wall-anchored but monotonic: system time read once at construction, steady time added after that,
// so an NTP step while a run is going cannot make timers fire early or late.
class RealClock final : public Clock {
public:
    RealClock();
    // Runs at real speed but starts at `start` rather than at today's date: a wire or bench run of a scenario
    // set on a June morning sees June-morning sunshine in the site model while its sockets run in real time.
    explicit RealClock(TimePoint start);
    TimePoint now() const override;
    bool is_virtual() const override { return false; }

private:
    TimePoint anchor_system_;
    std::chrono::steady_clock::time_point anchor_steady_;
};

class VirtualClock final : public Clock {
public:
    explicit VirtualClock(TimePoint start) : now_(start) {}
    TimePoint now() const override { return now_; }
    bool is_virtual() const override { return true; }
    // Time never goes backwards; an earlier target is ignored.
    void advance_to(TimePoint target);

private:
    TimePoint now_;
};

// Measures how long something took in wall time, for reports and benchmarks only: never for behaviour.
class WallStopwatch {
public:
    WallStopwatch();
    double elapsed_s() const;

private:
    std::chrono::steady_clock::time_point started_;
};

// Seconds as a double, for physics and reports.
inline double to_seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}
inline Duration from_seconds(double s) {
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}
// "2026-06-21T08:00:00.000Z"
std::string format_utc(TimePoint t);

}  // namespace evhil
