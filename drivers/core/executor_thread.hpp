#pragma once
// An executor on a thread of its own, for the parts of a wire or bench run that must keep serving while
// another thread blocks: the simulator's socket servers and the recording tap, while the driver's blocking
// Modbus client waits for their answer.

#include <future>
#include <thread>

#include "drivers/core/executor.hpp"

namespace evhil {

class ExecutorThread {
public:
    explicit ExecutorThread(Clock& clock) : executor_(clock) {}
    ~ExecutorThread() { stop(); }
    ExecutorThread(const ExecutorThread&) = delete;
    ExecutorThread& operator=(const ExecutorThread&) = delete;

    // Everything built on executor() before start() may be touched freely; after start(), only from tasks.
    Executor& executor() { return executor_; }

    void start() {
        if (!thread_.joinable()) {
            thread_ = std::thread([this] { executor_.run(); });
        }
    }
    // Runs `function` on the thread and returns its result; runs it inline when the thread is not started.
    template <typename F>
    auto call(F function) -> decltype(function()) {
        if (!thread_.joinable()) {
            return function();
        }
        std::packaged_task<decltype(function())()> task(std::move(function));
        auto result = task.get_future();
        executor_.post([&task] { task(); });
        return result.get();
    }
    void post(Executor::Task task) { executor_.post(std::move(task)); }
    // Idempotent; after stop() the executor's objects may again be touched from the caller's thread.
    void stop() {
        if (thread_.joinable()) {
            executor_.post([this] { executor_.stop(); });
            thread_.join();
        }
    }

private:
    Executor executor_;
    std::thread thread_;
};

}  // namespace evhil
