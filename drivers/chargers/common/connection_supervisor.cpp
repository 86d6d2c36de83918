#include "drivers/chargers/common/connection_supervisor.hpp"

#include "drivers/core/log.hpp"

namespace evhil::chargers {

ConnectionSupervisor::ConnectionSupervisor(Executor& executor, SupervisorSettings settings, Rng rng, std::string name,
                                           Hooks hooks)
    : executor_(executor),
      settings_(settings),
      backoff_(settings.backoff, rng.fork("backoff")),
      name_(std::move(name)),
      hooks_(std::move(hooks)) {}

ConnectionSupervisor::~ConnectionSupervisor() {
    cancel_timers();
}

void ConnectionSupervisor::start() {
    if (health_.state != DriverState::stopped) {
        return;
    }
    health_.state = DriverState::connecting;
    retry_timer_ = executor_.schedule_after(Duration{0}, [this] { attempt_connect(); });
}

void ConnectionSupervisor::stop() {
    cancel_timers();
    if (health_.state != DriverState::stopped) {
        hooks_.close();
    }
    poll_in_flight_ = false;
    health_.state = DriverState::stopped;
}

void ConnectionSupervisor::cancel_timers() {
    executor_.cancel(poll_timer_);
    executor_.cancel(retry_timer_);
}

void ConnectionSupervisor::attempt_connect() {
    health_.state = DriverState::connecting;
    if (suspended_) {
        auto retry = settings_.poll_interval > Duration{0} ? settings_.poll_interval : std::chrono::seconds(1);
        retry_timer_ = executor_.schedule_after(retry, [this] { attempt_connect(); });
        return;
    }
    hooks_.open();
}

void ConnectionSupervisor::connected() {
    ++health_.counters.connects;
    if (ever_connected_) {
        ++health_.counters.reconnects;
    }
    ever_connected_ = true;
    consecutive_exceptions_ = 0;
}

void ConnectionSupervisor::connect_failed(const std::string& reason) {
    ++health_.counters.connect_failures;
    fail(reason);
}

void ConnectionSupervisor::ready() {
    if (health_.state != DriverState::connecting) {
        return;
    }
    health_.state = DriverState::running;
    backoff_.reset();
    hooks_.on_running();
    if (health_.state != DriverState::running || settings_.poll_interval <= Duration{0}) {
        return;
    }
    executor_.cancel(poll_timer_);
    poll_timer_ = executor_.schedule_every(settings_.poll_interval, [this] { tick(); });
    tick();
}

void ConnectionSupervisor::tick() {
    if (health_.state != DriverState::running || suspended_) {
        return;
    }
    if (poll_in_flight_) {
        ++health_.counters.polls_skipped;
        return;
    }
    poll_in_flight_ = true;
    hooks_.poll();
}

void ConnectionSupervisor::fail(const std::string& reason) {
    if (health_.state == DriverState::stopped) {
        return;
    }
    cancel_timers();
    hooks_.close();
    poll_in_flight_ = false;
    health_.state = DriverState::backing_off;
    auto delay = backoff_.next_delay();
    log::get(name_)->warn("backing off {:.1f} s: {}", to_seconds(delay), reason);
    retry_timer_ = executor_.schedule_after(delay, [this] { attempt_connect(); });
}

bool ConnectionSupervisor::record(TimePoint started, const std::optional<RequestError>& error) {
    auto& counters = health_.counters;
    double latency = to_seconds(executor_.now() - started);
    ++counters.requests;
    counters.last_latency_s = latency;
    counters.total_latency_s += latency;
    counters.max_latency_s = std::max(counters.max_latency_s, latency);
    if (!error) {
        consecutive_exceptions_ = 0;
        return true;
    }
    ++counters.errors;
    counters.exceptions += error->exception ? 1 : 0;
    counters.timeouts += error->timeout ? 1 : 0;
    log::get(name_)->warn("{}", error->message);
    if (error->breaks_connection || ++consecutive_exceptions_ >= settings_.exceptions_before_reconnect) {
        fail(error->message);
    }
    return false;
}

}  // namespace evhil::chargers
