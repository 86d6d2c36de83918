#include "simulators/chargers/mqtt_json/mqtt_json_charger.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "simulators/physics/control_pilot.hpp"

namespace evhil::sim::mqtt_json {

std::optional<ReportFault> parse_report_fault(const std::string& name) {
    static const std::pair<const char*, ReportFault> kinds[] = {{"silence", ReportFault::silence},
                                                                {"garbage", ReportFault::garbage},
                                                                {"wrong_types", ReportFault::wrong_types},
                                                                {"partial", ReportFault::partial},
                                                                {"burst", ReportFault::burst}};
    for (const auto& [text, kind] : kinds) {
        if (name == text) {
            return kind;
        }
    }
    return std::nullopt;
}

MqttJsonCharger::MqttJsonCharger(Executor& executor, evhil::mqtt::MqttClient& client, physics::Ev& ev,
                                 MqttJsonChargerSettings settings)
    : executor_(executor),
      client_(client),
      settings_(std::move(settings)),
      ev_(ev),
      set_current_a_(settings_.initial_current_a) {}

MqttJsonCharger::~MqttJsonCharger() {
    stop();
}

void MqttJsonCharger::start() {
    if (running_) {
        return;
    }
    running_ = true;
    if (!settings_.command_topic.empty()) {
        subscriptions_.push_back(client_.subscribe(settings_.command_topic, 1,
                                                   [this](const evhil::mqtt::MqttMessage& m) { on_command(m); }));
    }
    if (!settings_.venus_portal.empty()) {
        std::string base =
            "N/" + settings_.venus_portal + "/evcharger/" + std::to_string(settings_.venus_instance) + "/";
        for (const char* path : {"SetCurrent", "StartStop"}) {
            subscriptions_.push_back(client_.subscribe(
                base + path, 0, [this, path](const evhil::mqtt::MqttMessage& m) { on_venus(path, m); }));
        }
        client_.add_connected_listener([this] { keep_gx_alive(true); });
        // The bridge says N/<portal>/keepalive = 1 when it (re)starts and knows no client: ask for the whole tree
        // again, or a charger that connected first would wait for its values until they change.
        subscriptions_.push_back(client_.subscribe("N/" + settings_.venus_portal + "/keepalive", 0,
                                                   [this](const evhil::mqtt::MqttMessage&) { keep_gx_alive(true); }));
        keepalive_timer_ = executor_.schedule_every(std::chrono::seconds(30), [this] { keep_gx_alive(false); });
    }
    report_timer_ = executor_.schedule_every(settings_.interval, [this] { publish_report(); });
    client_.start();
}

void MqttJsonCharger::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    for (auto* timer : {&report_timer_, &keepalive_timer_}) {
        if (*timer) {
            executor_.cancel(**timer);
            timer->reset();
        }
    }
    for (auto id : subscriptions_) {
        client_.unsubscribe(id);
    }
    subscriptions_.clear();
}

// The first keep-alive asks for the whole tree (so SetCurrent and StartStop arrive); the later ones only keep the
// bridge publishing, as Victron recommends.
void MqttJsonCharger::keep_gx_alive(bool first) {
    client_.publish("R/" + settings_.venus_portal + "/keepalive",
                    first ? "" : R"({"keepalive-options": ["suppress-republish"]})");
}

void MqttJsonCharger::step(Duration dt) {
    const double offer = offered_current_a();
    ev_.set_pilot(offer >= 6.0 ? physics::duty_cycle_for_current(offer) : 0.0, ev_.settings().phases);
    ev_.step(dt, settings_.voltage_v);
}

int MqttJsonCharger::status_code() const {
    if (!ev_.plugged_in()) {
        return 0;
    }
    if (ev_.power_w() > 0) {
        return 2;
    }
    if (ev_.full()) {
        return 3;
    }
    return enabled_ ? 1 : 6;  // connected, or waiting for start
}

std::string MqttJsonCharger::report_json() const {
    const double power = std::round(ev_.power_w());
    nlohmann::json ac{{"Power", power}, {"Energy", {{"Forward", std::round(ev_.energy_received_kwh() * 1000) / 1000}}}};
    const int phases = ev_.power_w() > 0 ? ev_.active_phases() : ev_.settings().phases;
    for (int i = 1; i <= 3; ++i) {
        if (i <= phases) {
            ac["L" + std::to_string(i)] = {{"Power", std::round(power / phases)}};
        }
    }
    nlohmann::json report{{"Ac", ac},
                          {"MaxCurrent", settings_.max_current_a},
                          {"SetCurrent", set_current_a_},
                          {"StartStop", enabled_ ? 1 : 0},
                          {"Model", settings_.model}};
    if (settings_.send_status) {
        report["Status"] = status_code();
    }
    if (settings_.send_current) {
        report["Current"] = std::round(ev_.current_a() * 10) / 10;
    }
    return report.dump();
}

void MqttJsonCharger::publish_report() {
    switch (fault_) {
        case ReportFault::silence:
            return;
        case ReportFault::garbage:
            client_.publish(settings_.topic, "{\"Ac\": {\"Power\": 73");
            return;
        case ReportFault::wrong_types:
            client_.publish(settings_.topic, R"({"Ac": {"Power": "7360 W"}, "Status": "charging"})");
            return;
        case ReportFault::partial:
            client_.publish(settings_.topic, nlohmann::json{{"Ac", {{"Power", std::round(ev_.power_w())}}}}.dump());
            ++reports_;
            return;
        case ReportFault::burst:
            for (int i = 0; i < settings_.burst_count; ++i) {
                client_.publish(settings_.topic, report_json());
                ++reports_;
            }
            return;
        case ReportFault::none:
            break;
    }
    if (client_.publish(settings_.topic, report_json())) {
        ++reports_;
    }
}

void MqttJsonCharger::on_command(const evhil::mqtt::MqttMessage& message) {
    nlohmann::json command = nlohmann::json::parse(message.payload, nullptr, false);
    if (!command.is_object()) {
        return;  // a real charger ignores what it cannot read
    }
    ++commands_;
    if (command.contains("SetCurrent") && command["SetCurrent"].is_number()) {
        set_current_a_ = std::clamp(command["SetCurrent"].get<double>(), 0.0, settings_.max_current_a);
    }
    if (command.contains("StartStop") && command["StartStop"].is_number()) {
        enabled_ = command["StartStop"].get<double>() != 0;
    }
}

void MqttJsonCharger::on_venus(const std::string& path, const evhil::mqtt::MqttMessage& message) {
    nlohmann::json payload = nlohmann::json::parse(message.payload, nullptr, false);
    if (!payload.is_object() || !payload.contains("value") || !payload["value"].is_number()) {
        return;  // an empty payload: the service left the GX
    }
    ++commands_;
    const double value = payload["value"].get<double>();
    if (path == "SetCurrent") {
        set_current_a_ = std::clamp(value, 0.0, settings_.max_current_a);
    } else {
        enabled_ = value != 0;
    }
}

}  // namespace evhil::sim::mqtt_json
