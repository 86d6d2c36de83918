#include "simulators/victron/evcharger_meter.hpp"

#include <algorithm>

namespace evhil::sim::victron {
namespace {
constexpr std::string_view evcharger_prefix = "com.victronenergy.evcharger.";
constexpr std::array<const char*, 3> phase_paths{"/Ac/L1/Power", "/Ac/L2/Power", "/Ac/L3/Power"};
}  // namespace

void EvchargerMeter::poll() {
    bus_.list_names([this](std::vector<std::string> names, const std::optional<std::string>& error) {
        if (error) {
            return;  // the bus is gone; the next poll tries again
        }
        std::erase_if(names, [](const std::string& n) { return n.rfind(evcharger_prefix, 0) != 0; });
        std::erase_if(readings_, [&names](const auto& entry) {
            return std::find(names.begin(), names.end(), entry.first) == names.end();
        });
        for (const auto& name : names) {
            readings_.try_emplace(name);
            for (std::size_t i = 0; i < phase_paths.size(); ++i) {
                bus_.get_value(
                    name, phase_paths[i],
                    [this, name, i](const std::optional<venus::BusValue>& value, const std::optional<std::string>&) {
                        auto it = readings_.find(name);
                        double watts = 0;
                        if (it != readings_.end()) {
                            // Invalid (the charger lost): nothing drawn that the meters could see.
                            it->second.phase_w[i] = value && venus::as_number(*value, watts) ? watts : 0.0;
                        }
                    });
            }
            bus_.get_value(
                name, "/Position",
                [this, name](const std::optional<venus::BusValue>& value, const std::optional<std::string>&) {
                    auto it = readings_.find(name);
                    double position = 1;
                    if (it != readings_.end() && value && venus::as_number(*value, position)) {
                        it->second.position =
                            position == 0 ? venus::AcPosition::ac_output : venus::AcPosition::ac_input;
                    }
                });
        }
    });
}

std::vector<EvLoad> EvchargerMeter::loads() const {
    std::vector<EvLoad> out;
    for (const auto& [name, reading] : readings_) {
        const auto& w = reading.phase_w;
        // Three phases when L2 or L3 carry power; otherwise everything is on L1.
        bool three = w[1] > 1.0 || w[2] > 1.0;
        out.push_back(EvLoad{w[0] + w[1] + w[2], three ? 3 : 1, reading.position});
    }
    return out;
}

std::vector<std::string> EvchargerMeter::chargers() const {
    std::vector<std::string> out;
    for (const auto& [name, reading] : readings_) {
        out.push_back(name);
    }
    return out;
}

}  // namespace evhil::sim::victron
