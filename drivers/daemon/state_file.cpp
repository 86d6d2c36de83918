#include "drivers/daemon/state_file.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "drivers/core/atomic_file.hpp"

namespace evhil::daemon {
namespace {

using Json = nlohmann::json;
constexpr int format_version = 2;  // 2: settings per charger; 1 (one for the station) is still read

std::int64_t to_unix_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string to_json(const PersistedState& state) {
    Json sessions = Json::object();
    for (const auto& [id, s] : state.sessions) {
        sessions[id] = Json{{"active", s.active},
                            {"started_unix_ms", to_unix_ms(s.started)},
                            {"start_energy_wh", s.start_energy_wh},
                            {"energy_wh", s.energy_wh},
                            {"duration_s", s.duration_s},
                            {"completed", s.completed},
                            {"last_energy_wh", s.last_energy_wh},
                            {"last_duration_s", s.last_duration_s}};
    }
    Json users = Json::object();
    for (const auto& [id, user] : state.users) {
        users[id] = Json{{"mode", static_cast<int>(user.mode)},
                         {"enabled", user.enabled},
                         {"current_a", user.current_a},
                         // JSON has no infinity: no cap is null
                         {"max_current_a", std::isfinite(user.max_current_a) ? Json(user.max_current_a) : Json()},
                         {"custom_name", user.custom_name}};
    }
    Json out{{"version", format_version}, {"users", std::move(users)}, {"sessions", std::move(sessions)}};
    return out.dump(2) + "\n";
}

std::optional<PersistedState> from_json(const std::string& text, std::string& error) {
    try {
        auto in = Json::parse(text);
        const int version = in.at("version").get<int>();
        if (version != format_version && version != 1) {
            error = fmt::format("unknown state format version {}", in.at("version").dump());
            return std::nullopt;
        }
        PersistedState state;
        if (version == 1) {
            station::UserSettings user;
            user.enabled = in.at("user").at("enabled").get<bool>();
            user.current_a = in.at("user").at("current_a").get<double>();
            state.users.emplace("*", user);
        } else {
            for (const auto& [id, u] : in.at("users").items()) {
                station::UserSettings user;
                user.mode = static_cast<station::ChargeMode>(u.at("mode").get<int>());
                user.enabled = u.at("enabled").get<bool>();
                user.current_a = u.at("current_a").get<double>();
                const auto& max = u.at("max_current_a");
                user.max_current_a = max.is_null() ? station::unlimited : max.get<double>();
                user.custom_name = u.value("custom_name", std::string());
                state.users.emplace(id, user);
            }
        }
        for (const auto& [id, s] : in.at("sessions").items()) {
            chargers::ChargingSession session;
            session.active = s.at("active").get<bool>();
            session.started = TimePoint(std::chrono::milliseconds(s.at("started_unix_ms").get<std::int64_t>()));
            session.start_energy_wh = s.at("start_energy_wh").get<double>();
            session.energy_wh = s.at("energy_wh").get<double>();
            session.duration_s = s.at("duration_s").get<double>();
            session.completed = s.at("completed").get<std::uint64_t>();
            session.last_energy_wh = s.at("last_energy_wh").get<double>();
            session.last_duration_s = s.at("last_duration_s").get<double>();
            state.sessions.emplace(id, session);
        }
        return state;
    } catch (const Json::exception& e) {
        error = e.what();
        return std::nullopt;
    }
}

void save_state(const std::string& path, const PersistedState& state) {
    write_file_atomically(path, to_json(state));
}

std::optional<PersistedState> load_state(const std::string& path, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        if (errno != ENOENT) {
            error = fmt::format("{}: cannot read: {}", path, std::strerror(errno));
        }
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    std::string why;
    auto state = from_json(text.str(), why);
    if (!state) {
        error = fmt::format("{}: not a valid state file ({})", path, why);
    }
    return state;
}

}  // namespace evhil::daemon
