#include "simulators/victron/standalone.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"
#include "drivers/transport/mqtt/paho_transport.hpp"
#include "drivers/venus/dbus_venus_bus.hpp"
#include "drivers/venus/venus_mqtt_bridge.hpp"
#include "simulators/common/run_until_signalled.hpp"
#include "simulators/mqtt/mosquitto_broker.hpp"
#include "simulators/mqtt/venus_broker_security.hpp"
#include "simulators/physics/site.hpp"
#include "simulators/victron/evcharger_meter.hpp"
#include "simulators/victron/gx_config.hpp"
#include "simulators/victron/private_bus.hpp"
#include "simulators/victron/virtual_gx.hpp"

namespace evhil::sim::victron {
namespace {

struct GxOptions {
    std::string dbus;
    double pv_peak_w = 5000;
    std::optional<double> pv_w;
    std::string pv_position = "dc";
    double house_w = 400;
    GxSettings gx;
    double battery_soc_percent = 50;
    bool no_battery = false;
    std::string site_file;
    std::string mqtt;  // HOST:PORT of a broker to join; empty: start one
    bool no_mqtt = false;
};

// The Venus MQTT side: a broker of its own (only the bridge may publish on N/<portal>/) or the one given, the bridge's
// client of it, and the bridge on a D-Bus connection of its own.
struct VenusMqtt {
    std::unique_ptr<mqtt::MosquittoBroker> broker;
    std::unique_ptr<venus::DbusVenusBus> bus;
    std::unique_ptr<evhil::mqtt::MqttClient> client;
    std::unique_ptr<venus::VenusMqttBridge> bridge;
};

// Throws std::runtime_error with the reason (a broker that cannot start, a malformed --mqtt).
std::unique_ptr<VenusMqtt> start_venus_mqtt(Executor& executor, const GxOptions& options, const std::string& address) {
    auto side = std::make_unique<VenusMqtt>();
    evhil::mqtt::MqttSettings settings;
    settings.client_id = "dbus-flashmq-" + options.gx.portal_id;
    if (options.mqtt.empty()) {
        auto credentials = mqtt::make_venus_broker_credentials();
        mqtt::MosquittoOptions broker_options;
        broker_options.dynamic_security = mqtt::venus_dynsec_config(options.gx.portal_id, credentials);
        side->broker = std::make_unique<mqtt::MosquittoBroker>(broker_options);
        settings.port = side->broker->port();
        settings.username = credentials.username;
        settings.password = credentials.password;
    } else {
        auto colon = options.mqtt.rfind(':');
        if (colon == std::string::npos || colon == 0) {
            throw std::runtime_error("--mqtt wants HOST:PORT, got '" + options.mqtt + "'");
        }
        settings.host = options.mqtt.substr(0, colon);
        try {
            settings.port = std::stoi(options.mqtt.substr(colon + 1));
        } catch (const std::exception&) {
            throw std::runtime_error("--mqtt wants HOST:PORT, got '" + options.mqtt + "'");
        }
    }
    side->bus = std::make_unique<venus::DbusVenusBus>(executor, address, true);
    side->client = std::make_unique<evhil::mqtt::MqttClient>(
        executor, std::make_unique<evhil::mqtt::PahoMqttTransport>(executor), settings, Rng(2).fork("mqtt"), "gx.mqtt");
    side->bridge = std::make_unique<venus::VenusMqttBridge>(
        executor, *side->bus, *side->client, venus::VenusMqttBridgeSettings{.portal_id = options.gx.portal_id},
        Rng(2).fork("bridge"));
    return side;
}

// The --site YAML: the same settings as the options, as keys.
void apply_site_file(GxOptions& o) {
    auto root = ConfigNode::load_file(o.site_file);
    auto keys = gx_config_keys();
    keys.insert(keys.end(), {"pv_peak", "pv", "house"});
    root.allow_keys(keys);
    o.pv_peak_w = root.get_double("pv_peak", o.pv_peak_w, 0, 1e6);
    if (auto pv = root.optional("pv")) {
        o.pv_w = pv->as_double(0, 1e6);
    }
    o.house_w = root.get_double("house", o.house_w, 0, 1e6);
    read_gx_config(root, o.gx);
}

int run_gx(GxOptions options) {
    options.gx.pv_position = parse_pv_position(options.pv_position);
    options.gx.battery = !options.no_battery;
    options.gx.battery_settings.soc = options.battery_soc_percent / 100.0;
    if (!options.site_file.empty()) {
        apply_site_file(options);  // the file's keys over the options
    }

    std::unique_ptr<PrivateBus> private_bus;
    std::string address = options.dbus;
    if (address.empty()) {
        try {
            private_bus = std::make_unique<PrivateBus>();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "evhil sim gx: %s\n", e.what());
            return 1;
        }
        address = private_bus->address();
    }

