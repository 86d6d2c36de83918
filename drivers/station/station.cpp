#include "drivers/station/station.hpp"

#include <cmath>

#include "drivers/core/log.hpp"
#include "drivers/station/charger_kinds.hpp"

namespace evhil::station {

Station::Station(Executor& executor, StationConfig config, PortProvider& ports, const Rng& rng, StationOptions options)
    : executor_(executor),
      config_(std::move(config)),
      options_(options),
      limiter_(config_.circuits),
      controller_(config_.controller.manual),
      user_{config_.controller.manual.start_enabled, config_.controller.manual.current_a} {
    for (const auto& charger : config_.chargers) {
        const auto* kind = find_charger_kind(charger.type);
        // Without an endpoint (a scenario's simulator is found by its id) the kind's defaults apply.
        auto endpoint = charger.endpoint ? *charger.endpoint : ConfigNode::load_string("{}", charger.id + ".endpoint");
        chargers::ChargerContext context{executor, charger.id, charger.driver,
                                         endpoint, ports,      rng.fork("driver:" + charger.id)};
        chargers_.push_back(Charger{charger, kind->make(context)});
    }
    for (auto& charger : chargers_) {
        charger.driver->on_update([this] { control_cycle(); });
    }
}

Station::~Station() {
    stop();
}

void Station::start() {
    if (running_) {
        return;
    }
    running_ = true;
    control_cycle();  // the first command waits in the driver until it is connected
    for (auto& charger : chargers_) {
        charger.driver->start();
    }
}

void Station::stop() {
    running_ = false;
    for (auto& charger : chargers_) {
        charger.driver->stop();
    }
}

void Station::enter_safe_state() {
    safe_state_ = true;
    for (auto& charger : chargers_) {
        if (charger.config.on_shutdown == ShutdownAction::pause && !charger.config.read_only) {
            charger.driver->command({0.0, 0});
            charger.sent_a = 0.0;
        }
    }
}

bool Station::safe_state_reached() const {
    for (const auto& charger : chargers_) {
        bool pausing = charger.config.on_shutdown == ShutdownAction::pause && !charger.config.read_only;
        bool reachable = charger.driver->health().state == chargers::DriverState::running;
        if (pausing && reachable && !charger.driver->command_settled()) {
            return false;
        }
    }
    return true;
}

void Station::set_enabled(bool enabled) {
    user_.enabled = enabled;
    control_cycle();
}

void Station::set_current(double amps) {
    user_.current_a = amps;
    control_cycle();
}

void Station::restore(const UserSettings& settings) {
    user_ = settings;
    control_cycle();
}

const Station::Charger* Station::find(const std::string& id) const {
    for (const auto& charger : chargers_) {
        if (charger.config.id == id) {
            return &charger;
        }
    }
    return nullptr;
}

chargers::ChargerDriver* Station::driver(const std::string& id) {
    const auto* charger = find(id);
    return charger == nullptr ? nullptr : charger->driver.get();
}

bool Station::vehicle_active(Charger& charger, bool reachable) {
    using chargers::VehicleState;
    const auto vehicle = charger.driver->status().vehicle;
    bool offered =
        reachable && charger.sent_a && std::abs(*charger.sent_a) >= charger.config.limits.min_current_a - 1e-9;
    bool plugged = vehicle != VehicleState::A && vehicle != VehicleState::unknown;
    if (!plugged) {
        charger.offered_at.reset();  // a new plug-in gets a new grace
        charger.charged_since_plug_in = false;
        return false;
    }
    if (offered && !charger.offered_at) {
        // One grace per plug-in, from its first usable offer: an offer withdrawn and made again does not renew it,
        // or two idle cars on one circuit would hand the whole of it to each other in turn.
        charger.offered_at = executor_.now();
    }
    if (vehicle == VehicleState::C || vehicle == VehicleState::D) {
        charger.charged_since_plug_in = true;
        return true;
    }
    // A vehicle that has charged and gone back to B is full or paused: it hands its share on at once.
    return offered && charger.offered_at && !charger.charged_since_plug_in &&
           executor_.now() - *charger.offered_at < charger.config.vehicle_start_grace;
}

void Station::control_cycle() {
    if (safe_state_) {
        return;  // shutting down: nothing may lift the 0 A again
    }
    std::vector<LimiterInput> inputs;
    inputs.reserve(chargers_.size());
    for (auto& charger : chargers_) {
        const auto& status = charger.driver->status();
        charger.request_a = user_.enabled ? controller_.request_a(user_.current_a) : 0.0;
        LimiterInput in;
        in.request_a = charger.request_a;
        in.enabled = user_.enabled;
        in.reachable = charger.driver->health().state == chargers::DriverState::running && status.valid;
        charger.reached = charger.reached || in.reachable;
        in.never_reached = !charger.reached;
        in.vehicle_active = vehicle_active(charger, in.reachable);
        in.vehicle_present = status.vehicle != chargers::VehicleState::A;
        in.station_max_current_a = status.station_max_current_a;
        in.vehicle_max_current_a = status.vehicle_max_current_a;
        in.fallback_current_a = status.fallback_current_a;
        in.last_command_a = charger.sent_a.value_or(0.0);
        in.limits = charger.config.limits;
        inputs.push_back(in);
    }
    auto commands = limiter_.apply(inputs);
    for (std::size_t i = 0; i < chargers_.size(); ++i) {
        auto& charger = chargers_[i];
        charger.command = commands[i];
        if (options_.bypass_limiter_for_tests) {
            charger.command.current_a = controller_.request_a(user_.current_a);  // not even Start/Stop
        }
        if (charger.config.read_only) {
            ++charger.suppressed_commands;
            continue;
        }
        double amps = charger.command.current_a;
        if (!charger.sent_a || std::abs(*charger.sent_a - amps) > 1e-6) {
            charger.sent_a = amps;
            charger.driver->command({amps, 0});
            if (on_command_) {
                on_command_(charger);
            }
        }
    }
}

}  // namespace evhil::station
