#pragma once
// Connection bookkeeping a Modbus server applies whatever its transport: at most N masters at once, and
// a connection that sends nothing for the idle timeout is closed. Used by TcpServer and InProcessServer so
// both targets enforce the same rules.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/transport/modbus/modbus_device.hpp"

namespace evhil::modbus {

class SessionTable {
public:
    using SessionId = std::uint64_t;

    explicit SessionTable(ConnectionRules rules) : rules_(rules) {}

    // A new session, or std::nullopt when the master limit is reached.
    std::optional<SessionId> open(TimePoint now) {
        if (rules_.max_connections != 0 && last_activity_.size() >= rules_.max_connections) {
            ++refused_;
            return std::nullopt;
        }
        SessionId id = ++next_id_;
        last_activity_[id] = now;
        return id;
    }
    void touch(SessionId id, TimePoint now) {
        if (auto it = last_activity_.find(id); it != last_activity_.end()) {
            it->second = now;
        }
    }
    bool is_open(SessionId id) const { return last_activity_.count(id) != 0; }
    void close(SessionId id) { last_activity_.erase(id); }
    void close_all() { last_activity_.clear(); }
    // Closes and returns the sessions idle for the timeout or longer.
    std::vector<SessionId> expire_idle(TimePoint now) {
        std::vector<SessionId> expired;
        if (rules_.idle_timeout <= Duration{0}) {
            return expired;
        }
        for (auto it = last_activity_.begin(); it != last_activity_.end();) {
            if (now - it->second >= rules_.idle_timeout) {
                expired.push_back(it->first);
                it = last_activity_.erase(it);
            } else {
                ++it;
            }
        }
        idle_closed_ += expired.size();
        return expired;
    }
    // When the next session would expire, for scheduling the idle check.
    std::optional<TimePoint> next_expiry() const {
        if (rules_.idle_timeout <= Duration{0} || last_activity_.empty()) {
            return std::nullopt;
        }
        TimePoint earliest = TimePoint::max();
        for (const auto& [id, last] : last_activity_) {
            earliest = std::min(earliest, last + rules_.idle_timeout);
        }
        return earliest;
    }

    std::size_t open_count() const { return last_activity_.size(); }
    std::uint64_t refused_count() const { return refused_; }
    std::uint64_t idle_closed_count() const { return idle_closed_; }
    const ConnectionRules& rules() const { return rules_; }

private:
    ConnectionRules rules_;
    std::map<SessionId, TimePoint> last_activity_;
    SessionId next_id_ = 0;
    std::uint64_t refused_ = 0;
    std::uint64_t idle_closed_ = 0;
};

}  // namespace evhil::modbus
