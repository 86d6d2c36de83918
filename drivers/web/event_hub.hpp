#pragma once
// GET /api/events: the open Server-Sent Event streams, and what goes out on them.
//
// A new stream gets the whole status at once ("status" event); after that each change of the station is coalesced
// for `coalesce` (several chargers refreshing in one moment make one event) and sent to every stream as one
// serialised text, so 50 browsers cost one snapshot, not 50. A "ping" event every 15 s keeps proxies from closing an
// idle stream and lets the page see a dead daemon (no heartbeat: "connection lost").
//
// Covered by tests/web/web_api_test.cpp and tests/bench/web_bench.cpp.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/web/http_server.hpp"

namespace evhil::web {

class EventHub {
public:
    using Snapshot = std::function<std::string()>;  // the status as JSON text

    EventHub(Executor& executor, Snapshot snapshot, Duration coalesce = std::chrono::milliseconds(200));
    ~EventHub();
    EventHub(const EventHub&) = delete;
    EventHub& operator=(const EventHub&) = delete;

    void add(std::shared_ptr<EventSink> sink);
    // Something changed: a status event goes out within `coalesce`.
    void changed();
    // Sends an event of its own (e.g. "config" after a saved configuration).
    void broadcast(const std::string& event, const std::string& data);
    void close_all();
    std::size_t streams() const { return sinks_.size(); }
    std::uint64_t events_sent() const { return events_sent_; }

private:
    void send_status();
    void heartbeat();
    static std::string frame(const std::string& event, const std::string& data);

    Executor& executor_;
    Snapshot snapshot_;
    Duration coalesce_;
    std::vector<std::shared_ptr<EventSink>> sinks_;
    bool pending_ = false;
    Executor::TimerId heartbeat_timer_{};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::uint64_t events_sent_ = 0;
};

}  // namespace evhil::web
