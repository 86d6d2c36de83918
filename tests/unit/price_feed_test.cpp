// The price feed on a virtual clock against the price API simulators: caching to the next slot boundary, back-off,
// cached prices during an outage; and the `prices:` configuration.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "drivers/core/config.hpp"
#include "drivers/prices/price_feed.hpp"
#include "tests/unit/price_test_support.hpp"

namespace evhil::prices {
namespace {

using namespace price_test;
using sim::tariffs::TariffFault;
using sim::tariffs::TariffFaultKind;

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
