#pragma once
// The prices the controllers see: one price API asked over an HttpPort, its answer cached until the next slot
// boundary (hourly, half-hourly or quarter-hourly alike, and so tomorrow's prices are picked up within a slot of
// their publication), failures retried with back-off (60 s, doubling to 15 min, seeded jitter), the last good prices
// kept while they still cover now. When no price is known for now the controllers are told prices are missing and
// why, and Scheduled falls back to its windows (drivers/control/schedule_controller.hpp).
//
// Covered by tests/unit/price_clients_test.cpp and scenarios/prices/price-outage.yaml.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "drivers/control/price_source.hpp"
#include "drivers/core/backoff.hpp"
#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/prices/octopus_prices.hpp"
#include "drivers/prices/tibber_prices.hpp"

namespace evhil::prices {

// The `prices:` section of evchargerd's configuration (docs/configuration.md):
//   prices: {provider: tibber, token: "...", home_id: "...", resolution: quarter_hourly, feed_in_price: 0.07}
//   prices: {provider: octopus, product: AGILE-24-10-01, tariff: E-1R-AGILE-24-10-01-C}
// with url (the API's, https only), ca_file, insecure, timeout and retry for either.
struct PriceFeedConfig {
    std::string provider;  // tibber or octopus
    TibberClientSettings tibber;
    OctopusClientSettings octopus;
    http::HttpsSettings https;  // host and port from the URL
    BackoffSettings retry{std::chrono::seconds(60), std::chrono::minutes(15), 2.0, 0.1};
    std::optional<double> feed_in_price;  // per kWh, in the import prices' unit
};
// Throws ConfigError.
PriceFeedConfig parse_price_feed_config(const ConfigNode& node);
std::shared_ptr<PriceApi> make_price_api(const PriceFeedConfig& config);

class PriceFeed final : public control::PriceSource {
public:
    PriceFeed(Executor& executor, http::HttpPort& port, std::shared_ptr<PriceApi> api, const PriceFeedConfig& config,
              Rng rng);
    ~PriceFeed() override;
    PriceFeed(const PriceFeed&) = delete;
    PriceFeed& operator=(const PriceFeed&) = delete;

    void start();
    void stop();
    control::PriceInputs prices(TimePoint now) const override;

    std::uint64_t fetches() const { return fetches_; }
    std::uint64_t failures() const { return failures_; }
    const std::optional<control::PriceSeries>& series() const { return series_; }
    const std::optional<std::string>& last_error() const { return last_error_; }

private:
    void fetch();
    void on_answer(std::optional<control::PriceSeries> series, const std::string& error);
    void schedule(Duration delay);

    Executor& executor_;
    http::HttpPort& port_;
    std::shared_ptr<PriceApi> api_;
    std::optional<double> feed_in_price_;
    Backoff backoff_;
    std::optional<control::PriceSeries> series_;
    std::optional<std::string> last_error_;
    std::optional<TimePoint> failing_since_;
    Executor::TimerId timer_ = 0;
    bool running_ = false;
    bool in_flight_ = false;
    std::uint64_t fetches_ = 0;
    std::uint64_t failures_ = 0;
    // Answers posted after the feed is gone find this expired.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace evhil::prices
