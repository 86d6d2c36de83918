#include "harness/devices/charger_signals.hpp"

#include <cmath>

namespace evhil::harness {
namespace {

const std::vector<std::string> driver_state_labels{"stopped", "connecting", "running", "backing_off"};
const std::vector<std::string> vehicle_state_labels{"unknown", "A", "B", "C", "D", "E", "F"};

}  // namespace

void add_driver_signals(const SignalAdder& add, const chargers::ChargerDriver& driver) {
    const auto& d = driver;
    auto valid = [&d](double value) { return d.status().valid ? value : std::nan(""); };
    add(
        "driver.state", "", [&d] { return static_cast<double>(d.health().state); }, driver_state_labels);
    add("driver.commanded", "A", [&d] {
        auto command = d.commanded();
        return command ? command->current_a : std::nan("");
    });
    add("driver.applied_current", "A", [&d, valid] { return valid(d.status().applied_current_a); });
    add(
        "driver.vehicle_state", "", [&d, valid] { return valid(static_cast<double>(d.status().vehicle)); },
        vehicle_state_labels);
    add("driver.power", "W", [&d, valid] { return valid(d.status().power_w); });
    add("driver.energy", "kWh", [&d, valid] { return valid(d.status().energy_wh / 1000.0); });
    add("driver.station_max_current", "A", [&d] { return d.status().station_max_current_a; });
    add("driver.connected", "", [&d] { return d.status().connected ? 1.0 : 0.0; });
    const auto& c = d.health().counters;
    add("driver.requests", "", [&c] { return static_cast<double>(c.requests); });
    add("driver.errors", "", [&c] { return static_cast<double>(c.errors); });
    add("driver.connects", "", [&c] { return static_cast<double>(c.connects); });
    add("driver.reconnects", "", [&c] { return static_cast<double>(c.reconnects); });
    add("driver.writes", "", [&c] { return static_cast<double>(c.writes); });
    add("driver.verify_failures", "", [&c] { return static_cast<double>(c.verify_failures); });
    add("driver.latency", "s", [&c] { return c.last_latency_s; });
    const auto& s = d.session();
    add("driver.session_active", "", [&s] { return s.active ? 1.0 : 0.0; });
    add("driver.session_energy", "kWh", [&s] { return s.energy_wh / 1000.0; });
    add("driver.session_duration", "s", [&s] { return s.duration_s; });
    add("driver.sessions_completed", "", [&s] { return static_cast<double>(s.completed); });
    add("driver.last_session_energy", "kWh", [&s] { return s.last_energy_wh / 1000.0; });
    add("driver.last_session_duration", "s", [&s] { return s.last_duration_s; });
}

std::map<std::string, double> driver_metrics(const chargers::ChargerDriver& driver) {
    const auto& c = driver.health().counters;
    return {
        {"driver.requests", static_cast<double>(c.requests)},
        {"driver.errors", static_cast<double>(c.errors)},
        {"driver.exceptions", static_cast<double>(c.exceptions)},
        {"driver.timeouts", static_cast<double>(c.timeouts)},
        {"driver.connects", static_cast<double>(c.connects)},
        {"driver.reconnects", static_cast<double>(c.reconnects)},
        {"driver.connect_failures", static_cast<double>(c.connect_failures)},
        {"driver.polls", static_cast<double>(c.polls)},
        {"driver.polls_skipped", static_cast<double>(c.polls_skipped)},
        {"driver.writes", static_cast<double>(c.writes)},
        {"driver.verified_writes", static_cast<double>(c.verified_writes)},
        {"driver.verify_failures", static_cast<double>(c.verify_failures)},
        {"driver.latency_mean_s", c.mean_latency_s()},
        {"driver.latency_max_s", c.max_latency_s},
        {"driver.sessions_completed", static_cast<double>(driver.session().completed)},
    };
}

}  // namespace evhil::harness
