#include "drivers/core/executor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace evhil {

struct Executor::Asio {
    boost::asio::io_context io;
    boost::asio::steady_timer wake{io};
    std::chrono::steady_clock::time_point wake_due{};
    bool wake_armed = false;
    std::uint64_t wake_generation = 0;
};

Executor::Executor(Clock& clock)
    : clock_(clock), virtual_clock_(dynamic_cast<VirtualClock*>(&clock)), asio_(std::make_unique<Asio>()) {}

Executor::~Executor() = default;

boost::asio::io_context& Executor::io() {
    return asio_->io;
}

void Executor::post(Task task) {
    if (virtual_clock_ != nullptr) {
        // Sim: no sockets and no other threads, so a plain queue, in order, without asio's reactor polls.
        posted_.push_back(std::move(task));
        return;
    }
    boost::asio::post(asio_->io, std::move(task));
}

Executor::TimerId Executor::schedule_at(TimePoint due, Task task) {
    TimerId id = ++next_sequence_;
    Key key{due, id};
    queue_.emplace(key, id);
    timers_.emplace(id, std::make_pair(key, Timer{std::move(task), Duration{0}}));
    return id;
}

Executor::TimerId Executor::schedule_after(Duration delay, Task task) {
    return schedule_at(now() + delay, std::move(task));
}

Executor::TimerId Executor::schedule_every(Duration period, Task task) {
    TimerId id = schedule_at(now() + period, std::move(task));
    timers_.at(id).second.period = period;
    return id;
}

void Executor::cancel(TimerId id) {
    auto it = timers_.find(id);
    if (it == timers_.end()) {
        return;
    }
    queue_.erase(it->second.first);
    timers_.erase(it);
}

bool Executor::is_scheduled(TimerId id) const {
    return timers_.count(id) != 0;
}

std::optional<TimePoint> Executor::next_due() const {
    if (queue_.empty()) {
        return std::nullopt;
    }
    return queue_.begin()->first.first;
}

bool Executor::fire_due_timers() {
    bool fired = false;
    // One timer at a time: a task may cancel or schedule others, so the queue is re-read after each.
    while (!stopped_ && !queue_.empty() && queue_.begin()->first.first <= now()) {
        // The queue's node is reused for a periodic timer's next due time, and its task is moved out while it runs
        // (it may cancel its own timer) and back afterwards: no allocation per firing.
        auto node = queue_.extract(queue_.begin());
        const Key key = node.key();
        const TimerId id = node.mapped();
        auto& entry = timers_.at(id);
        Task task = std::move(entry.second.task);
        const bool periodic = entry.second.period > Duration{0};
        if (periodic) {
            node.key() = Key{key.first + entry.second.period, ++next_sequence_};
            entry.first = node.key();
            queue_.insert(std::move(node));
        } else {
            timers_.erase(id);
        }
        ++timers_fired_;
        fired = true;
        task();
        if (periodic) {
            if (auto still = timers_.find(id); still != timers_.end()) {
                still->second.second.task = std::move(task);
            }
        }
        run_ready();
    }
    return fired;
}

void Executor::run_loop(std::optional<TimePoint> end) {
    auto& io = asio_->io;
    while (!stopped_) {
        if (virtual_clock_ != nullptr) {
            run_ready();  // everything runnable now runs before virtual time may move on
        }
        if (stopped_) {
            break;
        }
        if (fire_due_timers()) {
            continue;
        }
        auto next = next_due();
        if (virtual_clock_ != nullptr) {
            if (end && (!next || *next > *end)) {
                virtual_clock_->advance_to(*end);
                break;
            }
            if (!next) {
                break;  // nothing left that could ever happen
            }
            virtual_clock_->advance_to(*next);
            continue;
        }
        auto current = now();
        if (end && current >= *end) {
            break;
        }
        TimePoint wake = current + std::chrono::hours(1);
        if (next && *next < wake) {
            wake = *next;
        }
        if (end && *end < wake) {
            wake = *end;
        }
        arm_wake(wake - current);
        // One handler, or the wake timer: asio blocks in a single epoll_wait.
        io.restart();
        io.run_one();
    }
    run_ready();
    stopped_ = false;  // a stop() ends one run, including one issued before the run began
}

// The wake timer stays armed across iterations and is moved only when the earliest due time changes: re-arming it
// on every handler would cost a timerfd_settime per request served, and cancelling it an epoll round trip. It runs
// on asio's steady clock with nanosecond resolution, so timers fire on time (a millisecond-granular epoll timeout
// would let them fire late and move frames across the buckets of a protocol baseline).
void Executor::arm_wake(Duration delay) {
    auto& asio = *asio_;
    auto due =
        std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay);
    constexpr auto tolerance = std::chrono::microseconds(50);  // real time drifts by this between two reads
    if (asio.wake_armed && due > asio.wake_due - tolerance && due < asio.wake_due + tolerance) {
        return;
    }
    asio.wake_due = due;
    asio.wake_armed = true;
    auto generation = ++asio.wake_generation;
    asio.wake.expires_at(due);
    asio.wake.async_wait([&asio, generation](const boost::system::error_code&) {
        if (asio.wake_generation == generation) {
            asio.wake_armed = false;
        }
    });
}

// Runs every handler that is ready: posted tasks on the virtual clock, asio's handlers on the real one.
void Executor::run_ready() {
    if (virtual_clock_ != nullptr) {
        while (!posted_.empty() && !stopped_) {
            auto task = std::move(posted_.front());
            posted_.pop_front();
            task();
        }
        return;
    }
    asio_->io.restart();
    asio_->io.poll();
}

void Executor::run_until(TimePoint end) {
    run_loop(end);
}

void Executor::run() {
    run_loop(std::nullopt);
}

void Executor::stop() {
    stopped_ = true;
    asio_->io.stop();
}

}  // namespace evhil
