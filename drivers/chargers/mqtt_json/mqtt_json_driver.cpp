#include "drivers/chargers/mqtt_json/mqtt_json_driver.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "drivers/core/log.hpp"
#include "drivers/transport/mqtt/topic_filter.hpp"

namespace evhil::mqtt_json {
namespace {

using namespace std::chrono_literals;
using chargers::VehicleState;

// The original's STOP_CHARGING_COUNTER_AFTER: without a Status, this long at 0 W ends the session.
constexpr Duration power_gone_after = 300s;

// The vehicle state behind an evcharger /Status code (section 2.4 of the Venus facts).
VehicleState vehicle_for_status(int status, bool drawing) {
    switch (status) {
        case 0:
            return VehicleState::A;
        case 2:
            return VehicleState::C;
        case 1:
        case 3:
        case 4:
        case 5:
        case 6:
        case 7:
            return VehicleState::B;
        default:
            break;
    }
    if (status >= 8 && status <= 14) {
        return VehicleState::F;  // a test error or a protection tripped
    }
    return drawing ? VehicleState::C : VehicleState::B;  // 20-24: limit, starting, phase switching, stopping
}

}  // namespace

const std::vector<std::string>& mqtt_json_driver_setting_keys() {
    static const std::vector<std::string> keys{"topic", "command_topic", "command_retain", "timeout", "voltage"};
    return keys;
}

MqttJsonDriverSettings parse_mqtt_json_driver_settings(const ConfigNode& node) {
    node.expect_map();
    node.allow_keys(mqtt_json_driver_setting_keys());
    MqttJsonDriverSettings s;
    if (auto topic = node.optional("topic")) {
        s.topic = topic->as_string();
        if (auto error = mqtt::topic_filter_error(s.topic)) {
            topic->fail(*error);
        }
    }
    if (auto command = node.optional("command_topic")) {
        s.command_topic = command->as_string();
        if (auto error = mqtt::topic_name_error(s.command_topic)) {
            command->fail(*error);
        }
    }
    s.command_retain = node.get_bool("command_retain", s.command_retain);
    s.timeout = node.get_duration("timeout", s.timeout, 0s, 24h);
    s.voltage_v = node.get_double("voltage", s.voltage_v, 50, 500);
    return s;
}

MqttJsonDriver::MqttJsonDriver(Executor& executor, mqtt::MqttClient& client, MqttJsonDriverSettings settings,
                               std::string name)
    : executor_(executor), client_(client), settings_(std::move(settings)), name_(std::move(name)) {
    status_.available = true;
    client_.add_connected_listener([this, alive = std::weak_ptr<int>(alive_)] {
        if (!alive.expired() && running_ && commanded_) {
            send_command();  // a broker that restarted has lost the retained command
        }
    });
}

MqttJsonDriver::~MqttJsonDriver() {
    stop();
}

void MqttJsonDriver::start() {
    if (running_) {
        return;
    }
    running_ = true;
    health_.state = chargers::DriverState::connecting;
    subscription_ = client_.subscribe(settings_.topic, 1, [this](const mqtt::MqttMessage& m) { on_message(m); });
    timeout_timer_ = executor_.schedule_every(1s, [this] { check_timeout(); });
    client_.start();
}

void MqttJsonDriver::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    if (subscription_) {
        client_.unsubscribe(*subscription_);
        subscription_.reset();
    }
    if (timeout_timer_) {
        executor_.cancel(*timeout_timer_);
        timeout_timer_.reset();
    }
    health_.state = chargers::DriverState::stopped;
}

void MqttJsonDriver::log_refusal(const std::string& reason) {
    if (logged_reasons_.insert(reason).second) {
        log::get(name_)->warn("{}: refused {} (logged once; counted after this)", settings_.topic, reason);
    }
}

void MqttJsonDriver::on_message(const mqtt::MqttMessage& message) {
    if (suspended_ || !running_) {
        return;
    }
    ++counters_.messages;
    ParsedMessage parsed = parse_charger_message(message.payload);
    for (const std::string& reason : parsed.refused) {
        log_refusal(reason);
    }
    counters_.refused_keys += parsed.accepted ? parsed.refused.size() : 0;
    if (!parsed.accepted) {
        counters_.refused_messages += parsed.refused.empty() ? 0 : 1;
        return;  // the last good state stands, and silence goes on counting towards the timeout
    }
    ++counters_.accepted;
    merge_into(report_, parsed.values);
    bool was_running = health_.state == chargers::DriverState::running;
    last_data_ = executor_.now();
    health_.state = chargers::DriverState::running;
    ++health_.counters.requests;
    if (!was_running) {
        ++health_.counters.connects;
        log::get(name_)->info("data on {} from {}", settings_.topic, client_.describe());
    }
    refresh();
}

