#pragma once
// api.octopus.energy's unit-rate endpoint as the Agile clients use it (Octopus' public REST API, as
// docs/configuration.md's prices section uses it):
//
//   GET
//   /v1/products/{product}/electricity-tariffs/{tariff}/standard-unit-rates/?period_from=..&period_to=..&page_size=..
//
// answers {"count", "next", "previous", "results": [{value_exc_vat, value_inc_vat, valid_from, valid_to,
// payment_method: null}]} with half-hourly slots, prices in p/kWh (VAT 5 %), times in UTC ("...Z"), newest first and
// paginated: `next` and `previous` are absolute URLs on the configured base URL with page=N, as Django REST
// Framework builds them. A datetime without a zone is Europe/London time. The rates end with today (London) until the
// publication hour, and with tomorrow after it. Without period_from the list starts `history_days` before today (the
// real endpoint lists the product's whole history; a week is what a client looks at).
//
// Refusals: an unknown product or tariff is 404 {"detail": "No EnergyProduct matches the given query."}, a malformed
// period_from/period_to (or one outside 2000-2099) is 400 naming the field, a page past the last is 404 {"detail":
// "Invalid page."}, another method than GET is 405. Faults (tariff_faults.hpp) apply to every answer.
//
// Run standalone with `evhil sim octopus` (standalone.hpp). Covered by tests/unit/octopus_api_test.cpp and
// tests/cli/sim_tariffs_test.sh.

#include <optional>
#include <string>

#include "drivers/transport/http/http_types.hpp"
#include "simulators/tariffs/price_generator.hpp"
#include "simulators/tariffs/tariff_faults.hpp"

namespace evhil::sim::tariffs {

// Agile-like prices: half-hourly in Europe/London, about 20 p/kWh before VAT.
PriceSettings agile_prices();

struct OctopusSettings {
    std::string product = "AGILE-24-10-01";
    std::string tariff = "E-1R-AGILE-24-10-01-C";
    std::string base_url = "https://api.octopus.energy";  // what `next` and `previous` start with
    PriceSettings prices = agile_prices();                // value_exc_vat is a slot's energy part
    double vat_rate = 0.05;
    // Local (prices.timezone) hour from which tomorrow's rates are listed. UNCONFIRMED: the 16:00 UK time that Agile
    // users report; not checked against an Octopus source.
    int publish_hour = 16;
    int history_days = 7;
    // Default 100 and maximum 1500 results a page. UNCONFIRMED: a third-party claim (tariffs.md 2.3).
    int default_page_size = 100;
    int max_page_size = 1500;
};

class OctopusApi {
public:
    // Throws std::invalid_argument for bad price settings (PriceGenerator) or a publish hour outside 0-24.
    explicit OctopusApi(OctopusSettings settings);

    SimAnswer handle(const http::HttpRequest& request, TimePoint now) const;

    // "/v1/products/P/electricity-tariffs/T/standard-unit-rates/"
    std::string rates_path() const;
    // The end of the last published slot at `now`: the end of today (local), or of tomorrow after the publish hour.
    TimePoint published_until(TimePoint now) const;
    // The standalone simulator learns its port only once it listens.
    void set_base_url(std::string base_url) { settings_.base_url = std::move(base_url); }
    const OctopusSettings& settings() const { return settings_; }
    const PriceGenerator& prices() const { return prices_; }
    TariffFaults& faults() { return faults_; }

private:
    SimAnswer answer(const http::HttpRequest& request, TimePoint now) const;
    // An ISO 8601 datetime as the endpoint reads it; nullopt when it is not one.
    std::optional<TimePoint> parse_datetime(const std::string& text) const;

    OctopusSettings settings_;
    PriceGenerator prices_;
    TariffFaults faults_;
};

}  // namespace evhil::sim::tariffs
