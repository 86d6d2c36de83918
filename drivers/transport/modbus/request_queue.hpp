#pragma once
// What both Modbus client adapters share: requests queued in call order with one in flight, and completions
// posted to the executor so that they never run inline, never after the queue was cleared by a disconnect,
// and never after the adapter is gone. Internal to the Modbus transport.

#include <deque>
#include <memory>
#include <optional>

#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/modbus_port.hpp"

namespace evhil::modbus {

class RequestQueue {
public:
    struct Request {
        std::uint8_t unit = 0;
        Pdu pdu;
        ModbusPort::PduHandler done;
    };

    explicit RequestQueue(Executor& executor) : executor_(executor), epoch_(std::make_shared<std::uint64_t>(0)) {}

    void push(Request request) { waiting_.push_back(std::move(request)); }
    bool in_flight() const { return current_.has_value(); }
    // The next request to send, now in flight; std::nullopt when one is in flight already or none waits.
    const Request* start_next() {
        if (current_ || waiting_.empty()) {
            return nullptr;
        }
        current_ = std::move(waiting_.front());
        waiting_.pop_front();
        return &*current_;
    }
    // Ends the request in flight: its handler runs on the executor with `result`.
    void finish(std::variant<Pdu, PortError> result) {
        if (!current_) {
            return;
        }
        auto done = std::move(current_->done);
        current_.reset();
        post_guarded([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    }
    // Ends the request in flight from a task that is already running on the executor (so not inline with the call
    // that queued it): its handler runs now, saving a second trip through the executor's queue.
    void finish_now(std::variant<Pdu, PortError> result) {
        if (!current_) {
            return;
        }
        auto done = std::move(current_->done);
        current_.reset();
        done(std::move(result));
    }
    // Drops every request; none of their handlers will run, not even one already posted.
    void clear() {
        waiting_.clear();
        current_.reset();
        ++*epoch_;
    }
    // Runs `task` on the executor unless clear() was called or the queue destroyed in between. A template, so the
    // task lands in the executor's one type-erased function rather than in a second one inside it.
    template <typename Task>
    void post_guarded(Task task) {
        executor_.post(
            [weak = std::weak_ptr<std::uint64_t>(epoch_), epoch = *epoch_, task = std::move(task)]() mutable {
                auto current = weak.lock();
                if (current && *current == epoch) {
                    task();
                }
            });
    }

private:
    Executor& executor_;
    std::deque<Request> waiting_;
    std::optional<Request> current_;
    std::shared_ptr<std::uint64_t> epoch_;
};

}  // namespace evhil::modbus
