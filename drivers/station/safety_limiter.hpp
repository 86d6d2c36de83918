#pragma once
// The safety limiter: the last word before any command reaches a charger, after every controller. Pure logic.
//
// For each charger the command is the controller's request, lowered to the lowest of the charger's own limits
// (cable, station maximum as the driver read it, vehicle, configured maximum, the user's own cap, a bench's cap),
// then to its share
// of every circuit above it; 0 A while the user has charging disabled; 0 A when what is left is below the
// charger's minimum current (IEC 61851 offers nothing below 6 A). Each result says which limit bound it.
//
// Circuits form a tree, each with a maximum current per phase (evcc's circuits). The chargers under a circuit
// share it max-min fairly: nobody gets more than they asked for, and what one does not take the others may.
// Chargers whose vehicle draws or asks for current (IEC 61851 state C or D) are served first; chargers whose
// vehicle is idle (plugged in and waiting, or full, in state B) share what is left, so an EV that has finished
// hands its share to the others within one control cycle and still gets an offer as soon as there is room.
// Chargers with no vehicle (state A) come last: what is left after every plugged-in car, so that a car plugged in
// finds an offer at once if there is room, yet an empty socket never takes a share from a car. A
// charger whose driver has lost it is counted at the most it may still draw on its own (its last command or its
// fallback current, whichever is higher), because the limiter cannot reach it. A charger the station has not yet
// reached (at start, before its first status) is served with the active ones: it keeps a fair share in reserve,
// since it may draw as soon as it is connected, and the order in which connections come up changes nothing.
// Which vehicles are active is the station's call (a vehicle just offered current counts as active while it
// starts; see Station).
//
// Phases: a charger's current is counted on every phase of its circuits, as if it drew three-phase. That is exact
// for three-phase chargers and on the safe side for one-phase ones (which phase a one-phase charger loads is
// wiring, not something the station knows).

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace evhil::station {

inline constexpr double unlimited = std::numeric_limits<double>::infinity();

struct CircuitConfig {
    std::string name;
    double max_current_a = unlimited;  // per phase
    std::string parent;                // empty: a root circuit
};

// A charger's own limits, as configured (or, for a bench, as the bench file caps it).
struct ChargerLimits {
    double cable_max_current_a = unlimited;
    double configured_max_current_a = unlimited;
    double bench_cap_a = unlimited;
    double min_current_a = 6.0;
    std::string circuit;  // empty: on no circuit
};

struct LimiterInput {
    double request_a = 0;              // the controller's request; negative discharges
    bool enabled = false;              // the user's Start/Stop
    bool reachable = true;             // the driver is running and talking to the charger
    bool never_reached = false;        // not yet reachable since the station started: its share is kept for it
    bool vehicle_active = false;       // the vehicle draws or asks for current (state C or D), or is starting
    bool vehicle_present = true;       // false in state A: nobody to charge, served after every plugged-in car
    double station_max_current_a = 0;  // 0 = unknown
    double vehicle_max_current_a = 0;  // 0 = unknown
    double fallback_current_a = 0;     // what the station applies on its own when it loses its controller
    double last_command_a = 0;
    double user_max_current_a = unlimited;  // the user's own cap (Venus /MaxCurrent)
    ChargerLimits limits;
};

// Which limit set the command.
enum class Bound { request, disabled, cable, station, vehicle, configured, user, bench, circuit, below_minimum };
const char* to_string(Bound bound);

struct LimitedCommand {
    double current_a = 0;
    Bound bound = Bound::request;
    std::string circuit;           // the circuit that bound it, for Bound::circuit
    double ceiling_a = unlimited;  // the lowest of the charger's own limits
};

class SafetyLimiter {
public:
    // Throws std::invalid_argument for an unknown parent, a cycle or a duplicate name.
    explicit SafetyLimiter(std::vector<CircuitConfig> circuits);

    std::vector<LimitedCommand> apply(const std::vector<LimiterInput>& chargers) const;
    const std::vector<CircuitConfig>& circuits() const { return circuits_; }
    // The circuit and all its ancestors, nearest first; empty for an unknown or empty name.
    std::vector<std::size_t> path_of(const std::string& circuit) const;

private:
    static std::vector<LimitedCommand> finish(std::vector<LimitedCommand> out,
                                              const std::vector<LimiterInput>& chargers);

    std::vector<CircuitConfig> circuits_;  // parents after children (post-order), so one pass settles each tree
};

}  // namespace evhil::station
