#include "drivers/station/station.hpp"

#include <cmath>
#include <stdexcept>

#include "drivers/core/log.hpp"
#include "drivers/station/charger_kinds.hpp"

namespace evhil::station {

Station::Station(Executor& executor, StationConfig config, PortProvider& ports, const Rng& rng, StationOptions options)
    : executor_(executor),
      config_(std::move(config)),
      options_(options),
      limiter_(config_.circuits),
      controller_(config_.controller.manual) {
    for (const auto& charger : config_.chargers) {
        const auto* kind = find_charger_kind(charger.type);
        // Without an endpoint (a scenario's simulator is found by its id) the kind's defaults apply.
        auto endpoint = charger.endpoint ? *charger.endpoint : ConfigNode::load_string("{}", charger.id + ".endpoint");
        chargers::ChargerContext context{executor, charger.id, charger.driver,
                                         endpoint, ports,      rng.fork("driver:" + charger.id)};
        Charger entry{charger, kind->make(context)};
        entry.user.enabled = config_.controller.manual.start_enabled;
        entry.user.current_a = config_.controller.manual.current_a;
        if (config_.controller.solar) {
            entry.solar = std::make_unique<control::SolarController>(*config_.controller.solar);
        }
        if (config_.controller.schedule) {
            entry.schedule = std::make_unique<control::ScheduleController>(*config_.controller.schedule);
        }
        if (config_.controller.type == "auto") {
            entry.user.mode = ChargeMode::automatic;
        } else if (config_.controller.type == "scheduled") {
            entry.user.mode = ChargeMode::scheduled;
        }
        chargers_.push_back(std::move(entry));
    }
    for (std::size_t i = 0; i < chargers_.size(); ++i) {
        chargers_[i].driver->on_update([this, i] {
            control_cycle();
            for (const auto& listener : status_listeners_) {
                listener(chargers_[i]);
            }
        });
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

bool Station::change_user(const std::string& id, const std::function<void(UserSettings&)>& change) {
    bool any = false;
    for (auto& charger : chargers_) {
        if (id.empty() || charger.config.id == id) {
            change(charger.user);
            any = true;
        }
    }
    if (!any) {
        return false;
    }
    control_cycle();
    for (const auto& charger : chargers_) {
        if (id.empty() || charger.config.id == id) {
            for (const auto& listener : user_listeners_) {
                listener(charger);
            }
        }
    }
    return true;
}

bool Station::set_enabled(const std::string& id, bool enabled) {
    return change_user(id, [enabled](UserSettings& user) { user.enabled = enabled; });
}

bool Station::set_current(const std::string& id, double amps) {
    if (!std::isfinite(amps) || amps < 0) {
        return false;
    }
    return change_user(id, [amps](UserSettings& user) { user.current_a = amps; });
}

bool Station::set_max_current(const std::string& id, double amps) {
    if (std::isnan(amps) || amps < 0) {
        return false;
    }
    return change_user(id, [amps](UserSettings& user) { user.max_current_a = amps; });
}

bool Station::set_mode(const std::string& id, ChargeMode mode) {
    if (!mode_available(mode)) {
        return false;
    }
    for (auto& charger : chargers_) {
        if ((id.empty() || charger.config.id == id) && charger.user.mode != mode && charger.solar) {
            charger.solar->reset();  // Auto starts over: its timers belong to the mode
        }
    }
    return change_user(id, [mode](UserSettings& user) { user.mode = mode; });
}

bool Station::set_custom_name(const std::string& id, std::string name) {
    return change_user(id, [&name](UserSettings& user) { user.custom_name = name; });
}

const UserSettings& Station::user(const std::string& id) const {
    const auto* charger = find(id);
    if (charger == nullptr) {
        throw std::out_of_range("no charger '" + id + "' in the station");
    }
    return charger->user;
}

std::map<std::string, UserSettings> Station::user_settings() const {
    std::map<std::string, UserSettings> out;
    for (const auto& charger : chargers_) {
        out.emplace(charger.config.id, charger.user);
    }
    return out;
}

void Station::restore(const std::map<std::string, UserSettings>& settings) {
    for (auto& charger : chargers_) {
        auto it = settings.find(charger.config.id);
        if (it != settings.end()) {
            charger.user = it->second;
            if (!mode_available(charger.user.mode)) {
                charger.user.mode = ChargeMode::manual;  // a mode saved by a newer build
            }
        }
    }
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

bool Station::mode_available(ChargeMode mode) const {
    return mode == ChargeMode::manual || (mode == ChargeMode::automatic && config_.controller.solar && site_meter_) ||
           (mode == ChargeMode::scheduled && config_.controller.schedule);
}

control::ChargerView Station::charger_view(Charger& charger) {
    const auto& status = charger.driver->status();
    control::ChargerView view;
    view.plugged_in =
        status.valid && (status.vehicle == chargers::VehicleState::B || status.vehicle == chargers::VehicleState::C ||
                         status.vehicle == chargers::VehicleState::D);
    view.user_enabled = charger.user.enabled;
    view.user_current_a = charger.user.current_a;
    view.power_w = status.power_w;
    view.phases = status.phase_count == 1 ? 1 : 3;
    // The vehicle's own phases show in what it draws when offered three: a single-phase car takes current on one
    // phase only. What it showed holds until it is unplugged (on one phase offered, every car draws on one).
    if (!view.plugged_in) {
        charger.vehicle_phases.reset();
    } else if (status.charging && view.phases == 3 && status.power_w > 500) {
        int drawing = 0;
        for (const auto& phase : status.phases) {
            drawing += phase.current_a > 1.0 ? 1 : 0;
        }
        charger.vehicle_phases = drawing == 1 ? 1 : 3;
    }
    view.vehicle_phases = charger.vehicle_phases.value_or(3);
    if (!view.plugged_in) {
        charger.plug_in_energy_wh.reset();
    } else if (!charger.plug_in_energy_wh) {
        charger.plug_in_energy_wh = status.energy_wh;
    }
    view.session_energy_kwh = (status.energy_wh - charger.plug_in_energy_wh.value_or(status.energy_wh)) / 1000;
    if (vehicle_source_ && view.plugged_in) {
        auto vehicle = vehicle_source_(charger.config.id);
        view.vehicle_soc = vehicle.soc;
        view.vehicle_capacity_kwh = vehicle.capacity_kwh;
        view.vehicle_max_current_a = vehicle.max_current_a;
        // What the vehicle showed on the wire wins; until it has, what its API says.
        view.vehicle_phases = charger.vehicle_phases.value_or(vehicle.phases.value_or(view.vehicle_phases));
    }
    view.can_switch_phases = charger.config.phase_switching;
    view.min_current_a = charger.config.limits.min_current_a;
    view.max_current_a = std::isfinite(charger.command.ceiling_a) && charger.command.ceiling_a > 0
                             ? charger.command.ceiling_a
                             : std::min(charger.config.limits.configured_max_current_a, 32.0);
    return view;
}

control::PriceInputs Station::prices() const {
    return price_source_ != nullptr ? price_source_->prices(executor_.now()) : control::PriceInputs{};
}

double Station::scheduled_request(Charger& charger) {
    control::ControlInputs in;
    in.now = executor_.now();
    in.charger = charger_view(charger);
    in.prices = prices();
    auto decision = charger.schedule->decide(in);
    if (decision.enabled != charger.decision.enabled) {
        log::get("station")->info("{}: {} ({})", charger.config.id, decision.enabled ? "scheduled charging" : "waiting",
                                  decision.why);
    }
    charger.controller_starts += decision.enabled && !charger.decision.enabled ? 1 : 0;
    charger.decision = decision;
    return decision.enabled ? decision.current_a : 0.0;
}

double Station::auto_request(Charger& charger, double& claimed_w) {
    const auto& status = charger.driver->status();
    control::ControlInputs in;
    in.now = executor_.now();
    in.site = site_meter_ != nullptr ? site_meter_->reading() : control::SiteReading{};
    in.site.pv_w -= claimed_w;  // what chargers before it took is no longer surplus
    in.site.grid_w += claimed_w;
    in.charger = charger_view(charger);
    in.prices = prices();
    const auto& view = in.charger;
    auto decision = charger.solar->decide(in);
    if (decision.enabled != charger.decision.enabled) {
        log::get("station")->info("{}: {} ({})", charger.config.id, decision.enabled ? "solar charging" : "waiting",
                                  decision.why);
    }
    charger.controller_starts += decision.enabled && !charger.decision.enabled ? 1 : 0;
    charger.decision = decision;
    double amps = decision.enabled ? decision.current_a : 0.0;
    const int phases = std::min(decision.phases, view.vehicle_phases);
    claimed_w += amps * phases * view.voltage_v - status.power_w;
    return amps;
}

void Station::control_cycle() {
    if (safe_state_) {
        return;  // shutting down: nothing may lift the 0 A again
    }
    std::vector<LimiterInput> inputs;
    inputs.reserve(chargers_.size());
    double claimed_w = 0;
    for (auto& charger : chargers_) {
        const auto& status = charger.driver->status();
        const auto& user = charger.user;
        if (user.mode == ChargeMode::automatic && charger.solar) {
            charger.request_a = auto_request(charger, claimed_w);
        } else if (user.mode == ChargeMode::scheduled && charger.schedule) {
            charger.request_a = scheduled_request(charger);
        } else {
            charger.decision = {};
            charger.request_a = user.enabled ? controller_.request_a(user.current_a) : 0.0;
        }
        LimiterInput in;
        in.request_a = charger.request_a;
        in.enabled = user.enabled;
        in.user_max_current_a = user.max_current_a;
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
            charger.command.current_a = controller_.request_a(charger.user.current_a);  // not even Start/Stop
        }
        if (charger.config.read_only) {
            ++charger.suppressed_commands;
            continue;
        }
        double amps = charger.command.current_a;
        int phases = charger.decision.enabled && charger.config.phase_switching ? charger.decision.phases : 0;
        bool new_phases = phases != 0 && charger.sent_phases != phases;
        if (!charger.sent_a || std::abs(*charger.sent_a - amps) > 1e-6 || new_phases) {
            charger.sent_a = amps;
            if (phases != 0) {
                charger.sent_phases = phases;
            }
            charger.driver->command({amps, phases});
            if (on_command_) {
                on_command_(charger);
            }
        }
    }
}

}  // namespace evhil::station
