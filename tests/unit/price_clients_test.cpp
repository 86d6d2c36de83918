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

namespace evhil::prices {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sim::tariffs::SimAnswer;
using sim::tariffs::TariffFault;
using sim::tariffs::TariffFaultKind;

TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute = 0) {
    return TimePoint(std::chrono::sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute));
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A simulator behind an HttpPort, as the sim target wires one but without a timeout (no test here is slow): the
// answer comes back on the executor `delay` later, never inline as the HttpPort contract says, and a dropped
// connection is an error without an answer. It records what was asked and when, for the paging and back-off checks.
class SimulatorPort final : public http::HttpPort {
public:
    using Handler = std::function<SimAnswer(const http::HttpRequest&, TimePoint)>;
    SimulatorPort(Executor& executor, Handler handler) : executor_(executor), handler_(std::move(handler)) {}

    void request(http::HttpRequest request, Done done) override {
        targets.push_back(request.target);
        times.push_back(executor_.now());
        SimAnswer answer = handler_(request, executor_.now());
        executor_.schedule_after(answer.delay, [done = std::move(done), answer = std::move(answer)] {
            if (answer.drop_connection) {
                done("the connection closed without an answer", {});
            } else {
                done(std::nullopt, answer.response);
            }
        });
    }

    std::vector<std::string> targets;  // each request's path and query, in the order sent
    std::vector<TimePoint> times;      // when each was sent

private:
    Executor& executor_;
    Handler handler_;
};

struct Outcome {
    int answers = 0;
    std::optional<control::PriceSeries> prices;
    std::string error;
};

// One fetch, run to its end on the virtual clock.
Outcome fetch_prices(PriceApi& api, http::HttpPort& port, Executor& executor) {
    Outcome outcome;
    api.fetch(port, executor.now(), [&outcome](std::optional<control::PriceSeries> prices, std::string error) {
        ++outcome.answers;
        outcome.prices = std::move(prices);
        outcome.error = std::move(error);
    });
    // The answer must come through the executor: one delivered inline would re-enter the feed while it is still
    // sending.
    EXPECT_EQ(outcome.answers, 0);
    executor.run_for(1min);
    EXPECT_EQ(outcome.answers, 1) << "Done must be called exactly once";
    EXPECT_NE(outcome.prices.has_value(), !outcome.error.empty()) << "exactly one of prices and error";
    return outcome;
}

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

// Scripted hourly totals, the same every day: cheap at night and at midday, dear in the evening, so that a day's
// levels span the whole scale (the average is 0.2492).
const std::vector<double> berlin_totals = {0.20, 0.19, 0.18, 0.18, 0.19, 0.22, 0.28, 0.34, 0.36, 0.30, 0.24, 0.18,
                                           0.12, 0.10, 0.14, 0.20, 0.26, 0.34, 0.40, 0.42, 0.36, 0.30, 0.26, 0.22};

// 12:59 and 13:00 in Berlin (summer time, UTC+2): either side of the simulator's publication hour.
const TimePoint berlin_before = utc(2026, 6, 21, 10, 59);
const TimePoint berlin_after = utc(2026, 6, 21, 11, 0);
const TimePoint berlin_midnight = utc(2026, 6, 20, 22);

sim::tariffs::TibberSettings tibber_settings() {
    sim::tariffs::TibberSettings settings;
    settings.prices.timezone = "Europe/Berlin";
    settings.prices.hourly_totals = berlin_totals;
    return settings;
}

TibberClientSettings tibber_client(const std::string& token = "evhil-tibber-token") {
    TibberClientSettings settings;
    settings.token = token;
    return settings;
}

struct TibberRig {
    explicit TibberRig(TimePoint start)
        : clock(start),
          executor(clock),
          api(tibber_settings()),
          port(executor, [this](const http::HttpRequest& request, TimePoint now) { return api.handle(request, now); }) {
    }
    VirtualClock clock;
    Executor executor;
    sim::tariffs::TibberApi api;
    SimulatorPort port;
};

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

// 15:59 and 16:00 in London (summer time, UTC+1): either side of the simulator's publication hour.
const TimePoint london_before = utc(2026, 6, 21, 14, 59);
const TimePoint london_after = utc(2026, 6, 21, 15, 0);
const TimePoint london_midnight = utc(2026, 6, 20, 23);

// The client sends no page_size, so the server's default applies: at 20 a page a day's 48 half-hours take three pages
// and two days' 96 take five, and the client has to follow `next`.
sim::tariffs::OctopusSettings octopus_settings() {
    sim::tariffs::OctopusSettings settings;
    settings.default_page_size = 20;
    return settings;
}

