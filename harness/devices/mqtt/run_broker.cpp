#include "harness/devices/mqtt/run_broker.hpp"

#include <fmt/format.h>

#include "drivers/transport/mqtt/in_process_broker.hpp"
#include "drivers/transport/mqtt/paho_transport.hpp"
#include "simulators/mqtt/mosquitto_broker.hpp"

namespace evhil::harness {

RunBroker::RunBroker(Executor& executor, const std::string& target, Rng rng)
    : executor_(executor), password_(fmt::format("{:016x}", rng.next_u64())) {
    if (target == "sim") {
        in_process_ = std::make_unique<mqtt::InProcessMqttBroker>(executor);
        in_process_->add_user(username_, password_);
    } else {
        sim::mqtt::MosquittoOptions options;
        options.users = {{username_, password_}};
        options.tls = true;
        mosquitto_ = std::make_unique<sim::mqtt::MosquittoBroker>(options);
    }
}

RunBroker::~RunBroker() = default;

std::unique_ptr<mqtt::MqttClient> RunBroker::client(mqtt::MqttSettings settings, Rng rng, const std::string& log_name,
                                                    std::uint16_t via_port) {
    settings.username = username_;
    settings.password = password_;
    if (in_process_) {
        return std::make_unique<mqtt::MqttClient>(executor_, in_process_->connection(), std::move(settings), rng,
                                                  log_name);
    }
    settings.host = "127.0.0.1";
    settings.tls = {};
    if (via_port != 0) {
        settings.port = via_port;
    } else {
        settings.port = mosquitto_->tls_port();
        settings.tls.enabled = true;
        settings.tls.ca_file = mosquitto_->certificates().ca_file;
    }
    return std::make_unique<mqtt::MqttClient>(executor_, std::make_unique<mqtt::PahoMqttTransport>(executor_),
                                              std::move(settings), rng, log_name);
}

std::uint16_t RunBroker::port() const {
    return mosquitto_ ? static_cast<std::uint16_t>(mosquitto_->port()) : 0;
}

void RunBroker::stop() {
    in_process_ ? in_process_->stop() : mosquitto_->stop();
    ++restarts_;
}

void RunBroker::start() {
    in_process_ ? in_process_->start() : mosquitto_->start();
}

bool RunBroker::set_fault(const std::string& fault, bool on) {
    if (fault == "broker_restart") {
        if (on) {
            stop();
            start();
        }
        return true;
    }
    if (fault == "broker_down") {
        on ? stop() : start();
        return true;
    }
    return false;
}

const std::vector<FaultSpec>& RunBroker::faults() {
    static const std::vector<FaultSpec> faults{
        {.name = "broker_restart",
         .owner = FaultSpec::Owner::link,
         .kind = FaultSpec::Kind::instant,
         .restores_link = true,
         .prompt_on = "restart the MQTT broker",
         .description = "the broker restarts: every client loses its connection, its session and the retained "
                        "messages"},
        {.name = "broker_down",
         .owner = FaultSpec::Owner::link,
         .kind = FaultSpec::Kind::sustained,
         .restores_link = true,
         .prompt_on = "stop the MQTT broker",
         .prompt_off = "start the MQTT broker again",
         .description = "the broker is gone until the fault ends, then starts with no state"},
    };
    return faults;
}

}  // namespace evhil::harness
