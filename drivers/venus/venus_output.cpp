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
        publish_all();
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
        publish_all();
    });
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
