#pragma once
// Operator prompts for the bench target: what only a simulator could do by itself (plug in an EV, power-cycle
// a station) is asked of the person at the bench. A prompt is printed, the run keeps going (the driver must
// keep polling), and the action counts as done when the operator presses Enter, or as not done when the
// prompt's timeout passes first.
//
// Lines are read from an input stream on a thread of their own; a line typed before a prompt appears answers
// the next prompt, so a scripted bench run can pipe its confirmations in.

#include <deque>
#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "drivers/core/executor.hpp"

namespace evhil::harness {

class OperatorConsole {
public:
    OperatorConsole(std::istream& input, std::ostream& output);
    ~OperatorConsole();
    OperatorConsole(const OperatorConsole&) = delete;
    OperatorConsole& operator=(const OperatorConsole&) = delete;

    // The executor of the scenario being run; prompts are answered on it. nullptr detaches; prompts still open
    // then get `done(false)`.
    void attach(Executor* executor);
    // Asks once; `done(true)` when confirmed, `done(false)` on timeout. Prompts are answered in order.
    void ask(const std::string& text, Duration timeout, std::function<void(bool confirmed)> done);

private:
    struct Shared;
    struct Prompt {
        std::function<void(bool)> done;
        Executor::TimerId timeout = 0;
    };
    void answer_pending();  // on the attached executor's thread

    std::ostream& output_;
    std::shared_ptr<Shared> shared_;
    Executor* executor_ = nullptr;
    std::deque<Prompt> prompts_;
};

}  // namespace evhil::harness
