#pragma once
// evchargerd: the station on the real clock with real adapters, until SIGTERM or SIGINT.
//
//   start ──► restore the state file ──► run the station (and its Venus services) ──SIGTERM/SIGINT──► safe state
//   (0 A acknowledged, or the shutdown timeout) ──► save the state ──► leave the bus, close every connection ──►
//   exit 0
//
// SIGUSR1, and every status_interval, logs each charger's state and counters. Signals arrive through asio's
// signal_set, so they are handled on the executor like everything else: nothing runs in a signal handler.

#include <memory>

#include "drivers/core/executor.hpp"
#include "drivers/daemon/daemon_config.hpp"
#include "drivers/meters/victron_system/victron_system_meter.hpp"
#include "drivers/prices/price_feed.hpp"
#include "drivers/station/real_port_provider.hpp"
#include "drivers/station/station.hpp"
#include "drivers/transport/http/http_port.hpp"
#include "drivers/venus/dbus_venus_bus.hpp"
#include "drivers/venus/venus_mqtt_bridge.hpp"
#include "drivers/venus/venus_output.hpp"
#include "drivers/web/web_service.hpp"

#include <boost/asio/signal_set.hpp>

namespace evhil::daemon {

class Daemon {
public:
    Daemon(DaemonConfig config, std::uint64_t seed);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Runs until a termination signal; returns the exit code.
    int run();

private:
    void wait_for_signal();
    void on_signal(int number);
    void shut_down();
    void finish_shutdown(TimePoint deadline);
    void restore_state();
    void save_state();
    void log_status();
    web::ConfigHooks config_hooks();
    Executor::TimerId status_timer_{};

    DaemonConfig config_;
    RealClock clock_;
    Executor executor_;
    station::RealPortProvider ports_;
    std::unique_ptr<station::Station> station_;
    std::unique_ptr<venus::DbusVenusBus> venus_bus_;
    std::unique_ptr<venus::VenusOutput> venus_;
    // Auto: the site from the GX's system service, on a bus connection of its own.
    std::unique_ptr<venus::DbusVenusBus> meter_bus_;
    std::unique_ptr<meters::VictronSystemMeter> meter_;
    // venus_mqtt: the bridge's own bus connection and broker client.
    std::unique_ptr<venus::DbusVenusBus> bridge_bus_;
    std::unique_ptr<mqtt::MqttClient> bridge_client_;
    std::unique_ptr<venus::VenusMqttBridge> bridge_;
    std::unique_ptr<mqtt::MqttClient> homeassistant_client_;
    std::unique_ptr<homeassistant::HomeAssistantDiscovery> homeassistant_;
    std::unique_ptr<http::HttpPort> price_port_;  // evchargerd-https.so's client, loaded only with prices:
    std::unique_ptr<prices::PriceFeed> prices_;
    std::unique_ptr<web::WebService> web_;
    std::unique_ptr<boost::asio::signal_set> signals_;
    bool shutting_down_ = false;
};

}  // namespace evhil::daemon
