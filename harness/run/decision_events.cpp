#include "harness/run/decision_events.hpp"

#include <fmt/format.h>

namespace evhil::harness {

DecisionEvents::DecisionEvents(station::Station& station, const TariffRig* tariff, Executor& executor, Record record)
    : tariff_(tariff), executor_(executor), record_(std::move(record)) {
    station.on_status([this](const station::Station::Charger& charger) { on_status(charger); });
}

void DecisionEvents::on_status(const station::Station::Charger& charger) {
    const auto& decision = charger.decision;
    auto& last = last_[charger.config.id];
    const std::pair<bool, int> now{decision.enabled, static_cast<int>(decision.status)};
    if ((charger.solar || charger.schedule) && (!last || *last != now) && !decision.why.empty()) {
        record_(fmt::format("{}: {} ({})", charger.config.id, decision.enabled ? "charging" : "not charging",
                            decision.why));
    }
    last = now;
    if (tariff_ != nullptr) {
        const auto prices = tariff_->source().prices(executor_.now());
        if (prices.missing != prices_missing_) {
            record_(prices.missing ? "prices missing: " + prices.missing_why : "prices known again");
            prices_missing_ = prices.missing;
        }
    }
}

}  // namespace evhil::harness
