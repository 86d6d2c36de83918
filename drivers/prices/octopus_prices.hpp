#pragma once
// Octopus Energy's unit rates (tariffs.md 2): GET .../products/{product}/electricity-tariffs/{tariff}/
// standard-unit-rates/ from today's midnight (UK time) to two days on, following `next` page by page (at most 20);
// results come newest first. Prices are `value_inc_vat` in pence per kWh; Agile's slots are half-hourly. Product
// endpoints are public: no API key is sent (an account's own endpoints, which would need one, are not used).
//
// Covered by tests/unit/price_clients_test.cpp (against simulators/tariffs/octopus_api.hpp) and scenarios/prices/.

#include "drivers/prices/price_api.hpp"

namespace evhil::prices {

struct OctopusClientSettings {
    std::string url = "https://api.octopus.energy";  // the API's base
    std::string product = "AGILE-24-10-01";
    std::string tariff = "E-1R-AGILE-24-10-01-C";
};

class OctopusPrices final : public PriceApi {
public:
    explicit OctopusPrices(OctopusClientSettings settings);
    std::string name() const override { return "Octopus"; }
    void fetch(http::HttpPort& port, TimePoint now, Done done) override;

    http::HttpRequest first_request(TimePoint now) const;
    // One page: its slots, and the path and query of the next page (empty on the last). Throws std::runtime_error.
    struct Page {
        std::vector<control::PriceSlot> slots;
        std::string next;
    };
    Page parse(const http::HttpResponse& response) const;

private:
    http::HttpRequest request_for(std::string target) const;
    void fetch_page(http::HttpPort& port, std::string target, std::vector<control::PriceSlot> so_far, int page,
                    Done done);

    OctopusClientSettings settings_;
    std::string base_path_;
};

}  // namespace evhil::prices
