// The Tibber simulator as a client sees it: the token, the homes and single-home queries, tomorrow's prices before
// and after the publication hour, quarter-hourly prices, levels against the day's average, and faults over their
// time range.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "simulators/tariffs/tibber_api.hpp"

namespace evhil::sim::tariffs {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute = 0) {
    return TimePoint(std::chrono::sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute));
}

const std::string homes_query =
    "{ viewer { homes { id currentSubscription { priceInfo {"
    " current { total energy tax startsAt currency level }"
    " today { total energy tax startsAt level }"
    " tomorrow { total energy tax startsAt level } } } } } }";

http::HttpRequest post(const std::string& query, json variables = json::object(),
                       const std::string& token = "evhil-tibber-token") {
    http::HttpRequest request{"POST", "/v1-beta/gql", {{"content-type", "application/json"}}, ""};
    if (!token.empty()) {
        request.headers["authorization"] = "Bearer " + token;
    }
    request.body = json{{"query", query}, {"variables", variables}}.dump();
    return request;
}

json body_of(const SimAnswer& answer) {
    return json::parse(answer.response.body);
}

json price_info(const SimAnswer& answer) {
    return body_of(answer)["data"]["viewer"]["homes"][0]["currentSubscription"]["priceInfo"];
}

// 12:59 and 13:00 in Berlin, summer time.
const TimePoint before_publication = utc(2026, 6, 21, 10, 59);
const TimePoint after_publication = utc(2026, 6, 21, 11, 0);

TEST(TibberApi, AMissingOrWrongTokenIsRefused) {
    TibberApi api({});
    for (const auto& token : {std::string(), std::string("wrong")}) {
        auto answer = api.handle(post(homes_query, json::object(), token), before_publication);
        EXPECT_EQ(answer.response.status, 401) << token;
        auto body = body_of(answer);
        ASSERT_TRUE(body["errors"].is_array());
        EXPECT_FALSE(body["errors"][0]["message"].get<std::string>().empty());
        EXPECT_FALSE(body.contains("data"));
    }
    auto lower_case = post(homes_query);
    lower_case.headers["authorization"] = "bearer evhil-tibber-token";
    EXPECT_EQ(api.handle(lower_case, before_publication).response.status, 200);
}

TEST(TibberApi, RequestsThatAreNotAQueryAreRefused) {
    TibberApi api({});
    auto bad_json = post(homes_query);
    bad_json.body = "{\"query\": ";
    EXPECT_EQ(api.handle(bad_json, before_publication).response.status, 400);
    auto no_query = post(homes_query);
    no_query.body = R"({"variables": {}})";
    EXPECT_EQ(api.handle(no_query, before_publication).response.status, 400);
    auto get = post(homes_query);
    get.method = "GET";
    EXPECT_EQ(api.handle(get, before_publication).response.status, 405);
    auto elsewhere = post(homes_query);
    elsewhere.target = "/v1/gql";
    EXPECT_EQ(api.handle(elsewhere, before_publication).response.status, 404);
    auto unknown_field = api.handle(post("{ viewer { homes { id price } } }"), before_publication);
    EXPECT_EQ(unknown_field.response.status, 400);
    EXPECT_NE(body_of(unknown_field)["errors"][0]["message"].get<std::string>().find("price"), std::string::npos);
    EXPECT_EQ(api.handle(post("{ viewer { homes { id }"), before_publication).response.status, 400);
}

TEST(TibberApi, TomorrowIsEmptyUntilThePublicationHour) {
    TibberApi api({});
    auto before = price_info(api.handle(post(homes_query), before_publication));
    EXPECT_EQ(before["today"].size(), 24u);
    ASSERT_TRUE(before["tomorrow"].is_array());
    EXPECT_TRUE(before["tomorrow"].empty());
    auto after = price_info(api.handle(post(homes_query), after_publication));
    EXPECT_EQ(after["today"], before["today"]);
    ASSERT_EQ(after["tomorrow"].size(), 24u);
    EXPECT_EQ(after["tomorrow"][0]["startsAt"], "2026-06-22T00:00:00.000+02:00");
    EXPECT_EQ(after["tomorrow"][23]["startsAt"], "2026-06-22T23:00:00.000+02:00");
}

