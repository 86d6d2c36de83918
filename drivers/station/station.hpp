#pragma once
// The station: the chargers, the controller and the safety limiter (and, from the next issues, the Venus, MQTT
// and Home Assistant outputs), wired once for evchargerd and the harness alike. What passes a scenario is this.
//
//   driver status ──► controller ──► safety limiter ──► driver command
//        (each refresh of any charger, each user change, start)
//
// Every charger's request comes from the controller; the limiter then lowers each to its own limits and its share
// of the circuits and records why; a driver is told only what the limiter allowed, and only when it changed.
// Everything runs on one executor; drivers reach their devices through the PortProvider they are built with.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/chargers/common/charger_driver.hpp"
#include "drivers/control/price_source.hpp"
#include "drivers/control/site_meter.hpp"
#include "drivers/control/solar_controller.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/rng.hpp"
#include "drivers/station/safety_limiter.hpp"
#include "drivers/station/station_config.hpp"
#include "drivers/transport/port_provider.hpp"

namespace evhil::station {

// The charging modes of the Venus /Mode path (0 Manual, 1 Auto, 2 Scheduled). Manual always; Auto (solar surplus)
// with the controller's solar: settings and a site meter; Scheduled with its schedule: windows.
enum class ChargeMode : int { manual = 0, automatic = 1, scheduled = 2 };

// What the user chose for one charger, persisted by the daemon.
struct UserSettings {
    ChargeMode mode = ChargeMode::manual;
    bool enabled = false;
    double current_a = 16.0;
    double max_current_a = unlimited;  // the user's own cap (Venus /MaxCurrent); the limiter applies it
    std::string custom_name;           // the name the user gave the charger (Venus /CustomName); empty: none
};

struct StationOptions {
    // Tests only: hands the controller's request to the drivers unlimited, so that a test can show the harness'
    // safety invariants failing. Not reachable from any configuration file.
    bool bypass_limiter_for_tests = false;
};

class Station {
public:
    struct Charger {
        ChargerConfig config;
        std::unique_ptr<chargers::ChargerDriver> driver;
        double request_a = 0;                   // the controller's request
        LimitedCommand command;                 // the limiter's answer
        std::optional<double> sent_a;           // what the driver was last told
        std::uint64_t suppressed_commands = 0;  // cycles of a read-only charger: computed, never sent
        bool reached = false;                   // reachable at least once since start
        std::optional<TimePoint> offered_at;    // its vehicle's first usable offer since it was plugged in
        bool charged_since_plug_in = false;     // its vehicle drew current (C or D) since it was plugged in
        UserSettings user;                      // what the user chose for this charger
        // Auto: the charger's own solar controller (its timers and phase switches are its own) and its last
        // decision, whose status the Venus service shows.
        std::unique_ptr<control::SolarController> solar;
        std::unique_ptr<control::ScheduleController> schedule;
        control::Decision decision;
        std::optional<int> sent_phases;           // the phases the driver was last told, where it switches
        std::uint64_t controller_starts = 0;      // times Auto or Scheduled started charging (the contactor closes)
        std::optional<int> vehicle_phases;        // what its vehicle showed it draws on, offered three; until unplugged
        std::optional<double> plug_in_energy_wh;  // its meter when the vehicle was plugged in: the session's start
    };

    // Builds every driver from the charger table; throws ConfigError for settings a kind refuses.
    Station(Executor& executor, StationConfig config, PortProvider& ports, const Rng& rng, StationOptions options = {});
    ~Station();
    Station(const Station&) = delete;
    Station& operator=(const Station&) = delete;

    void start();
    void stop();
    // Shutdown: every charger that is to be paused is told 0 A (the user's settings stay as they are);
    // safe_state_reached() says when each has acknowledged it or cannot be reached.
    void enter_safe_state();
    bool safe_state_reached() const;

    // The user's choices, per charger; an empty `id` means every charger (a scenario action that names no device).
    // Each returns false, changing nothing, for an unknown id or a value the station cannot take (a mode whose
    // controller does not exist, a negative or non-finite current).
    bool set_enabled(const std::string& id, bool enabled);
    bool set_current(const std::string& id, double amps);
    bool set_max_current(const std::string& id, double amps);
    bool set_mode(const std::string& id, ChargeMode mode);
    bool set_custom_name(const std::string& id, std::string name);
    bool mode_available(ChargeMode mode) const;
    // The site's readings for Auto; the meter must outlive the station or be detached with nullptr.
    void set_site_meter(const control::SiteMeter* meter) { site_meter_ = meter; }
    const control::SiteMeter* site_meter() const { return site_meter_; }
    // Prices for Scheduled and Auto; the source must outlive the station or be detached with nullptr.
    void set_price_source(const control::PriceSource* source) { price_source_ = source; }
    const control::PriceSource* price_source() const { return price_source_; }
    // The vehicles' SOC and capacity, where a vehicle API tells them (a plan with a SOC goal needs them).
    void set_vehicle_source(std::function<control::VehicleReading(const std::string& charger_id)> source) {
        vehicle_source_ = std::move(source);
    }
    // Throws std::out_of_range for an unknown id.
    const UserSettings& user(const std::string& id) const;
    std::map<std::string, UserSettings> user_settings() const;
    // Settings of chargers no longer in the configuration are ignored.
    void restore(const std::map<std::string, UserSettings>& settings);
    // Called for a charger after every change of its user settings (from any source: Venus, the web UI, a
    // scenario) and after every refresh of its status, once the control cycle has run. Outputs (the Venus service,
    // later MQTT and the web UI) follow the station through these.
    void on_user_change(std::function<void(const Charger&)> callback) {
        user_listeners_.push_back(std::move(callback));
    }
    void on_status(std::function<void(const Charger&)> callback) { status_listeners_.push_back(std::move(callback)); }

    const std::vector<Charger>& chargers() const { return chargers_; }
    const Charger* find(const std::string& id) const;
    chargers::ChargerDriver* driver(const std::string& id);
    const SafetyLimiter& limiter() const { return limiter_; }
    const StationConfig& config() const { return config_; }
    // Called for every command handed to a driver.
    void on_command(std::function<void(const Charger&)> callback) { on_command_ = std::move(callback); }

    // One control cycle; normally triggered by the drivers' updates and user changes.
    void control_cycle();

private:
    // Applies `change` to the charger `id` (every charger when empty); false when there is none.
    bool change_user(const std::string& id, const std::function<void(UserSettings&)>& change);
    // C or D, or B within the start grace of its plug-in's first offer; updates the charger's offer bookkeeping.
    bool vehicle_active(Charger& charger, bool reachable);
    // The request of a charger in Auto, with `claimed_w` the power chargers decided before it take beyond what they
    // draw now (they share one surplus).
    double auto_request(Charger& charger, double& claimed_w);
    // What a controller sees of a charger now.
    control::ChargerView charger_view(Charger& charger);
    control::PriceInputs prices() const;
    double scheduled_request(Charger& charger);

    Executor& executor_;
    StationConfig config_;
    StationOptions options_;
    SafetyLimiter limiter_;
    control::ManualController controller_;
    const control::SiteMeter* site_meter_ = nullptr;
    const control::PriceSource* price_source_ = nullptr;
    std::function<control::VehicleReading(const std::string&)> vehicle_source_;
    std::vector<Charger> chargers_;
    bool running_ = false;
    bool safe_state_ = false;
    std::function<void(const Charger&)> on_command_;
    std::vector<std::function<void(const Charger&)>> user_listeners_;
    std::vector<std::function<void(const Charger&)>> status_listeners_;
};

}  // namespace evhil::station
