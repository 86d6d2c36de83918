#include "drivers/daemon/daemon.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>

#include "drivers/core/log.hpp"
#include "drivers/daemon/state_file.hpp"

namespace evhil::daemon {
namespace {

auto logger() {
    return log::get("evchargerd");
}

}  // namespace

Daemon::Daemon(DaemonConfig config, std::uint64_t seed)
    : config_(std::move(config)),
      executor_(clock_),
      ports_(executor_, Rng(seed).fork("ports")),
      station_(std::make_unique<station::Station>(executor_, config_.station, ports_, Rng(seed))),
      signals_(std::make_unique<boost::asio::signal_set>(executor_.io(), SIGTERM, SIGINT, SIGUSR1)) {
    if (config_.venus) {
        venus_bus_ = std::make_unique<venus::DbusVenusBus>(executor_, config_.venus->address);
        venus_ = std::make_unique<venus::VenusOutput>(executor_, *venus_bus_, *station_, config_.venus->chargers,
                                                      EVHIL_VERSION, Rng(seed).fork("venus"));
    }
}

Daemon::~Daemon() = default;

int Daemon::run() {
    log::set_log_clock(&clock_);
    restore_state();
    wait_for_signal();
    station_->start();
    if (venus_) {
        venus_->start();
    }
    executor_.schedule_every(config_.status_interval, [this] { log_status(); });
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
    finish_shutdown(executor_.now() + config_.shutdown_timeout);
}

// Waits, on the executor, until every charger has acknowledged its safe state or the timeout passes.
void Daemon::finish_shutdown(TimePoint deadline) {
    if (!station_->safe_state_reached() && executor_.now() < deadline) {
        executor_.schedule_after(std::chrono::milliseconds(20), [this, deadline] { finish_shutdown(deadline); });
        return;
    }
    if (!station_->safe_state_reached()) {
        logger()->warn("not every charger acknowledged its safe state within {}; leaving it to its own fallback",
                       format_duration(config_.shutdown_timeout));
    }
    save_state();
    if (venus_) {
        venus_->stop();
    }
    station_->stop();
    executor_.stop();
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
        logger()->info(
            "{}: {} vehicle {} applied {:.1f} A commanded {:.1f} A ({}) power {:.0f} W; requests {} errors {} "
            "timeouts {} reconnects {} writes {} verified {} latency mean {:.1f} ms max {:.1f} ms",
            charger.config.id, chargers::to_string(health.state), chargers::to_string(status.vehicle),
            status.applied_current_a, charger.command.current_a, station::to_string(charger.command.bound),
            status.power_w, c.requests, c.errors, c.timeouts, c.reconnects, c.writes, c.verified_writes,
            c.mean_latency_s() * 1e3, c.max_latency_s * 1e3);
    }
}

}  // namespace evhil::daemon
