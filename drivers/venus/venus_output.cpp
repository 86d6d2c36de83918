#include "drivers/venus/venus_output.hpp"

#include "drivers/core/log.hpp"

namespace evhil::venus {
namespace {
auto logger() {
    return log::get("venus");
}
}  // namespace

VenusOutput::VenusOutput(Executor& executor, VenusBus& bus, station::Station& station,
                         const std::vector<std::pair<std::string, EvchargerSettings>>& chargers,
                         const std::string& process_version, Rng rng, BackoffSettings backoff)
    : executor_(executor), bus_(bus), backoff_(backoff, rng) {
    for (const auto& [id, settings] : chargers) {
        services_.push_back(std::make_unique<EvchargerService>(bus, station, id, settings, process_version));
    }
    bus_.on_lost = [this](const std::string& reason) {
        published_ = false;
        retry(reason);
    };
}

VenusOutput::~VenusOutput() {
    stop();
    bus_.on_lost = nullptr;
}

void VenusOutput::start() {
    if (running_) {
        return;
    }
    running_ = true;
    attempt();
}

void VenusOutput::stop() {
    running_ = false;
    published_ = false;
    generation_ = std::make_shared<int>(0);
    if (retry_timer_) {
        executor_.cancel(*retry_timer_);
        retry_timer_.reset();
    }
    for (auto& service : services_) {
        service->withdraw();
    }
    bus_.disconnect();
}

void VenusOutput::attempt() {
    if (!running_) {
        return;
    }
    ++attempts_;
    auto generation = std::weak_ptr<int>(generation_);
    if (bus_.connected()) {
        claim_instances();
        return;
    }
    bus_.connect([this, generation](std::optional<std::string> error) {
        if (generation.expired()) {
            return;
        }
        if (error) {
            retry(*error);
            return;
        }
        claim_instances();
    });
}

// As a Venus service does before it registers: each charger's VRM instance through the settings service
// (localsettings' AddSettings on ClassAndVrmInstance), which keeps instances unique per class across every device
// the GX has seen. Without a settings service on the bus (a bare dbus-daemon) the configured instances stand.
void VenusOutput::claim_instances() {
    std::vector<SettingDefinition> claims;
    for (const auto& service : services_) {
        claims.push_back({service->instance_setting_path(), service->instance_claim(), std::nullopt, std::nullopt});
    }
    auto generation = std::weak_ptr<int>(generation_);
    bus_.add_settings(
        settings_service, claims,
        [this, generation](std::optional<std::vector<SettingResult>> results, const std::optional<std::string>& error) {
            if (generation.expired()) {
                return;
            }
            if (!results) {
                if (!warned_no_settings_) {
                    logger()->info("no VRM instances claimed ({}): the configured ones are used",
                                   error.value_or("no answer"));
                    warned_no_settings_ = true;
                }
                publish_all();
                return;
            }
            for (std::size_t i = 0; i < services_.size() && i < results->size(); ++i) {
                apply_claim(*services_[i], (*results)[i]);
            }
            publish_all();
        });
}

void VenusOutput::apply_claim(EvchargerService& service, const SettingResult& result) {
    const auto* text = std::get_if<std::string>(&result.value);
    auto colon = text == nullptr ? std::string::npos : text->find(':');
    if (result.error != 0 || colon == std::string::npos) {
        logger()->warn("{}: the settings service answered error {} for {}; the configured instance is used",
                       service.bus_name(), result.error, service.instance_setting_path());
        return;
    }
    try {
        service.set_device_instance(std::stoll(text->substr(colon + 1)));
    } catch (const std::exception&) {
        logger()->warn("{}: the settings service holds '{}' for {}; the configured instance is used",
                       service.bus_name(), *text, service.instance_setting_path());
    }
}

void VenusOutput::publish_all() {
    auto generation = std::weak_ptr<int>(generation_);
    auto pending = std::make_shared<std::size_t>(services_.size());
    auto failure = std::make_shared<std::optional<std::string>>();
    for (auto& service : services_) {
        service->publish([this, generation, pending, failure](const std::optional<std::string>& error) {
            if (generation.expired()) {
                return;
            }
            if (error && !*failure) {
                *failure = error;
            }
            if (--*pending > 0) {
                return;
            }
            if (*failure) {
                // A taken name: let go of everything and try again, so that all chargers come back together.
                for (auto& s : services_) {
                    s->withdraw();
                }
                retry(**failure);
                return;
            }
            published_ = true;
            backoff_.reset();
            for (const auto& s : services_) {
                logger()->info("published {} (device instance {}) on {}", s->bus_name(),
                               std::get<std::int64_t>(s->tree().value("/DeviceInstance")), bus_.describe());
            }
        });
    }
}

void VenusOutput::retry(const std::string& reason) {
    if (!running_) {
        return;
    }
    generation_ = std::make_shared<int>(0);  // what the failed attempt still has in flight is dropped
    if (retry_timer_) {
        executor_.cancel(*retry_timer_);
    }
    auto delay = backoff_.next_delay();
    logger()->warn("{}; trying again in {:.1f} s", reason, to_seconds(delay));
    retry_timer_ = executor_.schedule_after(delay, [this] {
        retry_timer_.reset();
        attempt();
    });
}

}  // namespace evhil::venus
