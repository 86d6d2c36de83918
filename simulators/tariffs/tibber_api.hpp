#pragma once
// api.tibber.com's price part as the price clients use it (Tibber's public GraphQL API, developer.tibber.com):
// POST /v1-beta/gql with `Authorization: Bearer <token>` and a JSON body {"query": ..., "variables": {...}}, answering
//
//   { viewer { homes { id currentSubscription { priceInfo { current {...} today {...} tomorrow {...} } } } } }
//   { viewer { home(id: $homeId) { currentSubscription { priceInfo(resolution: QUARTER_HOURLY) { today {...} } } } } }
//   ... priceInfo { range(resolution: QUARTER_HOURLY, first: 96) { nodes { total startsAt level } } }
//
// with the fields asked for among total, energy, tax, startsAt (ISO 8601 with the home's UTC offset), level (against
// the day's average, tibber_level) and currency. today and tomorrow come at the prices' slot length unless priceInfo
// names a resolution (HOURLY or QUARTER_HOURLY); tomorrow is [] until the publication hour.
//
// Refusals: a missing or wrong token is 401, a body that is not JSON with a "query" is 400, a query this simulator
// cannot parse or that names an unknown field is 400 with GraphQL `errors`; an unknown home id is 200 with
// "home": null and an error, as GraphQL reports a field that failed. Faults (tariff_faults.hpp) apply to every answer.
//
// Run standalone with `evhil sim tibber` (standalone.hpp). Covered by tests/unit/tibber_api_test.cpp and
// tests/cli/sim_tariffs_test.sh.

#include <string>
#include <vector>

#include "drivers/transport/http/http_types.hpp"
#include "simulators/tariffs/price_generator.hpp"
#include "simulators/tariffs/tariff_faults.hpp"

namespace evhil::sim::tariffs {

struct TibberHome {
    std::string id;
    std::string nickname;  // appNickname
};

struct TibberSettings {
    std::string token = "evhil-tibber-token";
    std::vector<TibberHome> homes{{"8a3e5c1f-7b2d-4e6a-9c0b-1d2f3a4b5c6d", "Home"}};
    PriceSettings prices;  // the home's time zone is prices.timezone
    // Local hour from which tomorrow's prices are answered. UNCONFIRMED: "about 13:00 CET" is what client code and
    // forums say; no primary source was checked (tariffs.md 1.3).
    int publish_hour = 13;
};

class TibberApi {
public:
    static constexpr const char* path = "/v1-beta/gql";

    // Throws std::invalid_argument for bad price settings (PriceGenerator) or a publish hour outside 0-24.
    explicit TibberApi(TibberSettings settings);

    SimAnswer handle(const http::HttpRequest& request, TimePoint now) const;

    // Whether `now` is past the publication hour of the local day it falls on.
    bool tomorrow_published(TimePoint now) const;
    const TibberSettings& settings() const { return settings_; }
    const PriceGenerator& prices() const { return prices_; }
    TariffFaults& faults() { return faults_; }

private:
    SimAnswer answer(const http::HttpRequest& request, TimePoint now) const;

    TibberSettings settings_;
    PriceGenerator prices_;
    TariffFaults faults_;
};

}  // namespace evhil::sim::tariffs
