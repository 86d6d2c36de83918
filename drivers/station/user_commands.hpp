#pragma once
// The user's writes to a charger, validated once for every way in: a Venus SetValue, a Home Assistant command, the
// web UI and REST API. Each answers with the reason when it refuses, so that every front end can say why; the
// station then applies the value through its one control cycle and the safety limiter.
//
// A current is accepted from 0 up to the highest any charger takes (settable_max_a); above the limits that bind
// now it is stored and the limiter clamps it, exactly as for a Venus write. current_ceiling() is what a slider
// should offer.
//
// Covered by tests/web/web_venus_equivalence_test.cpp and tests/web/web_api_test.cpp (every refusal).

#include <cstdint>
#include <string>

#include "drivers/station/station.hpp"

namespace evhil::station {

// The highest current any charger we drive accepts (Alfen: 80 A); Venus /SetCurrent and /MaxCurrent use it too.
constexpr double settable_max_a = 80.0;

struct CommandResult {
    enum class Refusal { none, unknown_charger, invalid, out_of_range, unavailable };
    Refusal refusal = Refusal::none;
    std::string why;  // empty when accepted
    bool ok() const { return refusal == Refusal::none; }
};

class UserCommands {
public:
    explicit UserCommands(Station& station) : station_(station) {}

    // Any integer: one outside 0 to 2 is refused with a reason (Venus and JSON carry 64-bit integers).
    CommandResult set_mode(const std::string& charger_id, std::int64_t mode);
    CommandResult set_enabled(const std::string& charger_id, bool enabled);
    // `amps` may be any double: NaN and infinities are refused with a reason.
    CommandResult set_current(const std::string& charger_id, double amps);
    CommandResult set_max_current(const std::string& charger_id, double amps);

    // The highest current the charger can be given now: the lowest of its own limits and the user's cap, else the
    // station's maximum the charger reports, else the configured manual maximum.
    double current_ceiling(const Station::Charger& charger) const;

private:
    CommandResult check_charger(const std::string& charger_id) const;
    static CommandResult check_amps(double amps, const char* what);

    Station& station_;
};

const char* mode_name(ChargeMode mode);
// UserCommands::current_ceiling for a read-only view of the station.
double current_ceiling(const Station& station, const Station::Charger& charger);

}  // namespace evhil::station
