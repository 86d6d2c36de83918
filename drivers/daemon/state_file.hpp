#pragma once
// evchargerd's state file: what the user chose for each charger (mode, enabled, current, maximum) and each charger's
// running session, as JSON, written atomically (drivers/core/atomic_file.hpp) so that a kill -9 at any moment leaves
// the old state or the new one. A file that cannot be read or parsed is reported in one line and the daemon starts from
// its config.

#include <map>
#include <optional>
#include <string>

#include "drivers/chargers/common/charging_session.hpp"
#include "drivers/station/station.hpp"

namespace evhil::daemon {

struct PersistedState {
    // By charger id. A state file of format 1 held one setting for the whole station: it is read as the id "*",
    // which the daemon applies to every charger.
    std::map<std::string, station::UserSettings> users;
    std::map<std::string, chargers::ChargingSession> sessions;  // by charger id
};

std::string to_json(const PersistedState& state);
// std::nullopt and `error` set when the text is not a state file of this format.
std::optional<PersistedState> from_json(const std::string& text, std::string& error);

void save_state(const std::string& path, const PersistedState& state);
// std::nullopt when there is no file yet; `error` set (and std::nullopt) when it is unreadable or corrupt.
std::optional<PersistedState> load_state(const std::string& path, std::string& error);

}  // namespace evhil::daemon