struct OctopusRig {
    explicit OctopusRig(TimePoint start)
        : clock(start),
          executor(clock),
          api(octopus_settings()),
          port(executor, [this](const http::HttpRequest& request, TimePoint now) { return api.handle(request, now); }) {
    }
    VirtualClock clock;
    Executor executor;
    sim::tariffs::OctopusApi api;
    SimulatorPort port;
};

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

// ---- The price feed -------------------------------------------------------------------------------------------------

PriceFeedConfig tibber_feed_config() {
    PriceFeedConfig config;
    config.provider = "tibber";
    config.tibber = tibber_client();
    config.feed_in_price = 0.07;
    return config;
}

// The gaps between the requests the port saw.
std::vector<Duration> gaps(const std::vector<TimePoint>& times) {
    std::vector<Duration> out;
    for (std::size_t i = 1; i < times.size(); ++i) {
        out.push_back(times[i] - times[i - 1]);
    }
    return out;
}

TEST(PriceFeed, FetchesOnStartThenAtEachSlotBoundary) {
    TibberRig rig(utc(2026, 6, 21, 10, 30));
    const auto config = tibber_feed_config();
    PriceFeed feed(rig.executor, rig.port, make_price_api(config), config, Rng(1));

    auto before = feed.prices(rig.executor.now());
    EXPECT_TRUE(before.missing);
    EXPECT_TRUE(contains(before.missing_why, "Tibber")) << before.missing_why;
    ASSERT_NE(before.import, nullptr);  // a source is configured, it just has nothing yet
    EXPECT_TRUE(before.import->empty());
    EXPECT_EQ(feed.fetches(), 0u);

    feed.start();
    EXPECT_EQ(feed.fetches(), 1u);
    rig.executor.run_for(1s);
    auto first = feed.prices(rig.executor.now());
    EXPECT_FALSE(first.missing) << first.missing_why;
    ASSERT_NE(first.import, nullptr);
    EXPECT_EQ(first.import->slots().size(), 24u);  // 12:30 in Berlin: tomorrow is not out yet
    EXPECT_EQ(first.feed_in_price, 0.07);

    // Hourly slots from 10:30 UTC: asked again at 11:00, 12:00 and 13:00, and nothing in between.
    rig.executor.run_until(utc(2026, 6, 21, 13, 30));
    EXPECT_EQ(feed.fetches(), 1u + 3u);
    EXPECT_EQ(feed.failures(), 0u);
    EXPECT_EQ(rig.port.times, (std::vector<TimePoint>{utc(2026, 6, 21, 10, 30), utc(2026, 6, 21, 11),
                                                      utc(2026, 6, 21, 12), utc(2026, 6, 21, 13)}));
    // 11:00 UTC is Tibber's 13:00 publication: tomorrow is picked up at the first boundary from then.
    ASSERT_TRUE(feed.series());
    EXPECT_EQ(feed.series()->slots().size(), 48u);
    EXPECT_EQ(feed.series()->known_until(), utc(2026, 6, 22, 22));
}

TEST(PriceFeed, HalfHourlyOctopusSlotsAreAskedForEveryHalfHour) {
    OctopusRig rig(utc(2026, 6, 21, 14, 10));
    PriceFeedConfig config;
    config.provider = "octopus";
    PriceFeed feed(rig.executor, rig.port, make_price_api(config), config, Rng(1));
    feed.start();
    rig.executor.run_until(utc(2026, 6, 21, 15, 10));
    EXPECT_EQ(feed.fetches(), 3u);  // 14:10, 14:30 and 15:00 UTC
    EXPECT_EQ(feed.failures(), 0u);
    ASSERT_TRUE(feed.series());
    EXPECT_EQ(feed.series()->slots().size(), 96u);  // 15:00 UTC is 16:00 in London, the publication hour
}

