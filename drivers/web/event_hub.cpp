#include "drivers/web/event_hub.hpp"

#include <algorithm>

namespace evhil::web {

namespace {
constexpr auto heartbeat_period = std::chrono::seconds(15);
}

EventHub::EventHub(Executor& executor, Snapshot snapshot, Duration coalesce)
    : executor_(executor), snapshot_(std::move(snapshot)), coalesce_(coalesce) {
    heartbeat_timer_ = executor_.schedule_every(heartbeat_period, [this] { heartbeat(); });
}

EventHub::~EventHub() {
    *alive_ = false;
    executor_.cancel(heartbeat_timer_);
    close_all();
}

std::string EventHub::frame(const std::string& event, const std::string& data) {
    // JSON text has no raw newline, so one data: line carries it.
    return "event: " + event + "\ndata: " + data + "\n\n";
}

void EventHub::add(std::shared_ptr<EventSink> sink) {
    // The browser retries after 2 s when the stream breaks (the default is 3 s).
    sink->send("retry: 2000\n" + frame("status", snapshot_()));
    sinks_.push_back(std::move(sink));
}

void EventHub::changed() {
    if (pending_ || sinks_.empty()) {
        return;
    }
    pending_ = true;
    executor_.schedule_after(coalesce_, [this, alive = alive_] {
        if (*alive) {
            send_status();
        }
    });
}

void EventHub::send_status() {
    pending_ = false;
    broadcast("status", snapshot_());
}

void EventHub::broadcast(const std::string& event, const std::string& data) {
    std::erase_if(sinks_, [](const auto& sink) { return !sink->open(); });
    if (sinks_.empty()) {
        return;
    }
    const auto text = frame(event, data);
    for (const auto& sink : sinks_) {
        sink->send(text);
    }
    ++events_sent_;
}

void EventHub::heartbeat() {
    std::erase_if(sinks_, [](const auto& sink) { return !sink->open(); });
    for (const auto& sink : sinks_) {
        sink->send(frame("ping", "{}"));  // an event, not a comment: the page watches for it
    }
}

void EventHub::close_all() {
    for (const auto& sink : sinks_) {
        sink->close();
    }
    sinks_.clear();
}

}  // namespace evhil::web