TEST(TibberApi, QuarterHourlyPricesAre96ADay) {
    TibberSettings settings;
    settings.prices.slot_length = 15min;
    TibberApi api(settings);
    auto info = price_info(api.handle(post(homes_query), after_publication));
    ASSERT_EQ(info["today"].size(), 96u);
    EXPECT_EQ(info["today"][1]["startsAt"], "2026-06-21T00:15:00.000+02:00");
    EXPECT_EQ(info["tomorrow"].size(), 96u);
    // An hourly simulator answers quarter hours where priceInfo asks for them.
    TibberApi hourly({});
    auto asked = price_info(hourly.handle(post("{ viewer { homes { currentSubscription { priceInfo(resolution: "
                                               "QUARTER_HOURLY) { today { total } } } } } }"),
                                          before_publication));
    EXPECT_EQ(asked["today"].size(), 96u);
}

TEST(TibberApi, PricesCarryTheFieldsAskedForWithTheHomesOffset) {
    TibberApi api({});
    auto info = price_info(api.handle(post(homes_query), before_publication));
    const auto& current = info["current"];
    EXPECT_EQ(current["startsAt"], "2026-06-21T12:00:00.000+02:00");
    EXPECT_EQ(current["currency"], "EUR");
    auto slot = api.prices().at(before_publication);
    EXPECT_DOUBLE_EQ(current["total"].get<double>(), slot.total);
    EXPECT_DOUBLE_EQ(current["energy"].get<double>(), slot.energy);
    EXPECT_DOUBLE_EQ(current["tax"].get<double>(), slot.tax);
    EXPECT_EQ(info["today"][12], json({{"total", slot.total},
                                       {"energy", slot.energy},
                                       {"tax", slot.tax},
                                       {"startsAt", "2026-06-21T12:00:00.000+02:00"},
                                       {"level", current["level"]}}));
    auto only_total = price_info(api.handle(
        post("{ viewer { homes { currentSubscription { priceInfo { today { total } } } } } }"), before_publication));
    EXPECT_EQ(only_total["today"][0].size(), 1u);
    EXPECT_FALSE(only_total.contains("tomorrow"));
}

TEST(TibberApi, LevelsAreAgainstTheDaysAverage) {
    TibberApi api({});
    auto today = price_info(api.handle(post(homes_query), before_publication))["today"];
    double sum = 0;
    for (const auto& price : today) {
        sum += price["total"].get<double>();
    }
    std::set<std::string> levels;
    for (const auto& price : today) {
        EXPECT_EQ(price["level"], tibber_level(price["total"].get<double>(), sum / 24));
        levels.insert(price["level"].get<std::string>());
    }
    EXPECT_GE(levels.size(), 3u);  // a day's shape spans cheap to expensive
}

TEST(TibberApi, ScriptedPricesGiveTheirLevels) {
    TibberSettings settings;
    settings.prices.hourly_totals.assign(24, 0.30);
    settings.prices.hourly_totals[3] = 0.10;  // the day's average is about 0.304
    settings.prices.hourly_totals[18] = 0.60;
    TibberApi api(settings);
    auto today = price_info(api.handle(post(homes_query), before_publication))["today"];
    EXPECT_EQ(today[3]["level"], "VERY_CHEAP");
    EXPECT_EQ(today[0]["level"], "NORMAL");
    EXPECT_EQ(today[18]["level"], "VERY_EXPENSIVE");
    EXPECT_DOUBLE_EQ(today[18]["total"].get<double>(), 0.60);
}

TEST(TibberApi, OneHomeByIdAndAnUnknownId) {
    TibberApi api({});
    const std::string query =
        "query Prices($homeId: ID!) { viewer { home(id: $homeId) { id currentSubscription { priceInfo {"
        " today { startsAt } } } } } }";
    auto known =
        body_of(api.handle(post(query, {{"homeId", "8a3e5c1f-7b2d-4e6a-9c0b-1d2f3a4b5c6d"}}), after_publication));
    EXPECT_EQ(known["data"]["viewer"]["home"]["id"], "8a3e5c1f-7b2d-4e6a-9c0b-1d2f3a4b5c6d");
    EXPECT_EQ(known["data"]["viewer"]["home"]["currentSubscription"]["priceInfo"]["today"].size(), 24u);
    EXPECT_FALSE(known.contains("errors"));
    auto unknown = api.handle(post(query, {{"homeId", "nope"}}), after_publication);
    EXPECT_EQ(unknown.response.status, 200);
    auto body = body_of(unknown);
    EXPECT_TRUE(body["data"]["viewer"]["home"].is_null());
    ASSERT_EQ(body["errors"].size(), 1u);
    EXPECT_EQ(body["errors"][0]["path"], json({"viewer", "home"}));
    auto literal = body_of(api.handle(post("{ viewer { h: home(id: \"nope\") { id } } }"), after_publication));
    EXPECT_TRUE(literal["data"]["viewer"]["h"].is_null());
    EXPECT_EQ(api.handle(post(query), after_publication).response.status, 400);  // $homeId not given
}

