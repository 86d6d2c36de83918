#pragma once
// The connection loop every charger driver runs, written once (the PX4 driver pattern):
//
//   connecting ──open: connected and configured──► running ──poll every poll_interval──► running
//        ▲                                            │  a request that broke the connection, or
//        │                                            ▼  N consecutive protocol exceptions
//        └──────────── back-off delay ◄─────────── backing_off
//
// The driver supplies the protocol: how to open and configure a connection, how to close it, what to do once
// running (re-send its command) and what one poll is. The supervisor supplies the states, the back-off with
// seeded jitter, the poll timer (a poll still waiting for answers when the next is due is skipped, never
// doubled), and the counters every driver reports. Everything runs on the executor; nothing here waits.

#include <functional>
#include <optional>
#include <string>

#include "drivers/chargers/common/driver_health.hpp"
#include "drivers/core/backoff.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"

namespace evhil::chargers {

struct SupervisorSettings {
    Duration poll_interval = std::chrono::seconds(1);  // 0: the driver is pushed to and never polls
    int exceptions_before_reconnect = 3;
    BackoffSettings backoff;
};

// Why one request failed, in terms every protocol has.
struct RequestError {
    std::string message;
    bool breaks_connection = true;  // the connection is unusable: reconnect
    bool exception = false;         // the device refused the request; the connection stays up
    bool timeout = false;
};

class ConnectionSupervisor {
public:
    struct Hooks {
        std::function<void()> open;   // connect; then call connected() or connect_failed(), later ready() or fail()
        std::function<void()> close;  // drop the connection and everything queued on it
        std::function<void()> on_running;  // connected and configured: e.g. re-send the last command
        std::function<void()> poll;        // one poll; call poll_finished() when it is over, however it ended
    };

    ConnectionSupervisor(Executor& executor, SupervisorSettings settings, Rng rng, std::string name, Hooks hooks);
    ~ConnectionSupervisor();
    ConnectionSupervisor(const ConnectionSupervisor&) = delete;
    ConnectionSupervisor& operator=(const ConnectionSupervisor&) = delete;

    void start();
    void stop();
    // A suspended driver sends nothing: no connect attempts, no polls (the harness' driver_stall fault).
    void suspend(bool suspended) { suspended_ = suspended; }
    bool suspended() const { return suspended_; }

    // From the driver's open hook.
    void connected();
    void connect_failed(const std::string& reason);
    void ready();
    // Back off now and reconnect later.
    void fail(const std::string& reason);

    // Book-keeping around every request. Returns whether it succeeded; a failure that breaks the connection, or
    // the N-th exception in a row, moves to backing_off (the driver's chain of requests must then end).
    bool record(TimePoint started, const std::optional<RequestError>& error);
    void poll_finished() { poll_in_flight_ = false; }
    void count_poll() { ++health_.counters.polls; }
    void count_write() { ++health_.counters.writes; }
    void count_verification(bool confirmed) {
        ++(confirmed ? health_.counters.verified_writes : health_.counters.verify_failures);
    }

    bool running() const { return health_.state == DriverState::running; }
    DriverState state() const { return health_.state; }
    const DriverHealth& health() const { return health_; }
    const std::string& name() const { return name_; }

private:
    void attempt_connect();
    void tick();
    void cancel_timers();

    Executor& executor_;
    SupervisorSettings settings_;
    Backoff backoff_;
    std::string name_;
    Hooks hooks_;
    DriverHealth health_;
    bool ever_connected_ = false;
    bool suspended_ = false;
    bool poll_in_flight_ = false;
    int consecutive_exceptions_ = 0;
    Executor::TimerId poll_timer_ = 0;
    Executor::TimerId retry_timer_ = 0;
};

}  // namespace evhil::chargers
