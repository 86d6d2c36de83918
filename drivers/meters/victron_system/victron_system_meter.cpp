#include "drivers/meters/victron_system/victron_system_meter.hpp"

#include <array>
#include <map>

#include <fmt/format.h>

#include "drivers/core/log.hpp"

namespace evhil::meters {
namespace {

auto logger() {
    return log::get("meter.victron");
}

}  // namespace

VictronSystemMeter::VictronSystemMeter(Executor& executor, venus::VenusBus& bus, Rng rng)
    : executor_(executor), bus_(bus), backoff_({std::chrono::seconds(1), std::chrono::seconds(30), 2.0, 0.2}, rng) {}

VictronSystemMeter::~VictronSystemMeter() {
    stop();
}

void VictronSystemMeter::start() {
    if (running_) {
        return;
    }
    running_ = true;
    bus_.on_lost = [this, alive = std::weak_ptr<int>(alive_)](const std::string& reason) {
        if (!alive.expired()) {
            lost(reason);
        }
    };
    connect();
}

void VictronSystemMeter::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    alive_ = std::make_shared<int>(0);
    if (retry_) {
        executor_.cancel(*retry_);
        retry_.reset();
    }
    bus_.disconnect();
}

void VictronSystemMeter::connect() {
    bus_.connect([this, alive = std::weak_ptr<int>(alive_)](const std::optional<std::string>& error) {
        if (alive.expired()) {
            return;
        }
        if (error) {
            lost(*error);
            return;
        }
        backoff_.reset();
        follow(system_);
        follow(settings_);
    });
}

void VictronSystemMeter::lost(const std::string& reason) {
    for (auto* source : {&system_, &settings_}) {
        source->present = false;
        source->read = false;
        ++source->epoch;
    }
    auto delay = backoff_.next_delay();
    logger()->warn("the GX's bus: {}; again in {:.1f} s", reason, to_seconds(delay));
    retry_ = executor_.schedule_after(delay, [this, alive = std::weak_ptr<int>(alive_)] {
        if (!alive.expired()) {
            retry_.reset();
            connect();
        }
    });
}

void VictronSystemMeter::follow(Source& source) {
    bus_.watch(source.name, [this, &source](const std::string& path, const venus::ItemState& state) {
        double number = 0;
        if (venus::as_number(state.value, number)) {
            source.values[path] = number;
        } else {
            source.values.erase(path);
        }
        ++updates_;
    });
    bus_.watch_owner(source.name, [this, &source](bool present) {
        source.present = present;
        source.read = false;
        ++source.epoch;
        if (present) {
            read(source);
        } else {
            source.values.clear();
        }
    });
}

void VictronSystemMeter::read(Source& source) {
    bus_.get_items(source.name, [this, &source, epoch = source.epoch, alive = std::weak_ptr<int>(alive_)](
                                    std::optional<std::map<std::string, venus::ItemState>> items,
                                    const std::optional<std::string>& error) {
        if (alive.expired() || epoch != source.epoch) {
            return;
        }
        if (!items) {
            logger()->warn("cannot read {}: {}", source.name, error.value_or("no answer"));
            return;
        }
        for (const auto& [path, state] : *items) {
            double number = 0;
            if (venus::as_number(state.value, number)) {
                source.values[path] = number;
            }
        }
        source.read = true;
        ++updates_;
    });
}

std::optional<double> VictronSystemMeter::value(const Source& source, const std::string& path) const {
    auto found = source.values.find(path);
    return found == source.values.end() ? std::nullopt : std::optional(found->second);
}

double VictronSystemMeter::sum(const Source& source, const std::string& quantity) const {
    // The three paths of each quantity are made once: this runs on every control cycle (a simulated year: a million).
    thread_local std::map<std::string, std::array<std::string, 3>> paths;  // runs side by side on threads
    auto found = paths.find(quantity);
    if (found == paths.end()) {
        found = paths
                    .emplace(quantity, std::array<std::string, 3>{quantity + "/L1/Power", quantity + "/L2/Power",
                                                                  quantity + "/L3/Power"})
                    .first;
    }
    double total = 0;
    for (const auto& path : found->second) {
        total += value(source, path).value_or(0.0);
    }
    return total;
}

control::SiteReading VictronSystemMeter::reading() const {
    control::SiteReading site;
    site.valid = system_.present && system_.read;
    if (!site.valid) {
        return site;
    }
    site.pv_w = value(system_, "/Dc/Pv/Power").value_or(0.0) + sum(system_, "/Ac/PvOnOutput") +
                sum(system_, "/Ac/PvOnGrid") + sum(system_, "/Ac/PvOnGenset");
    site.consumption_w = sum(system_, "/Ac/Consumption");
    site.grid_w = sum(system_, "/Ac/Grid");
    site.battery_power_w = value(system_, "/Dc/Battery/Power");
    site.battery_soc = value(system_, "/Dc/Battery/Soc");
    site.min_soc = value(system_, "/Control/ActiveSocLimit");
    if (!site.min_soc) {
        auto battery_life = value(settings_, "/Settings/CGwacs/BatteryLife/SocLimit");
        auto user = value(settings_, "/Settings/CGwacs/BatteryLife/MinimumSocLimit");
        site.min_soc = battery_life && user ? std::max(*battery_life, *user) : battery_life ? battery_life : user;
    }
    return site;
}

}  // namespace evhil::meters
