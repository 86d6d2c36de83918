#pragma once
// The price API of a scenario (its tariff: section): a Tibber or Octopus simulator (simulators/tariffs/) and the
// station's price feed (drivers/prices/price_feed.hpp) asking it, as evchargerd asks the real API.
//
//   tariff: {provider: tibber, timezone: Europe/Berlin, resolution: 60m, seed: 3, publish_hour: 13,
//            hourly: [24 totals], feed_in_price: 0.08, retry: 60s}
//
// On sim the feed's HttpPort calls the simulator directly on the virtual clock (its delays and dropped connections
// as timers, the client's 15 s timeout included); on wire the simulator serves HTTPS on a loopback port with a
// throw-away CA's certificate and the feed uses the Beast client with that CA, as evchargerd would. Faults name the
// device `tariff`: outage (503), drop (the connection closes), slow (answers `delay` late), malformed (half the JSON).
// Signals: prices.price, prices.missing, prices.fetches, prices.failures, prices.average (of every price known), and
// the cost ledgers prices.ev_cost (every charger's energy at the import price), prices.ev_average (that per kWh) and
// prices.grid_cost (the grid's import at the import price).
//
// Covered by scenarios/prices/.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/prices/price_feed.hpp"
#include "harness/devices/rig.hpp"
#include "harness/scenario/faults.hpp"
#include "simulators/tariffs/octopus_api.hpp"
#include "simulators/tariffs/tibber_api.hpp"

namespace evhil::harness {

struct TariffSpec {
    std::string provider = "tibber";
    sim::tariffs::PriceSettings prices;
    int publish_hour = 13;
    std::optional<double> feed_in_price;
    Duration retry = std::chrono::seconds(60);
};
// Throws ConfigError.
TariffSpec parse_tariff_spec(const ConfigNode& node);

class TariffRig {
public:
    TariffRig(Executor& executor, const std::string& target, const TariffSpec& spec, Rng rng);
    ~TariffRig();
    TariffRig(const TariffRig&) = delete;
    TariffRig& operator=(const TariffRig&) = delete;

    static const std::vector<FaultSpec>& faults();
    // False for a fault it does not apply.
    bool set_fault(const Action& action, bool on);

    const control::PriceSource& source() const { return *feed_; }
    void start() { feed_->start(); }
    void stop();
    // Adds one physics step's energy to the cost ledgers.
    void step(Duration dt, double chargers_w, double grid_import_w);
    void add_signals(const SignalAdder& add);
    std::map<std::string, double> metrics() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    prices::PriceFeed* feed_ = nullptr;
};

}  // namespace evhil::harness