    RealClock clock;
    log::set_log_clock(&clock);
    Executor executor(clock);
    VirtualGx gx(options.gx);  // before the bus: its trees outlive their publication
    venus::DbusVenusBus bus(executor, address);
    EvchargerMeter meter(bus);
    physics::Site site(physics::PvSettings{.peak_w = options.pv_peak_w},
                       physics::HouseSettings{.base_w = options.house_w}, Rng(1));
    if (options.pv_w) {
        site.pv().set_override(*options.pv_w);
    }
    int exit_code = 0;
    std::unique_ptr<VenusMqtt> venus_mqtt;
    if (!options.no_mqtt) {
        try {
            venus_mqtt = start_venus_mqtt(executor, options, address);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "evhil sim gx: %s\n", e.what());
            return 1;
        }
    }
    bus.on_lost = [&](const std::string& reason) {
        std::fprintf(stderr, "evhil sim gx: %s\n", reason.c_str());
        exit_code = 1;
        executor.stop();
    };
    bus.connect([&](std::optional<std::string> error) {
        if (error) {
            std::fprintf(stderr, "evhil sim gx: %s\n", error->c_str());
            exit_code = 1;
            executor.stop();
            return;
        }
        gx.update({}, Duration{0});
        gx.publish(bus, [&](std::optional<std::string> publish_error) {
            if (publish_error) {
                std::fprintf(stderr, "evhil sim gx: %s\n", publish_error->c_str());
                exit_code = 1;
                executor.stop();
                return;
            }
            fmt::print("virtual GX on {} (portal id {})\nexport DBUS_SYSTEM_BUS_ADDRESS={}\n", address,
                       options.gx.portal_id, address);
            if (venus_mqtt) {
                const auto& mqtt_settings = venus_mqtt->client->settings();
                fmt::print("Venus MQTT on {}:{} (portal id {}; send R/{}/keepalive)\n", mqtt_settings.host,
                           mqtt_settings.port, options.gx.portal_id, options.gx.portal_id);
                venus_mqtt->bridge->start();
            }
            std::fflush(stdout);
        });
    });
    constexpr Duration update_interval = std::chrono::seconds(1);
    executor.schedule_every(update_interval, [&] {
        auto sample = site.sample(executor.now(), 0.0);
        gx.update({.pv_w = sample.pv_w, .house_w = sample.house_w, .ev_loads = meter.loads()}, update_interval);
        meter.poll();  // read for the next update
    });
    run_until_signalled(executor);
    if (venus_mqtt) {
        venus_mqtt->bridge->stop();
        venus_mqtt->client->stop();
    }
    bus.disconnect();
    log::set_log_clock(nullptr);
    return exit_code;
}

}  // namespace

StandaloneSimulator standalone_simulator() {
    return {
        "gx", "Victron GX: system, settings, battery, grid meter and PV inverter services on D-Bus",
        [](CLI::App& command) {
            auto o = std::make_shared<GxOptions>();
            command.add_option("--dbus", o->dbus, "Join this D-Bus address (default: start a private bus)");
            command.add_option("--pv-peak", o->pv_peak_w, "PV peak power at solar noon, W")->capture_default_str();
            command.add_option("--pv", o->pv_w, "Fixed PV power, W (default: the clear-sky curve at this time)");
            command.add_option("--pv-position", o->pv_position, "Where the PV is: dc, ac_output or ac_input")
                ->check(CLI::IsMember({"dc", "ac_output", "ac_input"}))
                ->capture_default_str();
            command.add_option("--house", o->house_w, "House load behind the inverter, W")->capture_default_str();
            command.add_option("--battery-capacity", o->gx.battery_settings.capacity_wh, "Home battery, Wh")
                ->capture_default_str();
            command.add_option("--battery-soc", o->battery_soc_percent, "Home battery state of charge, %")
                ->check(CLI::Range(0.0, 100.0))
                ->capture_default_str();
            command.add_flag("--no-battery", o->no_battery, "No home battery");
            command.add_option("--min-soc", o->gx.minimum_soc_percent, "ESS minimum SOC, %")
                ->check(CLI::Range(0.0, 100.0))
                ->capture_default_str();
            command.add_option("--grid-setpoint", o->gx.grid_setpoint_w, "ESS grid setpoint, W (+ import)")
                ->capture_default_str();
            command.add_option("--portal-id", o->gx.portal_id, "VRM portal id (12 hex digits)")->capture_default_str();
            command.add_option("--site", o->site_file, "YAML with the same settings as keys")->check(CLI::ExistingFile);
            command.add_option("--mqtt", o->mqtt,
                               "Mirror the bus onto this broker, HOST:PORT (default: start a Mosquitto of its own)");
            command.add_flag("--no-mqtt", o->no_mqtt, "No Venus MQTT bridge");
            return [o] { return run_gx(*o); };
        }};
}

}  // namespace evhil::sim::victron
