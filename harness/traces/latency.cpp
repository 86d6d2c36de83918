#include "harness/traces/latency.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace evhil::harness {
namespace {

using Kind = FrameEvent::Kind;

bool is_frame(const FrameEvent& event) {
    return event.kind == Kind::to_device || event.kind == Kind::from_device;
}

// A setpoint write and when the device acknowledged it (nullopt: never, or with an exception).
struct SetpointWrite {
    TimePoint sent;
    std::uint32_t connection;
    double amps;
    std::optional<TimePoint> acknowledged;
};

std::vector<SetpointWrite> setpoint_writes(const LatencyInputs& inputs) {
    std::vector<SetpointWrite> writes;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> open;  // (connection, pairing key) -> write
    for (const auto& event : inputs.events) {
        const auto pairing =
            is_frame(event) ? inputs.codec.pairing_key(event.bytes, event.kind == Kind::to_device) : std::nullopt;
        if (!pairing) {
            continue;
        }
        auto key = std::make_pair(event.connection, *pairing);
        if (event.kind == Kind::to_device) {
            if (auto amps = inputs.codec.setpoint_in(event.bytes)) {
                open[key] = writes.size();
                writes.push_back({event.time, event.connection, *amps, std::nullopt});
            }
            continue;
        }
        auto found = open.find(key);
        if (found != open.end()) {
            if (!inputs.codec.is_refusal(event.bytes)) {
                writes[found->second].acknowledged = event.time;
            }
            open.erase(found);
        }
    }
    return writes;
}

struct Series {
    std::vector<double> values;
    void add_to(std::map<std::string, double>& metrics, const std::string& name) const {
        metrics["latency." + name + ".count"] = static_cast<double>(values.size());
        if (values.empty()) {
            return;
        }
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        metrics["latency." + name + ".mean_s"] = sum / static_cast<double>(values.size());
        metrics["latency." + name + ".max_s"] = *std::max_element(values.begin(), values.end());
    }
};

Series setpoint_to_applied(const LatencyInputs& inputs, const std::vector<SetpointWrite>& writes,
                           std::size_t* missing) {
    Series series;
    std::optional<double> previous;
    for (const auto& change : inputs.setpoint_changes) {
        if (previous && std::abs(*previous - change.amps) < 1e-6) {
            continue;  // not a change the driver has to carry out
        }
        previous = change.amps;
        auto applied = std::find_if(writes.begin(), writes.end(), [&](const SetpointWrite& write) {
            return write.acknowledged && *write.acknowledged >= change.at && std::abs(write.amps - change.amps) < 0.05;
        });
        if (applied == writes.end()) {
            ++*missing;
        } else {
            series.values.push_back(to_seconds(*applied->acknowledged - change.at));
        }
    }
    return series;
}

// Connections as the tap saw them: opened and closed times.
struct Connection {
    std::uint32_t id;
    TimePoint opened;
    std::optional<TimePoint> closed;
};

std::vector<Connection> connections(const std::vector<FrameEvent>& events) {
    std::vector<Connection> result;
    for (const auto& event : events) {
        if (event.kind == Kind::opened) {
            result.push_back({event.connection, event.time, std::nullopt});
        } else if (event.kind == Kind::closed) {
            for (auto& connection : result) {
                if (connection.id == event.connection) {
                    connection.closed = event.time;
                }
            }
        }
    }
    return result;
}

Series reconnects(const LatencyInputs& inputs, const std::vector<Connection>& all) {
    Series series;
    for (auto restored : inputs.link_restored) {
        auto next = std::find_if(all.begin(), all.end(), [&](const Connection& c) { return c.opened >= restored; });
        if (next == all.end()) {
            continue;
        }
        // A connection that was up when the link came back and lived on for a while means the fault never broke
        // it: nothing to reconnect. One that died soon after (a request sent during a hang timing out, a close
        // still on its way) was broken by the fault.
        constexpr auto grace = std::chrono::seconds(5);
        bool kept = std::any_of(all.begin(), all.end(), [&](const Connection& c) {
            return c.opened < restored && (!c.closed || *c.closed > restored + grace);
        });
        if (!kept) {
            series.values.push_back(to_seconds(next->opened - restored));
        }
    }
    return series;
}

Series resends(const std::vector<Connection>& all, const std::vector<SetpointWrite>& writes) {
    Series series;
    for (std::size_t i = 1; i < all.size(); ++i) {  // the first connection is a connect, not a reconnect
        auto first = std::find_if(writes.begin(), writes.end(),
                                  [&](const SetpointWrite& write) { return write.connection == all[i].id; });
        if (first != writes.end()) {
            series.values.push_back(to_seconds(first->sent - all[i].opened));
        }
    }
    return series;
}

}  // namespace

std::map<std::string, double> measure_latencies(const LatencyInputs& inputs) {
    std::map<std::string, double> metrics;
    auto writes = setpoint_writes(inputs);
    std::size_t missing = 0;
    setpoint_to_applied(inputs, writes, &missing).add_to(metrics, "setpoint_to_applied");
    metrics["latency.setpoint_to_applied.missing"] = static_cast<double>(missing);
    auto all = connections(inputs.events);
    reconnects(inputs, all).add_to(metrics, "reconnect");
    resends(all, writes).add_to(metrics, "resend_after_reconnect");
    return metrics;
}

}  // namespace evhil::harness
