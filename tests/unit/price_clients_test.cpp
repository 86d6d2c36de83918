// The price clients against the price API simulators, through an HttpPort on a virtual clock: the ISO 8601 times both
// APIs send, Tibber's GraphQL and Octopus' paginated REST end to end, the price feed's caching to the next slot
// boundary, its back-off and its cached prices during an outage, and the `prices:` configuration.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/prices/octopus_prices.hpp"
#include "drivers/prices/price_api.hpp"
#include "drivers/prices/price_feed.hpp"
#include "drivers/prices/tibber_prices.hpp"
#include "simulators/tariffs/octopus_api.hpp"
#include "simulators/tariffs/tibber_api.hpp"
#include "tests/unit/price_test_support.hpp"

namespace evhil::prices {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sim::tariffs::SimAnswer;
using sim::tariffs::TariffFault;
using sim::tariffs::TariffFaultKind;
using namespace price_test;

// ---- ISO 8601 -------------------------------------------------------------------------------------------------------

TEST(Iso8601, ReadsTibbersOffsetsAndOctopusZulu) {
    EXPECT_EQ(parse_iso8601("2026-06-21T13:00:00.000+02:00"), utc(2026, 6, 21, 11));
    EXPECT_EQ(parse_iso8601("2026-01-15T00:00:00.000+01:00"), utc(2026, 1, 14, 23));
    EXPECT_EQ(parse_iso8601("2025-01-01T23:30:00Z"), utc(2025, 1, 1, 23, 30));
    EXPECT_EQ(parse_iso8601("2026-06-21T13:00:00+02:00"), utc(2026, 6, 21, 11));
    EXPECT_EQ(parse_iso8601("2026-06-21T08:00:00.250Z"), utc(2026, 6, 21, 8) + 250ms);
}

TEST(Iso8601, RejectsAnythingElse) {
    for (const std::string text :
         {"2026-06-21 13:00", "2026-06-21T13:00:00Zjunk", "2026-06-21T13:00:00+02:00junk", "2026-06-21T13:00:00+02:00 ",
          "2026-06-21T13:00:00", "2026-06-21", "", "Z", "yesterday"}) {
        EXPECT_FALSE(parse_iso8601(text).has_value()) << "'" << text << "'";
    }
}

// ---- Tibber ---------------------------------------------------------------------------------------------------------

TEST(PriceClientTibber, TheRequestIsAGraphQLPostWithTheBearerToken) {
    TibberClientSettings settings = tibber_client("secret");
    settings.url = "https://localhost:8443/gql";
    auto request = TibberPrices(settings).request();
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/gql");
    EXPECT_EQ(request.headers["authorization"], "Bearer secret");
    EXPECT_EQ(request.headers["content-type"], "application/json");
    auto body = json::parse(request.body);
    ASSERT_TRUE(body["query"].is_string());
    const auto query = body["query"].get<std::string>();
    EXPECT_TRUE(contains(query, "homes")) << query;
    EXPECT_TRUE(contains(query, "today { total startsAt level }")) << query;
    EXPECT_TRUE(contains(query, "tomorrow { total startsAt level }")) << query;
    EXPECT_FALSE(contains(query, "QUARTER_HOURLY")) << query;

    settings.home_id = "home-2";
    settings.quarter_hourly = true;
    const auto single = json::parse(TibberPrices(settings).request().body)["query"].get<std::string>();
    EXPECT_TRUE(contains(single, "home(id: \"home-2\")")) << single;
    EXPECT_TRUE(contains(single, "priceInfo(resolution: QUARTER_HOURLY)")) << single;
}

TEST(PriceClientTibber, BeforeThePublicationHourOnlyToday) {
    TibberRig rig(berlin_before);
    auto shared_client = std::make_shared<TibberPrices>(tibber_client());
    auto& client = *shared_client;
    auto outcome = fetch_prices(client, rig.port, rig.executor);
    ASSERT_TRUE(outcome.prices) << outcome.error;
    EXPECT_EQ(rig.port.targets.size(), 1u);
    const auto& slots = outcome.prices->slots();
    ASSERT_EQ(slots.size(), 24u);
    EXPECT_EQ(outcome.prices->unit(), "EUR/kWh");
    for (std::size_t i = 0; i < slots.size(); ++i) {
        EXPECT_EQ(slots[i].start, berlin_midnight + std::chrono::hours(i)) << i;
        EXPECT_EQ(slots[i].end, slots[i].start + 1h) << i;
        EXPECT_NEAR(slots[i].price, berlin_totals[i], 1e-9) << i;
        EXPECT_TRUE(slots[i].level.has_value()) << i;
    }
    // One hour of each level against the day's average of 0.2492.
    EXPECT_EQ(slots[13].level, "VERY_CHEAP");      // 0.10
    EXPECT_EQ(slots[0].level, "CHEAP");            // 0.20
    EXPECT_EQ(slots[16].level, "NORMAL");          // 0.26
    EXPECT_EQ(slots[7].level, "EXPENSIVE");        // 0.34
    EXPECT_EQ(slots[19].level, "VERY_EXPENSIVE");  // 0.42
    EXPECT_EQ(outcome.prices->known_until(), utc(2026, 6, 21, 22));
}

TEST(PriceClientTibber, FromThePublicationHourTodayAndTomorrow) {
    TibberRig rig(berlin_after);
    auto shared_client = std::make_shared<TibberPrices>(tibber_client());
    auto& client = *shared_client;
    auto outcome = fetch_prices(client, rig.port, rig.executor);
    ASSERT_TRUE(outcome.prices) << outcome.error;
    const auto& slots = outcome.prices->slots();
    ASSERT_EQ(slots.size(), 48u);
    for (std::size_t i = 0; i < slots.size(); ++i) {
        EXPECT_EQ(slots[i].start, berlin_midnight + std::chrono::hours(i)) << i;
        EXPECT_EQ(slots[i].end, slots[i].start + 1h) << i;
        EXPECT_NEAR(slots[i].price, berlin_totals[i % 24], 1e-9) << i;
        EXPECT_TRUE(slots[i].level.has_value()) << i;
    }
    EXPECT_EQ(outcome.prices->known_until(), utc(2026, 6, 22, 22));
}

TEST(PriceClientTibber, QuarterHourlyIs96SlotsForToday) {
    TibberRig rig(berlin_before);
    TibberClientSettings settings = tibber_client();
    settings.quarter_hourly = true;
    auto shared_client = std::make_shared<TibberPrices>(settings);
    auto& client = *shared_client;
    auto outcome = fetch_prices(client, rig.port, rig.executor);
    ASSERT_TRUE(outcome.prices) << outcome.error;
    const auto& slots = outcome.prices->slots();
    ASSERT_EQ(slots.size(), 96u);
    for (std::size_t q = 0; q < slots.size(); ++q) {
        EXPECT_EQ(slots[q].start, berlin_midnight + std::chrono::minutes(15 * q)) << q;
        EXPECT_EQ(slots[q].end, slots[q].start + 15min) << q;
        EXPECT_NEAR(slots[q].price, berlin_totals[q / 4], 1e-9) << q;
    }
}

TEST(PriceClientTibber, ADaylightSavingDayHas25HourSlotsWithoutGaps) {
    // 25 October 2026: Berlin's clocks go back at 03:00 CEST, so 02:00-03:00 local happens twice and startsAt changes
    // its offset from +02:00 to +01:00 in the middle of the day.
    TibberRig rig(utc(2026, 10, 25, 8));
    auto shared_client = std::make_shared<TibberPrices>(tibber_client());
    auto& client = *shared_client;
    auto outcome = fetch_prices(client, rig.port, rig.executor);
    ASSERT_TRUE(outcome.prices) << outcome.error;
    const auto& slots = outcome.prices->slots();
    ASSERT_EQ(slots.size(), 25u);
    EXPECT_EQ(slots.front().start, utc(2026, 10, 24, 22));
    EXPECT_EQ(slots.back().end, utc(2026, 10, 25, 23));
    for (std::size_t i = 0; i + 1 < slots.size(); ++i) {
        EXPECT_EQ(slots[i].end, slots[i + 1].start) << i;
    }
    EXPECT_NEAR(slots[2].price, berlin_totals[2], 1e-9);  // 02:00 CEST
    EXPECT_NEAR(slots[3].price, berlin_totals[2], 1e-9);  // 02:00 CET, the same hour again
}

TEST(PriceClientTibber, AWrongTokenIsAnHttp401Error) {
    TibberRig rig(berlin_before);
    auto shared_client = std::make_shared<TibberPrices>(tibber_client("not-the-token"));
    auto& client = *shared_client;
    auto outcome = fetch_prices(client, rig.port, rig.executor);
    EXPECT_FALSE(outcome.prices);
    EXPECT_TRUE(contains(outcome.error, "401")) << outcome.error;
    EXPECT_TRUE(contains(outcome.error, "invalid token")) << outcome.error;  // the GraphQL error's message
}

TEST(PriceClientTibber, AnUnknownHomeIsAnErrorAndAKnownOneAnswers) {
    // 10:00 in Berlin: two fetches later it is still before the publication hour.
    TibberRig rig(utc(2026, 6, 21, 8));
    TibberClientSettings settings = tibber_client();
    settings.home_id = "no-such-home";
    auto unknown_client = std::make_shared<TibberPrices>(settings);
    auto& unknown = *unknown_client;
    auto outcome = fetch_prices(unknown, rig.port, rig.executor);
    EXPECT_FALSE(outcome.prices);
    EXPECT_TRUE(contains(outcome.error, "no-such-home")) << outcome.error;

    settings.home_id = rig.api.settings().homes.at(0).id;
    auto known_client = std::make_shared<TibberPrices>(settings);
    auto& known = *known_client;
    auto answered = fetch_prices(known, rig.port, rig.executor);
    ASSERT_TRUE(answered.prices) << answered.error;
    EXPECT_EQ(answered.prices->slots().size(), 24u);
}

TEST(PriceClientTibber, OutagesAndHalfAnswersAreErrors) {
    TibberRig rig(berlin_before);
    auto shared_client = std::make_shared<TibberPrices>(tibber_client());
    auto& client = *shared_client;
    rig.api.faults().add({TariffFaultKind::outage, berlin_before, 1h});
    auto outage = fetch_prices(client, rig.port, rig.executor);
    EXPECT_FALSE(outage.prices);
    EXPECT_TRUE(contains(outage.error, "HTTP 503")) << outage.error;

    rig.api.faults().clear();
    rig.api.faults().add({TariffFaultKind::malformed, rig.executor.now(), 1h});
    auto malformed = fetch_prices(client, rig.port, rig.executor);
    EXPECT_FALSE(malformed.prices);
    EXPECT_TRUE(contains(malformed.error, "not JSON")) << malformed.error;
}

// ---- Octopus --------------------------------------------------------------------------------------------------------

// The simulator's own rates from London's midnight on, asked for in one page and without the client: valid_from to
// value_inc_vat, what the client's series must hold.
std::map<TimePoint, double> reference_rates(const sim::tariffs::OctopusApi& api, TimePoint now) {
    auto answer = api.handle(
        {"GET", api.rates_path() + "?period_from=2026-06-20T23:00Z&period_to=2026-06-22T23:00Z&page_size=1500", {}, ""},
        now);
    EXPECT_EQ(answer.response.status, 200);
    const json page = json::parse(answer.response.body);
    std::map<TimePoint, double> rates;
    for (const auto& rate : page["results"]) {
        auto from = parse_iso8601(rate["valid_from"].get<std::string>());
        EXPECT_TRUE(from.has_value()) << rate.dump();
        if (from) {
            rates[*from] = rate["value_inc_vat"].get<double>();
        }
    }
    return rates;
}

void expect_half_hours_from_midnight(const control::PriceSeries& series, std::size_t count,
                                     const std::map<TimePoint, double>& reference) {
    const auto& slots = series.slots();
    ASSERT_EQ(slots.size(), count);
    EXPECT_EQ(series.unit(), "p/kWh");
    for (std::size_t i = 0; i < slots.size(); ++i) {
        // Consecutive half-hours from midnight: sorted, without a duplicate and without a gap.
        EXPECT_EQ(slots[i].start, london_midnight + std::chrono::minutes(30 * i)) << i;
        EXPECT_EQ(slots[i].end, slots[i].start + 30min) << i;
        EXPECT_FALSE(slots[i].level.has_value()) << i;
        auto expected = reference.find(slots[i].start);
        ASSERT_NE(expected, reference.end()) << i;
        EXPECT_DOUBLE_EQ(slots[i].price, expected->second) << i;
    }
}

TEST(PriceClientOctopus, TheFirstRequestAsksFromLondonsMidnightForTwoDays) {
    auto shared_client = std::make_shared<OctopusPrices>(OctopusClientSettings{});
    auto& client = *shared_client;
    auto summer = client.first_request(london_before);
    EXPECT_EQ(summer.method, "GET");
    EXPECT_EQ(summer.target,
              "/v1/products/AGILE-24-10-01/electricity-tariffs/E-1R-AGILE-24-10-01-C/standard-unit-rates/"
              "?period_from=2026-06-20T23:00Z&period_to=2026-06-22T23:00Z");
    EXPECT_EQ(summer.headers.count("authorization"), 0u);  // product endpoints are public
    EXPECT_TRUE(contains(client.first_request(utc(2026, 1, 15, 12)).target,
                         "?period_from=2026-01-15T00:00Z&period_to=2026-01-17T00:00Z"));

    OctopusClientSettings proxied;
    proxied.url = "https://localhost:8443/octopus/";
    EXPECT_EQ(OctopusPrices(proxied).first_request(london_before).target.rfind("/octopus/v1/products/", 0), 0u);
}

TEST(PriceClientOctopus, APageGivesItsSlotsAndTheNextPagesTarget) {
    auto shared_client = std::make_shared<OctopusPrices>(OctopusClientSettings{});
    auto& client = *shared_client;
    const json body{
        {"count", 3},
        {"next", "https://api.octopus.energy/v1/x/?page=2"},
        {"previous", nullptr},
        {"results",
         {{{"value_inc_vat", 21.0}, {"valid_from", "2026-06-21T00:30:00Z"}, {"valid_to", "2026-06-21T01:00:00Z"}},
          {{"value_inc_vat", -1.5}, {"valid_from", "2026-06-21T00:00:00Z"}, {"valid_to", nullptr}}}}};
    http::HttpResponse response{200, "application/json", body.dump()};
    auto page = client.parse(response);
    EXPECT_EQ(page.next, "/v1/x/?page=2");
    ASSERT_EQ(page.slots.size(), 2u);
    EXPECT_EQ(page.slots[0].start, utc(2026, 6, 21, 0, 30));
    EXPECT_DOUBLE_EQ(page.slots[0].price, 21.0);
    EXPECT_EQ(page.slots[1].end, utc(2026, 6, 21, 0, 30));  // open-ended: taken as a half-hour
    EXPECT_DOUBLE_EQ(page.slots[1].price, -1.5);

    response.status = 404;
    response.body = R"({"detail": "Invalid page."})";
    try {
        client.parse(response);
        ADD_FAILURE() << "a 404 page parsed";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "HTTP 404: Invalid page.");
    }
}

