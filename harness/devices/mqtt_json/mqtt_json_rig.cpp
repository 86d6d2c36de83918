// The MQTT-JSON charger rig: see mqtt_json_rig.hpp.

#include "harness/devices/mqtt_json/mqtt_json_rig.hpp"

#include <fmt/format.h>

#include "drivers/chargers/mqtt_json/mqtt_json_driver.hpp"
#include "drivers/transport/modbus/tcp_tap.hpp"
#include "drivers/transport/mqtt/mqtt_packet.hpp"
#include "harness/devices/charger_signals.hpp"
#include "harness/devices/mqtt/run_broker.hpp"
#include "harness/traces/mqtt/mqtt_codec.hpp"
#include "simulators/chargers/mqtt_json/mqtt_json_charger.hpp"

namespace evhil::harness {
namespace {

using sim::mqtt_json::ReportFault;

// The simulator's settings from the device's station: block.
sim::mqtt_json::MqttJsonChargerSettings charger_settings(const DeviceSpec& device) {
    sim::mqtt_json::MqttJsonChargerSettings settings;
    if (device.driver && device.driver->has("topic")) {
        settings.topic = device.driver->required("topic").as_string();
    }
    settings.command_topic = device.driver && device.driver->has("command_topic")
                                 ? device.driver->required("command_topic").as_string()
                                 : "";
    if (!device.station) {
        return settings;
    }
    const ConfigNode& node = *device.station;
    node.allow_keys({"interval", "max_current", "send_status", "send_current", "model", "burst_count", "venus_portal",
                     "venus_instance"});
    settings.interval =
        node.get_duration("interval", settings.interval, std::chrono::milliseconds(50), std::chrono::minutes(10));
    settings.max_current_a = node.get_double("max_current", settings.max_current_a, 6, 80);
    settings.send_status = node.get_bool("send_status", settings.send_status);
    settings.send_current = node.get_bool("send_current", settings.send_current);
    settings.model = node.get_string("model", settings.model);
    settings.burst_count = static_cast<int>(node.get_int("burst_count", settings.burst_count, 1, 10000));
    // Following the GX's N/ topics (as the original driver's users do) needs the GX's portal and the charger's
    // instance.
    settings.venus_portal = node.get_string("venus_portal", "");
    settings.venus_instance =
        static_cast<int>(node.get_int("venus_instance", settings.venus_instance, 0, 4294967295LL));
    return settings;
}

class MqttJsonRig final : public ChargerRig, private PortProvider {
public:
    MqttJsonRig(const DeviceSpec& device, RigContext& context) : context_(context), id_(device.id) {
        if (context.bench != nullptr) {
            device.node.fail("an mqtt_json device has no bench form yet: run it on sim or wire");
        }
        broker_ = &context.mqtt_broker();
        if (context.target != "sim") {
            start_tap(device);
        }
        charger_client_ = make_client("sim-" + id_, "sim." + id_ + ".mqtt");
        charger_ = std::make_unique<sim::mqtt_json::MqttJsonCharger>(context.executor, *charger_client_, context.ev,
                                                                     charger_settings(device));
        charger_->start();
    }
    ~MqttJsonRig() override { MqttJsonRig::stop(); }

    void stop() override {
        charger_->stop();
        charger_client_->stop();
        if (driver_client_) {
            driver_client_->stop();
        }
        if (tap_) {
            tap_->stop();
        }
    }
    void step(Duration dt) override { charger_->step(dt); }
    PortProvider& ports() override { return *this; }
    void attach(chargers::ChargerDriver& driver) override {
        driver_ = dynamic_cast<mqtt_json::MqttJsonDriver*>(&driver);
        if (driver_ == nullptr) {
            throw std::logic_error("the MQTT-JSON rig was given a driver that is not an MqttJsonDriver");
        }
    }
    double independent_limit_a() const override { return charger_->max_current_a(); }
    bool can_perform(const Action& /*action*/) const override { return true; }

    bool set_fault(const Action& action, bool on) override {
        if (action.fault == "driver_stall") {
            driver_->suspend(on);
            return true;
        }
        if (auto kind = sim::mqtt_json::parse_report_fault(action.fault)) {
            charger_->set_fault(on ? *kind : ReportFault::none);
            return true;
        }
        return false;
    }

