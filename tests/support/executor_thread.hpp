#pragma once
// An executor on the real clock, run on its own thread for integration tests that talk to outside processes
// (busctl, dbus-monitor) while the code under test serves them. Everything under test is touched only through
// on_loop(), on the executor's thread, as in production.

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "drivers/core/clock.hpp"
#include "drivers/core/executor.hpp"

namespace evhil::test {

class ExecutorThread {
public:
    ExecutorThread() : thread_([this] { executor_.run(); }) {}
    ~ExecutorThread() { stop(); }
    ExecutorThread(const ExecutorThread&) = delete;
    ExecutorThread& operator=(const ExecutorThread&) = delete;

    Executor& executor() { return executor_; }
    void stop() {
        if (thread_.joinable()) {
            executor_.stop();
            thread_.join();
        }
    }
    // Runs `f` on the executor and waits for it.
    template <typename F>
    void on_loop(F f) {
        std::promise<void> finished;
        executor_.post([&] {
            f();
            finished.set_value();
        });
        finished.get_future().get();
    }
    // Runs `start(done)` on the executor and waits (up to 10 s) for `done(error)`.
    template <typename F>
    std::optional<std::string> on_loop_async(F start) {
        auto result = std::make_shared<std::promise<std::optional<std::string>>>();
        auto future = result->get_future();
        executor_.post([start, result]() mutable {
            start([result](std::optional<std::string> error) { result->set_value(std::move(error)); });
        });
        if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            return "timed out";
        }
        return future.get();
    }

private:
    RealClock clock_;
    Executor executor_{clock_};
    std::thread thread_;
};

}  // namespace evhil::test