TEST(TibberApi, RangeGivesQuarterHourlyNodes) {
    TibberApi api({});
    const std::string query =
        "{ viewer { homes { currentSubscription { priceInfo {"
        " range(resolution: QUARTER_HOURLY, first: 96) { nodes { total startsAt level } } } } } } }";
    auto nodes = price_info(api.handle(post(query), before_publication))["range"]["nodes"];
    ASSERT_EQ(nodes.size(), 96u);
    EXPECT_EQ(nodes[0]["startsAt"], "2026-06-21T00:00:00.000+02:00");
    EXPECT_EQ(nodes[95]["startsAt"], "2026-06-21T23:45:00.000+02:00");
    // Before publication there is nothing past today; after it, tomorrow follows.
    auto more =
        "{ viewer { homes { currentSubscription { priceInfo {"
        " range(resolution: QUARTER_HOURLY, first: 200) { nodes { startsAt } } } } } } }";
    EXPECT_EQ(price_info(api.handle(post(more), before_publication))["range"]["nodes"].size(), 96u);
    EXPECT_EQ(price_info(api.handle(post(more), after_publication))["range"]["nodes"].size(), 192u);
}

TEST(TibberApi, FaultsApplyOverTheirTimeRange) {
    TibberApi api({});
    const TimePoint start = before_publication + 1min;
    api.faults().add({TariffFaultKind::outage, start, 10min});
    api.faults().add({TariffFaultKind::slow, start + 10min, 5min, false, 7s});
    api.faults().add({TariffFaultKind::malformed, start + 15min, 5min});
    api.faults().add({TariffFaultKind::outage, start + 20min, 5min, true});
    auto at = [&](Duration offset) { return api.handle(post(homes_query), start + offset); };
    EXPECT_EQ(at(-1s).response.status, 200);
    EXPECT_EQ(at(0s).response.status, 503);
    EXPECT_EQ(at(10min - 1s).response.status, 503);
    auto slow = at(10min);
    EXPECT_EQ(slow.response.status, 200);
    EXPECT_EQ(slow.delay, 7s);
    auto malformed = at(15min);
    EXPECT_EQ(malformed.response.status, 200);
    EXPECT_TRUE(json::parse(malformed.response.body, nullptr, false).is_discarded());
    EXPECT_TRUE(at(20min).drop_connection);
    auto after = at(25min);
    EXPECT_EQ(after.response.status, 200);
    EXPECT_FALSE(after.drop_connection);
    EXPECT_EQ(after.delay, 0s);
    api.faults().clear();
    EXPECT_EQ(at(0s).response.status, 200);
}

TEST(TibberApi, FaultsParseFromTheCommandLine) {
    const TimePoint origin = utc(2026, 6, 21, 8);
    auto outage = parse_tariff_fault("outage:20:15", origin);
    EXPECT_EQ(outage.kind, TariffFaultKind::outage);
    EXPECT_EQ(outage.start, origin + 20s);
    EXPECT_EQ(outage.duration, 15s);
    EXPECT_TRUE(parse_tariff_fault("drop:0:1m", origin).drop_connection);
    auto slow = parse_tariff_fault("slow=3s:1m:2m", origin);
    EXPECT_EQ(slow.kind, TariffFaultKind::slow);
    EXPECT_EQ(slow.delay, 3s);
    EXPECT_EQ(parse_tariff_fault("malformed:0:1", origin).kind, TariffFaultKind::malformed);
    EXPECT_THROW(parse_tariff_fault("outage:20", origin), std::runtime_error);
    EXPECT_THROW(parse_tariff_fault("flood:0:1", origin), std::runtime_error);
    EXPECT_THROW(parse_tariff_fault("outage=3s:0:1", origin), std::runtime_error);
}

}  // namespace
}  // namespace evhil::sim::tariffs