TEST(PriceClientOctopus, BeforePublicationTodaysHalfHoursOverThreePages) {
    OctopusRig rig(london_before);
    auto shared_client = std::make_shared<OctopusPrices>(OctopusClientSettings{});
    auto& client = *shared_client;
    auto outcome = fetch_prices(client, rig.port, rig.executor);
    ASSERT_TRUE(outcome.prices) << outcome.error;
    expect_half_hours_from_midnight(*outcome.prices, 48, reference_rates(rig.api, london_before));
    ASSERT_EQ(rig.port.targets.size(), 3u);
    EXPECT_EQ(rig.port.targets[0], client.first_request(london_before).target);
    EXPECT_TRUE(contains(rig.port.targets[1], "page=2")) << rig.port.targets[1];
    EXPECT_TRUE(contains(rig.port.targets[2], "page=3")) << rig.port.targets[2];
    EXPECT_EQ(outcome.prices->known_until(), utc(2026, 6, 21, 23));
}

TEST(PriceClientOctopus, FromPublicationTodayAndTomorrowOverFivePages) {
    OctopusRig rig(london_after);
    auto shared_client = std::make_shared<OctopusPrices>(OctopusClientSettings{});
    auto& client = *shared_client;
    auto outcome = fetch_prices(client, rig.port, rig.executor);
    ASSERT_TRUE(outcome.prices) << outcome.error;
    expect_half_hours_from_midnight(*outcome.prices, 96, reference_rates(rig.api, london_after));
    EXPECT_EQ(rig.port.targets.size(), 5u);
    EXPECT_EQ(outcome.prices->known_until(), utc(2026, 6, 22, 23));
}