    void add_signals(const SignalAdder& add) override {
        const auto& c = *charger_;
        add("charger.setpoint", "A", [&c] { return c.set_current_a(); });
        add("charger.applied_current", "A", [&c] { return c.offered_current_a(); });
        add("charger.enabled", "", [&c] { return c.enabled() ? 1.0 : 0.0; });
        add("charger.power", "W", [this] { return context_.ev.power_w(); });
        add("charger.reports", "", [&c] { return static_cast<double>(c.reports()); });
        add("charger.commands", "", [&c] { return static_cast<double>(c.commands()); });
        const auto& d = *driver_;
        add("driver.refused_messages", "", [&d] { return static_cast<double>(d.counters().refused_messages); });
        add("driver.refused_keys", "", [&d] { return static_cast<double>(d.counters().refused_keys); });
        add("driver.timeouts", "", [&d] { return static_cast<double>(d.counters().timeouts); });
        add("driver.mqtt_connected", "", [this] { return driver_client_ && driver_client_->connected() ? 1.0 : 0.0; });
        add("driver.mqtt_connects", "",
            [this] { return driver_client_ ? static_cast<double>(driver_client_->stats().connects) : 0.0; });
        add_driver_signals(add, d);
    }
    bool observable(const std::string& /*signal*/) const override { return true; }

    std::map<std::string, double> metrics() const override {
        auto result = driver_metrics(*driver_);
        result["charger.reports"] = static_cast<double>(charger_->reports());
        result["charger.commands"] = static_cast<double>(charger_->commands());
        result["driver.accepted_messages"] = static_cast<double>(driver_->counters().accepted);
        result["driver.refused_messages"] = static_cast<double>(driver_->counters().refused_messages);
        result["driver.mqtt_connects"] = driver_client_ ? static_cast<double>(driver_client_->stats().connects) : 0;
        return result;
    }
    bool uses_mqtt_broker() const override { return true; }
    LinkTrace take_trace() override { return {codec_, std::exchange(events_, {})}; }

private:
    // On wire the driver reaches the broker through a recording tap, as a Modbus driver reaches its device; the
    // simulated charger publishes to the broker directly, so the trace is the driver's side of the broker only.
    // The tap stays on the broker's port across broker restarts (the broker comes back on the same port).
    void start_tap(const DeviceSpec& device) {
        std::optional<MqttSetpointField> setpoint;
        if (device.driver && device.driver->has("command_topic")) {
            setpoint = MqttSetpointField{device.driver->required("command_topic").as_string(), "SetCurrent"};
        }
        codec_ = make_mqtt_codec(setpoint);
        modbus::TcpTapSettings settings;
        settings.device_port = broker_->port();
        settings.framing = mqtt::packet::framing();
        tap_ = std::make_unique<modbus::TcpTap>(context_.executor, settings,
                                                [this](FrameEvent event) { events_.push_back(std::move(event)); });
        tap_->start();
    }

    // The driver's client of the run's broker; the endpoint's host and port are the rig's broker's on wire.
    mqtt::MqttClient& mqtt(const std::string& /*device_id*/, const mqtt::MqttSettings& broker) override {
        driver_client_ = make_client(broker.client_id, "mqtt." + id_, broker, tap_ ? tap_->port() : 0);
        return *driver_client_;
    }

    std::unique_ptr<mqtt::MqttClient> make_client(const std::string& client_id, const std::string& log_name,
                                                  mqtt::MqttSettings settings = {}, std::uint16_t via_port = 0) {
        settings.client_id = client_id;
        return broker_->client(std::move(settings), context_.rng.fork(client_id), log_name, via_port);
    }

    RigContext& context_;
    std::string id_;
    RunBroker* broker_ = nullptr;
    std::unique_ptr<mqtt::MqttClient> charger_client_;
    std::unique_ptr<sim::mqtt_json::MqttJsonCharger> charger_;
    std::unique_ptr<mqtt::MqttClient> driver_client_;
    std::unique_ptr<modbus::TcpTap> tap_;
    std::shared_ptr<const FrameCodec> codec_;
    std::vector<FrameEvent> events_;
    mqtt_json::MqttJsonDriver* driver_ = nullptr;
};

FaultSpec report_fault(const char* name, const char* description) {
    return {.name = name,
            .owner = FaultSpec::Owner::device,
            .kind = FaultSpec::Kind::sustained,
            .description = description};
}

}  // namespace

const std::vector<FaultSpec>& mqtt_json_rig_faults() {
    static const std::vector<FaultSpec> faults = [] {
        std::vector<FaultSpec> all = driver_faults();
        all.push_back(report_fault("silence", "the charger publishes nothing"));
        all.push_back(report_fault("garbage", "the charger publishes text that is not JSON"));
        all.push_back(report_fault("wrong_types", "the charger sends Ac.Power and Status as texts"));
        all.push_back(report_fault("partial", "the charger sends Ac.Power only"));
        all.push_back(report_fault("burst", "the charger sends each report many times at once"));
        return all;
    }();
    return faults;
}

std::unique_ptr<ChargerRig> make_mqtt_json_rig(const DeviceSpec& device, RigContext& context) {
    return std::make_unique<MqttJsonRig>(device, context);
}

}  // namespace evhil::harness
