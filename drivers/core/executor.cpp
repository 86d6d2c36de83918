#include "drivers/core/executor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace evhil {

struct Executor::Asio {
    boost::asio::io_context io;
    boost::asio::steady_timer wake{io};
};

Executor::Executor(Clock& clock)
    : clock_(clock), virtual_clock_(dynamic_cast<VirtualClock*>(&clock)), asio_(std::make_unique<Asio>()) {}

Executor::~Executor() = default;

boost::asio::io_context& Executor::io() {
    return asio_->io;
}

void Executor::post(Task task) {
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
        auto [key, id] = *queue_.begin();
        queue_.erase(queue_.begin());
        auto& entry = timers_.at(id);
        Task task;
        if (entry.second.period > Duration{0}) {
            Key next{key.first + entry.second.period, ++next_sequence_};
            entry.first = next;
            queue_.emplace(next, id);
            task = entry.second.task;  // copy: the task may cancel its own timer while running
        } else {
            task = std::move(entry.second.task);
            timers_.erase(id);
        }
        ++timers_fired_;
        fired = true;
        task();
        asio_->io.restart();
        asio_->io.poll();
    }
    return fired;
}

void Executor::run_loop(std::optional<TimePoint> end) {
    auto& io = asio_->io;
    while (!stopped_) {
        io.restart();
        io.poll();
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
        // Sleep in asio until the earliest of: next timer, end of run, or an I/O handler becoming ready.
        TimePoint wake = current + std::chrono::hours(1);
        if (next && *next < wake) {
            wake = *next;
        }
        if (end && *end < wake) {
            wake = *end;
        }
        asio_->wake.expires_after(wake - current);
        asio_->wake.async_wait([](const boost::system::error_code&) {});
        // poll() above leaves the io_context stopped when it ran out of work; without a restart run_one()
        // would return at once and the loop would spin a core instead of sleeping until `wake`.
        io.restart();
        io.run_one();
        asio_->wake.cancel();
    }
    io.restart();
    io.poll();
    stopped_ = false;  // a stop() ends one run, including one issued before the run began
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
