#include "harness/devices/gx/gx_gui.hpp"

#include <limits>

namespace evhil::harness {

namespace {
constexpr double unknown = std::numeric_limits<double>::quiet_NaN();
}

void GxGui::follow(const std::string& service, const std::vector<std::string>& paths) {
    auto& followed = services_[service];
    for (const auto& path : paths) {
        followed.values.emplace(path, unknown);
    }
}

void GxGui::start() {
    for (auto& [service, followed] : services_) {
        followed.present = false;
        const std::string name = service;
        bus_.watch(name, [this, name](const std::string& path, const venus::ItemState& state) {
            auto& values = services_.at(name).values;
            auto it = values.find(path);
            if (it != values.end()) {
                it->second = number(state.value);
                ++signals_;
            }
        });
        bus_.watch_owner(name, [this, name](bool present) {
            auto& f = services_.at(name);
            bool appeared = present && !f.present;
            f.present = present;
            ++f.epoch;
            if (appeared) {
                read_all(name);
            } else if (!present) {
                for (auto& [path, value] : f.values) {
                    value = unknown;
                }
            }
        });
    }
}

void GxGui::read_all(const std::string& service) {
    auto epoch = services_.at(service).epoch;
    for (const auto& [path, value] : services_.at(service).values) {
        bus_.get_value(service, path,
                       [this, service, path = path, epoch](std::optional<venus::BusValue> read,
                                                           const std::optional<std::string>& /*error*/) {
                           auto& f = services_.at(service);
                           if (f.epoch != epoch || !read) {
                               return;
                           }
                           f.values[path] = number(*read);
                           ++reads_;
                       });
    }
}

double GxGui::value(const std::string& service, const std::string& path) const {
    auto it = services_.find(service);
    if (it == services_.end()) {
        return unknown;
    }
    auto value = it->second.values.find(path);
    return value == it->second.values.end() ? unknown : value->second;
}

bool GxGui::present(const std::string& service) const {
    auto it = services_.find(service);
    return it != services_.end() && it->second.present;
}

void GxGui::set_value(const std::string& service, const std::string& path, const venus::BusValue& value,
                      venus::VenusBus::SetHandler done) {
    bus_.set_value(service, path, value, std::move(done));
}

double GxGui::number(const venus::BusValue& value) {
    double out = unknown;
    return venus::as_number(value, out) ? out : unknown;
}

}  // namespace evhil::harness