TEST(PriceClientOctopus, AnUnknownTariffOrProductIs404) {
    OctopusRig rig(london_before);
    OctopusClientSettings tariff;
    tariff.tariff = "E-1R-NO-SUCH-TARIFF-C";
    auto unknown_tariff_client = std::make_shared<OctopusPrices>(tariff);
    auto& unknown_tariff = *unknown_tariff_client;
    auto outcome = fetch_prices(unknown_tariff, rig.port, rig.executor);
    EXPECT_FALSE(outcome.prices);
    EXPECT_TRUE(contains(outcome.error, "404")) << outcome.error;
    EXPECT_TRUE(contains(outcome.error, "No EnergyProduct")) << outcome.error;

    OctopusClientSettings product;
    product.product = "NO-SUCH-PRODUCT";
    auto unknown_product_client = std::make_shared<OctopusPrices>(product);
    auto& unknown_product = *unknown_product_client;
    auto also = fetch_prices(unknown_product, rig.port, rig.executor);
    EXPECT_FALSE(also.prices);
    EXPECT_TRUE(contains(also.error, "404")) << also.error;
}

// period_to is the local midnight two days on, not 48 h later: on the two days around the UK's autumn clock change
// "today and tomorrow" is 49 hours, and tomorrow's last hour (two half-hours) would not be asked for.
TEST(PriceClientOctopus, AroundTheAutumnClockChangeTomorrowIsWhole) {
    // 24 October 2026 17:00 BST (tomorrow has 25 hours) and 25 October 17:00 GMT (today has 25 hours): either way the
    // end of tomorrow is 49 hours after today's midnight, and both days together are 98 half-hours.
    for (const TimePoint now : {utc(2026, 10, 24, 16), utc(2026, 10, 25, 17)}) {
        OctopusRig rig(now);
        auto shared_client = std::make_shared<OctopusPrices>(OctopusClientSettings{});
        auto& client = *shared_client;
        auto outcome = fetch_prices(client, rig.port, rig.executor);
        ASSERT_TRUE(outcome.prices) << outcome.error;
        EXPECT_EQ(format_utc(outcome.prices->known_until()), format_utc(rig.api.published_until(now)))
            << format_utc(now);
        EXPECT_EQ(outcome.prices->slots().size(), 48u + 50u) << format_utc(now);
        const auto& slots = outcome.prices->slots();
        for (std::size_t i = 0; i + 1 < slots.size(); ++i) {
            EXPECT_EQ(slots[i].end, slots[i + 1].start) << format_utc(slots[i].end);
        }
    }
}

}  // namespace
}  // namespace evhil::prices
