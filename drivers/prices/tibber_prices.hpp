#pragma once
// Tibber's prices (tariffs.md 1): one GraphQL POST to https://api.tibber.com/v1-beta/gql with the personal token as a
// Bearer token, asking for today's and tomorrow's `total`, `startsAt` and `level` of the first home (or the home
// with `home_id`), hourly or quarter-hourly. `tomorrow` is empty until Tibber publishes it. Prices are in the
// home's currency per kWh, tax included.
//
// Covered by tests/unit/price_clients_test.cpp (against simulators/tariffs/tibber_api.hpp) and scenarios/prices/.

#include "drivers/prices/price_api.hpp"

namespace evhil::prices {

struct TibberClientSettings {
    std::string url = "https://api.tibber.com/v1-beta/gql";
    std::string token;
    std::string home_id;  // empty: the first home
    bool quarter_hourly = false;
};

class TibberPrices final : public PriceApi {
public:
    explicit TibberPrices(TibberClientSettings settings);
    std::string name() const override { return "Tibber"; }
    void fetch(http::HttpPort& port, TimePoint now, Done done) override;

    // The request, and the reading of an answer; public for the tests.
    http::HttpRequest request() const;
    // The series, or throws std::runtime_error with the reason.
    control::PriceSeries parse(const http::HttpResponse& response) const;

private:
    TibberClientSettings settings_;
    std::string path_;
};

}  // namespace evhil::prices