TEST(PriceFeed, AnOutageBacksOffAndPricesAreMissingUntilItEnds) {
    const TimePoint start = utc(2026, 6, 21, 10, 30);
    TibberRig rig(start);
    rig.api.faults().add({TariffFaultKind::outage, start, 1h});
    const auto config = tibber_feed_config();
    PriceFeed feed(rig.executor, rig.port, make_price_api(config), config, Rng(1));
    feed.start();
    rig.executor.run_for(10min);

    // At 0 s, about 60 s, 180 s and 420 s; the fifth would be near 900 s. The jitter is 10 % either way, which moves
    // no attempt across 600 s.
    EXPECT_EQ(feed.failures(), 4u);
    EXPECT_EQ(feed.fetches(), 4u);
    auto waits = gaps(rig.port.times);
    ASSERT_EQ(waits.size(), 3u);
    for (std::size_t i = 0; i < waits.size(); ++i) {
        const Duration nominal = 60s * (1 << i);
        EXPECT_GE(waits[i], nominal * 9 / 10) << i;
        EXPECT_LE(waits[i], nominal * 11 / 10) << i;
    }
    auto during = feed.prices(rig.executor.now());
    EXPECT_TRUE(during.missing);
    EXPECT_TRUE(contains(during.missing_why, "Tibber")) << during.missing_why;
    EXPECT_TRUE(contains(during.missing_why, "503")) << during.missing_why;
    EXPECT_TRUE(contains(during.missing_why, "since 10:30 UTC")) << during.missing_why;
    ASSERT_NE(during.import, nullptr);
    EXPECT_TRUE(during.import->empty());

    rig.api.faults().clear();
    rig.executor.run_for(10min);
    EXPECT_EQ(feed.fetches(), 5u);
    EXPECT_EQ(feed.failures(), 4u);
    auto after = feed.prices(rig.executor.now());
    EXPECT_FALSE(after.missing) << after.missing_why;
    EXPECT_EQ(after.missing_why, "");
    EXPECT_FALSE(feed.last_error());
    ASSERT_NE(after.import, nullptr);
    EXPECT_EQ(after.import->slots().size(), 24u);
}

TEST(PriceFeed, ADroppedConnectionIsAFailureWithThePortsReason) {
    const TimePoint start = utc(2026, 6, 21, 10, 30);
    TibberRig rig(start);
    TariffFault drop{TariffFaultKind::outage, start, 1h};
    drop.drop_connection = true;
    rig.api.faults().add(drop);
    const auto config = tibber_feed_config();
    PriceFeed feed(rig.executor, rig.port, make_price_api(config), config, Rng(1));
    feed.start();
    rig.executor.run_for(1s);
    EXPECT_EQ(feed.failures(), 1u);
    auto inputs = feed.prices(rig.executor.now());
    EXPECT_TRUE(inputs.missing);
    EXPECT_TRUE(contains(inputs.missing_why, "closed without an answer")) << inputs.missing_why;
}

TEST(PriceFeed, CachedPricesCoverAnOutageUntilTheyRunOut) {
    TibberRig rig(utc(2026, 6, 21, 10));  // 12:00 in Berlin: today's prices only, until 22:00 UTC
    rig.api.faults().add({TariffFaultKind::outage, utc(2026, 6, 21, 10, 15), 24h});
    const auto config = tibber_feed_config();
    PriceFeed feed(rig.executor, rig.port, make_price_api(config), config, Rng(1));
    feed.start();

    rig.executor.run_until(utc(2026, 6, 21, 12));
    EXPECT_GT(feed.failures(), 0u);
    ASSERT_TRUE(feed.last_error());
    EXPECT_TRUE(contains(*feed.last_error(), "503")) << *feed.last_error();
    auto covered = feed.prices(rig.executor.now());
    EXPECT_FALSE(covered.missing) << covered.missing_why;
    ASSERT_NE(covered.import, nullptr);
    const auto* slot = covered.import->at(rig.executor.now());
    ASSERT_NE(slot, nullptr);
    EXPECT_NEAR(slot->price, berlin_totals[14], 1e-9);  // 14:00 in Berlin

    // The back-off doubles to its 15 minute ceiling (plus jitter) and stays there.
    rig.executor.run_until(utc(2026, 6, 21, 22, 30));
    // From the first failure on: the wait before it was the cache's hour to the 11:00 boundary.
    auto waits = gaps({rig.port.times.begin() + 1, rig.port.times.end()});
    ASSERT_GT(waits.size(), 10u);
    const Duration ceiling = 15min;
    EXPECT_LE(*std::max_element(waits.begin(), waits.end()), ceiling * 11 / 10);
    EXPECT_GE(waits.back(), ceiling * 9 / 10);

    // The cache ends at 22:00 UTC: now nothing covers the present, and the controllers are told why.
    auto ran_out = feed.prices(rig.executor.now());
    EXPECT_TRUE(ran_out.missing);
    EXPECT_TRUE(contains(ran_out.missing_why, "Tibber")) << ran_out.missing_why;
    EXPECT_TRUE(contains(ran_out.missing_why, "503")) << ran_out.missing_why;
    // The first failure was the refresh at the 11:00 boundary, not the 10:15 start of the outage.
    EXPECT_TRUE(contains(ran_out.missing_why, "since 11:00 UTC")) << ran_out.missing_why;
}

