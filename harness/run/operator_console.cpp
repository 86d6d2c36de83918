#include "harness/run/operator_console.hpp"

#include <fmt/format.h>

#include <thread>

namespace evhil::harness {

// What the reader thread and the console share. Held by a shared pointer because the reader thread is
// detached: it may sit in a blocking read of stdin until the process exits, long after the console is gone.
struct OperatorConsole::Shared {
    std::mutex mutex;
    std::deque<std::string> lines;
    bool closed = false;           // end of input
    std::function<void()> notify;  // posts answer_pending() to the attached executor
};

OperatorConsole::OperatorConsole(std::istream& input, std::ostream& output)
    : output_(output), shared_(std::make_shared<Shared>()) {
    std::thread([shared = shared_, &input] {
        std::string line;
        bool more = true;
        while (more) {
            more = static_cast<bool>(std::getline(input, line));
            // notify runs under the lock: attach(nullptr) takes it too, so once it returns no post into the
            // detached executor can still be on its way (the executor may be destroyed right after).
            std::lock_guard lock(shared->mutex);
            if (more) {
                shared->lines.push_back(line);
            } else {
                shared->closed = true;
            }
            if (shared->notify) {
                shared->notify();
            }
        }
    }).detach();
}

OperatorConsole::~OperatorConsole() {
    attach(nullptr);
}

void OperatorConsole::attach(Executor* executor) {
    // Prompts still open when the scenario ends count as not done, as on a timeout, so that they are reported.
    auto unanswered = std::move(prompts_);
    prompts_.clear();
    if (executor_ != nullptr) {
        for (auto& prompt : unanswered) {
            executor_->cancel(prompt.timeout);
        }
        if (!unanswered.empty()) {
            output_ << "[operator] the scenario ended before confirmation; the action is recorded as not done\n"
                    << std::flush;
        }
        for (auto& prompt : unanswered) {
            prompt.done(false);
        }
    }
    executor_ = executor;
    std::lock_guard lock(shared_->mutex);
    if (executor == nullptr) {
        shared_->notify = nullptr;
    } else {
        shared_->notify = [this, executor] { executor->post([this] { answer_pending(); }); };
    }
}

void OperatorConsole::ask(const std::string& text, Duration timeout, std::function<void(bool confirmed)> done) {
    output_ << fmt::format("[operator] {} — press Enter when done (waiting up to {:.0f} s)\n", text,
                           to_seconds(timeout))
            << std::flush;
    Prompt prompt{std::move(done), 0};
    auto* executor = executor_;
    prompt.timeout = executor->schedule_after(timeout, [this] {
        // The oldest prompt times out first: prompts are answered in order and all share one timeout.
        auto expired = std::move(prompts_.front());
        prompts_.pop_front();
        output_ << "[operator] no confirmation in time; the action is recorded as not done\n" << std::flush;
        expired.done(false);
    });
    prompts_.push_back(std::move(prompt));
    answer_pending();
}

void OperatorConsole::answer_pending() {
    while (!prompts_.empty()) {
        {
            std::lock_guard lock(shared_->mutex);
            if (shared_->lines.empty()) {
                return;
            }
            shared_->lines.pop_front();
        }
        auto answered = std::move(prompts_.front());
        prompts_.pop_front();
        executor_->cancel(answered.timeout);
        answered.done(true);
    }
}

}  // namespace evhil::harness
