#include "drivers/daemon/daemon.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>

#include "drivers/core/log.hpp"
#include "drivers/daemon/config_schema.hpp"
#include "drivers/daemon/state_file.hpp"
#include "drivers/transport/http/https_module.hpp"
#include "drivers/transport/mqtt/paho_module.hpp"
#include "drivers/web/web_tls.hpp"

namespace evhil::daemon {
namespace {

auto logger() {
    return log::get("evchargerd");
}

}  // namespace

Daemon::Daemon(DaemonConfig config, std::uint64_t seed)
    : config_(std::move(config)),
      executor_(clock_),
      ports_(executor_, mqtt::load_paho_transport, Rng(seed).fork("ports")),
      station_(std::make_unique<station::Station>(executor_, config_.station, ports_, Rng(seed))),
      signals_(std::make_unique<boost::asio::signal_set>(executor_.io(), SIGTERM, SIGINT, SIGUSR1)) {
    if (config_.venus) {
        venus_bus_ = std::make_unique<venus::DbusVenusBus>(executor_, config_.venus->address);
        venus_ = std::make_unique<venus::VenusOutput>(executor_, *venus_bus_, *station_, config_.venus->chargers,
                                                      EVHIL_VERSION, Rng(seed).fork("venus"));
    }
    if (config_.venus && config_.station.controller.solar) {
        meter_bus_ = std::make_unique<venus::DbusVenusBus>(executor_, config_.venus->address, true);
        meter_ = std::make_unique<meters::VictronSystemMeter>(executor_, *meter_bus_, Rng(seed).fork("meter"));
        station_->set_site_meter(meter_.get());
    }
    if (config_.venus && config_.venus_mqtt) {
        bridge_bus_ = std::make_unique<venus::DbusVenusBus>(executor_, config_.venus->address, true);
        bridge_client_ =
            std::make_unique<mqtt::MqttClient>(executor_, mqtt::load_paho_transport(executor_),
                                               config_.venus_mqtt->broker, Rng(seed).fork("venus_mqtt"), "venus_mqtt");
        bridge_ = std::make_unique<venus::VenusMqttBridge>(
            executor_, *bridge_bus_, *bridge_client_,
            venus::VenusMqttBridgeSettings{.portal_id = config_.venus_mqtt->portal_id}, Rng(seed).fork("bridge"));
    }
    if (config_.prices) {
        price_port_ = http::load_https_client(executor_, config_.prices->https);
        prices_ = std::make_unique<prices::PriceFeed>(executor_, *price_port_, prices::make_price_api(*config_.prices),
                                                      *config_.prices, Rng(seed).fork("prices"));
        station_->set_price_source(prices_.get());
    }
    if (config_.web) {
        web_ = std::make_unique<web::WebService>(executor_, *station_, *config_.web, config_hooks(),
                                                 [](const web::WebTls& tls) { return web::load_tls_starter(tls); });
    }
    if (config_.homeassistant) {
        homeassistant_client_ = std::make_unique<mqtt::MqttClient>(
            executor_, mqtt::load_paho_transport(executor_), config_.homeassistant->broker,
            Rng(seed).fork("homeassistant"), "homeassistant.mqtt");
        homeassistant_ = std::make_unique<homeassistant::HomeAssistantDiscovery>(
            executor_, *station_, *homeassistant_client_, config_.homeassistant->settings);
    }
}

Daemon::~Daemon() = default;

int Daemon::run() {
    log::set_log_clock(&clock_);
    restore_state();
    wait_for_signal();
    if (meter_) {
        meter_->start();
    }
    if (prices_) {
        prices_->start();
    }
    station_->start();
    if (venus_) {
        venus_->start();
    }
    if (bridge_) {
        bridge_->start();
    }
    if (homeassistant_) {
        homeassistant_->start();
    }
    if (web_) {
        try {
            web_->start();
        } catch (const std::exception& error) {
            // The service stays (the station's listeners hold it), only it does not listen.
            logger()->error("{}; the web UI is off (the chargers are driven as usual)", error.what());
            web_->stop();
        }
    }
    status_timer_ = executor_.schedule_every(config_.status_interval, [this] { log_status(); });
    if (!config_.state_file.empty()) {
        executor_.schedule_every(config_.state_interval, [this] { save_state(); });
    }
    executor_.run();
    return 0;
}

void Daemon::wait_for_signal() {
    signals_->async_wait([this](const boost::system::error_code& error, int number) {
        if (!error) {
            on_signal(number);
        }
    });
}

void Daemon::on_signal(int number) {
    if (number == SIGUSR1) {
        log_status();
        wait_for_signal();
        return;
    }
    logger()->info("{}: stopping", number == SIGTERM ? "SIGTERM" : "SIGINT");
    shut_down();
}

void Daemon::shut_down() {
    if (shutting_down_) {
        return;
    }
    shutting_down_ = true;
    station_->enter_safe_state();
    if (homeassistant_) {
        homeassistant_->stop();  // says offline itself: a clean disconnect leaves no will
    }
    finish_shutdown(executor_.now() + config_.shutdown_timeout);
}

// Waits, on the executor, until every charger has acknowledged its safe state or the timeout passes.
void Daemon::finish_shutdown(TimePoint deadline) {
    const bool said_offline =
        !homeassistant_client_ || !homeassistant_client_->connected() || homeassistant_client_->in_flight() == 0;
    if (homeassistant_client_) {
        logger()->debug("shutdown: safe {} homeassistant connected {} in flight {}", station_->safe_state_reached(),
                        homeassistant_client_->connected(), homeassistant_client_->in_flight());
    }
    if ((!station_->safe_state_reached() || !said_offline) && executor_.now() < deadline) {
        executor_.schedule_after(std::chrono::milliseconds(20), [this, deadline] { finish_shutdown(deadline); });
        return;
    }
    if (!station_->safe_state_reached()) {
        logger()->warn("not every charger acknowledged its safe state within {}; leaving it to its own fallback",
                       format_duration(config_.shutdown_timeout));
    }
    save_state();
    if (web_) {
        web_->stop();
    }
    if (homeassistant_) {
        homeassistant_client_->stop();
    }
    if (bridge_) {
        bridge_->stop();
        bridge_client_->stop();
    }
    if (venus_) {
        venus_->stop();
    }
    if (meter_) {
        meter_->stop();
    }
    if (prices_) {
        prices_->stop();
    }
    station_->stop();
    executor_.stop();
}

// PUT /api/config: checked by the same loader as the file at start; log: applies at once, the rest at the next start.
web::ConfigHooks Daemon::config_hooks() {
    web::ConfigHooks hooks;
    hooks.path = config_.file;
    hooks.validate = [](const std::string& yaml, const std::string& name) { load_daemon_config_text(yaml, name); };
    hooks.apply_live = [this](const std::string& yaml) {
        auto fresh = load_daemon_config_text(yaml, config_.file);
        config_.log_level = fresh.log_level;
        log::set_level(fresh.log_level);
        if (fresh.status_interval != config_.status_interval) {
            config_.status_interval = fresh.status_interval;
            executor_.cancel(status_timer_);
            status_timer_ = executor_.schedule_every(config_.status_interval, [this] { log_status(); });
        }
    };
    hooks.schema = [] { return daemon_config_schema(); };
    return hooks;
}

void Daemon::restore_state() {
    if (config_.state_file.empty()) {
        return;
    }
    std::string error;
    auto state = load_state(config_.state_file, error);
    if (!error.empty()) {
        logger()->error("{}; starting from the configuration", error);
        return;
    }
    if (!state) {
        logger()->info("no state file {} yet; starting from the configuration", config_.state_file);
        return;
    }
    auto users = state->users;
    if (auto whole_station = users.find("*"); whole_station != users.end()) {
        auto setting = whole_station->second;  // format 1: one setting for every charger
        users.erase(whole_station);
        for (const auto& charger : station_->chargers()) {
            users.emplace(charger.config.id, setting);
        }
    }
    station_->restore(users);
    for (const auto& [id, session] : state->sessions) {
        if (auto* driver = station_->driver(id)) {
            driver->restore_session(session);
        }
    }
    for (const auto& [id, user] : station_->user_settings()) {
        logger()->info("restored {} from {}: charging {}, {:.1f} A", id, config_.state_file,
                       user.enabled ? "enabled" : "stopped", user.current_a);
    }
}

void Daemon::save_state() {
    if (config_.state_file.empty()) {
        return;
    }
    PersistedState state{station_->user_settings(), {}};
    for (const auto& charger : station_->chargers()) {
        state.sessions.emplace(charger.config.id, charger.driver->session());
    }
    try {
        daemon::save_state(config_.state_file, state);
    } catch (const std::exception& error) {
        logger()->error("{}", error.what());  // the old state file is untouched; the next save tries again
    }
}

void Daemon::log_status() {
    for (const auto& charger : station_->chargers()) {
        const auto& status = charger.driver->status();
        const auto& health = charger.driver->health();
        const auto& c = health.counters;
        static constexpr const char* modes[] = {"manual", "auto", "scheduled"};
        // The controller's reason (Auto, Scheduled), so that "why is it not charging" has its answer in the log.
        auto why = charger.decision.why.empty() ? std::string() : " (" + charger.decision.why + ")";
        logger()->info(
            "{}: {} vehicle {} mode {}{} applied {:.1f} A commanded {:.1f} A ({}) power {:.0f} W; requests {} errors "
            "{} "
            "timeouts {} reconnects {} writes {} verified {} latency mean {:.1f} ms max {:.1f} ms",
            charger.config.id, chargers::to_string(health.state), chargers::to_string(status.vehicle),
            modes[static_cast<int>(charger.user.mode)], why, status.applied_current_a, charger.command.current_a,
            station::to_string(charger.command.bound), status.power_w, c.requests, c.errors, c.timeouts, c.reconnects,
            c.writes, c.verified_writes, c.mean_latency_s() * 1e3, c.max_latency_s * 1e3);
    }
}

}  // namespace evhil::daemon