// ---- The `prices:` configuration
// -------------------------------------------------------------------------------------

PriceFeedConfig parse_config(const std::string& yaml) {
    return parse_price_feed_config(ConfigNode::load_string(yaml, "prices.yaml"));
}

std::optional<ConfigError> config_error(const std::string& yaml) {
    try {
        parse_config(yaml);
    } catch (const ConfigError& error) {
        return error;
    }
    return std::nullopt;
}

TEST(PriceFeedConfigParse, TibberWantsAToken) {
    auto missing = config_error("provider: tibber\n");
    ASSERT_TRUE(missing);
    EXPECT_TRUE(contains(missing->what(), "token")) << missing->what();
    auto empty = config_error("provider: tibber\ntoken: \"\"\n");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(contains(empty->what(), "empty")) << empty->what();
}

TEST(PriceFeedConfigParse, OctopusRefusesTibbersSettings) {
    for (const std::string key : {"token: abc", "home_id: h", "resolution: hourly"}) {
        auto error = config_error("provider: octopus\n" + key + "\n");
        ASSERT_TRUE(error) << key;
        EXPECT_TRUE(contains(error->what(), "Tibber")) << error->what();
        EXPECT_EQ(error->line(), 2) << error->what();
    }
}

TEST(PriceFeedConfigParse, TheUrlMustBeHttps) {
    auto error = config_error("provider: tibber\ntoken: t\nurl: http://api.tibber.com/v1-beta/gql\n");
    ASSERT_TRUE(error);
    EXPECT_TRUE(contains(error->what(), "https://")) << error->what();
    EXPECT_EQ(error->line(), 3) << error->what();
    EXPECT_TRUE(config_error("provider: octopus\nurl: http://api.octopus.energy\n"));
    EXPECT_TRUE(config_error("provider: awattar\n"));
}

TEST(PriceFeedConfigParse, AGoodTibberConfig) {
    auto config = parse_config(
        "provider: tibber\n"
        "token: secret\n"
        "home_id: home-2\n"
        "resolution: quarter_hourly\n"
        "url: https://localhost:8443/v1-beta/gql\n"
        "timeout: 5s\n"
        "retry: 30s\n"
        "feed_in_price: 0.07\n");
    EXPECT_EQ(config.provider, "tibber");
    EXPECT_EQ(config.tibber.token, "secret");
    EXPECT_EQ(config.tibber.home_id, "home-2");
    EXPECT_TRUE(config.tibber.quarter_hourly);
    EXPECT_EQ(config.https.host, "localhost");
    EXPECT_EQ(config.https.port, 8443);
    EXPECT_DOUBLE_EQ(config.https.timeout_s, 5);
    EXPECT_EQ(config.retry.initial, 30s);
    EXPECT_EQ(config.retry.maximum, 15min);
    EXPECT_EQ(config.feed_in_price, 0.07);
    auto api = make_price_api(config);
    EXPECT_EQ(api->name(), "Tibber");
    auto* tibber = dynamic_cast<TibberPrices*>(api.get());
    ASSERT_NE(tibber, nullptr);
    EXPECT_EQ(tibber->request().target, "/v1-beta/gql");
    EXPECT_EQ(tibber->request().headers.at("authorization"), "Bearer secret");
}

TEST(PriceFeedConfigParse, AGoodOctopusConfig) {
    auto defaults = parse_config("provider: octopus\n");
    EXPECT_EQ(defaults.https.host, "api.octopus.energy");
    EXPECT_EQ(defaults.https.port, 443);
    EXPECT_FALSE(defaults.feed_in_price);

    auto config = parse_config(
        "provider: octopus\n"
        "product: AGILE-FLEX-22-11-25\n"
        "tariff: E-1R-AGILE-FLEX-22-11-25-A\n"
        "url: https://127.0.0.1:9443\n");
    EXPECT_EQ(config.https.host, "127.0.0.1");
    EXPECT_EQ(config.https.port, 9443);
    auto api = make_price_api(config);
    EXPECT_EQ(api->name(), "Octopus");
    auto* octopus = dynamic_cast<OctopusPrices*>(api.get());
    ASSERT_NE(octopus, nullptr);
    EXPECT_TRUE(contains(octopus->first_request(london_before).target,
                         "/v1/products/AGILE-FLEX-22-11-25/electricity-tariffs/E-1R-AGILE-FLEX-22-11-25-A/"))
        << octopus->first_request(london_before).target;
}

}  // namespace
}  // namespace evhil::prices
