#pragma once
// Every change of a controller's mind as a report event with its reason: a start, a stop, a new status (Low SOC,
// Waiting for sun), and prices going missing and coming back. The runner hands each line to its event list.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "drivers/station/station.hpp"
#include "harness/devices/tariffs/tariff_rig.hpp"

namespace evhil::harness {

class DecisionEvents {
public:
    using Record = std::function<void(const std::string& text)>;
    // `tariff` may be null (a run without prices). Listens to the station from now on.
    DecisionEvents(station::Station& station, const TariffRig* tariff, Executor& executor, Record record);

private:
    void on_status(const station::Station::Charger& charger);

    const TariffRig* tariff_;
    Executor& executor_;
    Record record_;
    std::map<std::string, std::optional<std::pair<bool, int>>> last_;  // per charger: enabled, status
    bool prices_missing_ = false;
};

}  // namespace evhil::harness