void MqttJsonDriver::check_timeout() {
    if (suspended_ || settings_.timeout == Duration::zero() || !last_data_ ||
        health_.state != chargers::DriverState::running) {
        return;
    }
    if (executor_.now() - *last_data_ <= settings_.timeout) {
        return;
    }
    ++counters_.timeouts;
    ++health_.counters.timeouts;
    health_.state = chargers::DriverState::connecting;
    status_.connected = false;
    status_.valid = false;
    log::get(name_)->warn("no data on {} for {}: the charger shows as disconnected until data comes again",
                          settings_.topic, format_duration(settings_.timeout));
    if (on_update_) {
        on_update_();
    }
}

void MqttJsonDriver::refresh() {
    const TimePoint now = executor_.now();
    const double power = report_.number("Ac.Power").value_or(0);
    status_.valid = true;
    status_.connected = true;
    status_.power_w = power;
    status_.energy_wh = report_.number("Ac.Energy.Forward").value_or(0) * 1000.0;
    status_.station_max_current_a = report_.number("MaxCurrent").value_or(0);
    auto model = report_.texts.find("Model");
    status_.model = model == report_.texts.end() ? "" : model->second;

    static const char* const phase_keys[] = {"Ac.L1.Power", "Ac.L2.Power", "Ac.L3.Power"};
    int reported_phases = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        auto phase_power = report_.number(phase_keys[i]);
        status_.phases.at(i) = {};
        if (phase_power) {
            ++reported_phases;
            status_.phases.at(i).power_w = *phase_power;
            status_.phases.at(i).voltage_v = settings_.voltage_v;
        }
    }
    status_.phase_count = reported_phases == 3 ? 3 : (reported_phases == 1 ? 1 : 0);
    // The original's rule: the power over the voltage, by 3 with three phases reported, by 2 with two.
    const int sharing = reported_phases >= 2 ? reported_phases : 1;
    const double current = report_.number("Current").value_or(power / settings_.voltage_v / sharing);
    for (std::size_t i = 0; i < 3; ++i) {
        bool carries = reported_phases == 0 ? i == 0 : report_.number(phase_keys[i]).has_value();
        if (carries) {
            status_.phases.at(i).current_a = current;
        }
    }
    status_.applied_current_a = current;

    const bool drawing = power > 0;
    if (auto code = report_.number("Status")) {
        status_.vehicle = vehicle_for_status(static_cast<int>(*code), drawing);
        status_.charging = *code == 2 || (status_.vehicle == VehicleState::C && drawing);
    } else {
        // No Status: the original's local count, as a session: it starts with power and ends 300 s after it stops.
        if (drawing) {
            power_stopped_.reset();
            vehicle_seen_ = true;
        } else if (!power_stopped_) {
            power_stopped_ = now;
        }
        bool gone = !vehicle_seen_ || (power_stopped_ && now - *power_stopped_ > power_gone_after);
        if (gone) {
            vehicle_seen_ = false;
        }
        status_.vehicle = drawing ? VehicleState::C : (gone ? VehicleState::A : VehicleState::B);
        status_.charging = drawing;
    }
    session_.update(status_.vehicle_connected(), status_.energy_wh, now);
    if (auto charging_time = report_.number("ChargingTime"); charging_time && session_.active) {
        session_.duration_s = *charging_time;
    }
    if (on_update_) {
        on_update_();
    }
}

void MqttJsonDriver::command(const chargers::ChargeCommand& command) {
    if (suspended_) {
        return;
    }
    bool changed = !commanded_ || commanded_->current_a != command.current_a || commanded_->phases != command.phases;
    commanded_ = command;
    if (changed) {
        send_command();
    }
}

void MqttJsonDriver::send_command() {
    if (settings_.command_topic.empty() || !commanded_) {
        command_pending_ = false;
        return;
    }
    const double amps = std::max(0.0, commanded_->current_a);  // this format has no discharging
    nlohmann::json payload{{"SetCurrent", std::round(amps * 10) / 10}, {"StartStop", amps > 0 ? 1 : 0}};
    if (commanded_->phases != 0) {
        payload["Phases"] = commanded_->phases;
    }
    if (settings_.command_retain) {
        // Owned retained state: the client sends it again after every reconnect, to a broker that lost it too.
        client_.retain(settings_.command_topic, payload.dump(), 1);
        command_pending_ = !client_.connected();
    } else {
        command_pending_ = !client_.publish(settings_.command_topic, payload.dump(), 1, false);
    }
    if (!command_pending_) {
        ++counters_.commands_sent;
        ++health_.counters.writes;
    }
}

}  // namespace evhil::mqtt_json
