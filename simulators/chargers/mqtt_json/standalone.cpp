#include "simulators/chargers/mqtt_json/standalone.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "drivers/transport/mqtt/paho_transport.hpp"
#include "simulators/chargers/mqtt_json/mqtt_json_charger.hpp"
#include "simulators/common/run_until_signalled.hpp"
#include "simulators/mqtt/mosquitto_broker.hpp"

namespace evhil::sim::mqtt_json {
namespace {

struct Options {
    std::string broker;
    MqttJsonChargerSettings charger;
    double soc_percent = 40;
    bool unplugged = false;
    std::string venus;
    std::vector<std::string> faults;
    std::string interval = "1s";
};

struct ScheduledFault {
    ReportFault kind;
    Duration start;
    Duration length;
};

// "KIND:START:DURATION" with durations as in the YAML ("20", "20s", "1m").
ScheduledFault parse_fault(const std::string& text) {
    auto first = text.find(':');
    auto second = first == std::string::npos ? std::string::npos : text.find(':', first + 1);
    if (second == std::string::npos) {
        throw std::runtime_error("--fault wants KIND:START:DURATION, got '" + text + "'");
    }
    auto kind = parse_report_fault(text.substr(0, first));
    auto start = parse_duration(text.substr(first + 1, second - first - 1));
    auto length = parse_duration(text.substr(second + 1));
    if (!kind || !start || !length) {
        throw std::runtime_error(
            "--fault '" + text +
            "': the kinds are silence, garbage, wrong_types, partial and burst, then two durations");
    }
    return {*kind, *start, *length};
}

std::pair<std::string, int> host_port(const std::string& text, const char* option) {
    auto colon = text.rfind(':');
    try {
        if (colon != std::string::npos && colon > 0) {
            return {text.substr(0, colon), std::stoi(text.substr(colon + 1))};
        }
    } catch (const std::exception&) {
    }
    throw std::runtime_error(std::string(option) + " wants HOST:PORT, got '" + text + "'");
}

int run(Options options) {
    std::vector<ScheduledFault> faults;
    std::unique_ptr<sim::mqtt::MosquittoBroker> broker;
    evhil::mqtt::MqttSettings settings;
    settings.client_id = "evhil-sim-mqtt-json";
    try {
        for (const auto& text : options.faults) {
            faults.push_back(parse_fault(text));
        }
        auto interval = parse_duration(options.interval);
        if (!interval || *interval < std::chrono::milliseconds(10)) {
            throw std::runtime_error("--interval wants a duration of at least 10ms, got '" + options.interval + "'");
        }
        options.charger.interval = *interval;
        if (!options.venus.empty()) {
            auto [portal, instance] = host_port(options.venus, "--venus");
            options.charger.venus_portal = portal;
            options.charger.venus_instance = instance;
        }
        if (options.broker.empty()) {
            broker = std::make_unique<sim::mqtt::MosquittoBroker>();
            settings.port = broker->port();
        } else {
            std::tie(settings.host, settings.port) = host_port(options.broker, "--broker");
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "evhil sim mqtt-json: %s\n", error.what());
        return 1;
    }
    physics::EvSettings ev_settings;
    ev_settings.initial_soc = options.soc_percent / 100.0;
    physics::Ev ev(ev_settings);
    if (!options.unplugged) {
        ev.plug_in();
    }

    RealClock clock;
    log::set_log_clock(&clock);
    Executor executor(clock);
    evhil::mqtt::MqttClient client(executor, std::make_unique<evhil::mqtt::PahoMqttTransport>(executor), settings,
                                   Rng(1), "sim.mqtt_json");
    MqttJsonCharger charger(executor, client, ev, options.charger);
    constexpr Duration physics_step = std::chrono::milliseconds(250);
    executor.schedule_every(physics_step, [&charger] { charger.step(physics_step); });
    bool announced = false;
    client.add_connected_listener([&] {
        if (!announced) {
            announced = true;
            fmt::print("mqtt-json charger on {}:{} topic {} commands {}\n", settings.host, settings.port,
                       options.charger.topic, options.charger.command_topic);
            std::fflush(stdout);
        }
    });
    for (const auto& fault : faults) {
        executor.schedule_after(fault.start, [&charger, kind = fault.kind] { charger.set_fault(kind); });
        executor.schedule_after(fault.start + fault.length, [&charger] { charger.set_fault(ReportFault::none); });
    }
    charger.start();
    run_until_signalled(executor);
    charger.stop();
    client.stop();
    log::set_log_clock(nullptr);
    return 0;
}

}  // namespace

StandaloneSimulator standalone_simulator() {
    return {"mqtt-json", "a charger reporting JSON over MQTT (venus-os_dbus-mqtt-ev-charger's format)",
            [](CLI::App& command) {
                auto o = std::make_shared<Options>();
                command.add_option("--broker", o->broker, "Publish to this broker, HOST:PORT (default: start one)");
                command.add_option("--topic", o->charger.topic, "Topic of the reports")->capture_default_str();
                command.add_option("--command-topic", o->charger.command_topic, "Topic it takes JSON commands on")
                    ->capture_default_str();
                command.add_option("--interval", o->interval, "Time between reports")->capture_default_str();
                command.add_flag(
                    "--no-status", [o](std::int64_t) { o->charger.send_status = false; },
                    "Leave Status out (the driver counts the charging time itself)");
                command.add_flag(
                    "--no-current", [o](std::int64_t) { o->charger.send_current = false; },
                    "Leave Current out (the driver derives it from the power)");
                command.add_option("--soc", o->soc_percent, "EV state of charge at start, %")
                    ->check(CLI::Range(0.0, 100.0))
                    ->capture_default_str();
                command.add_flag("--unplugged", o->unplugged, "Start with no EV plugged in");
                command.add_option("--max-current", o->charger.max_current_a, "The charger's own maximum, A")
                    ->capture_default_str();
                command.add_option("--venus", o->venus,
                                   "Also follow the GX's N/<portal>/evcharger/<instance>/SetCurrent and StartStop, "
                                   "PORTAL:INSTANCE");
                command.add_option("--fault", o->faults,
                                   "KIND:START:DURATION (silence, garbage, wrong_types, "
                                   "partial, burst); repeatable");
                return [o] { return run(*o); };
            }};
}

}  // namespace evhil::sim::mqtt_json
