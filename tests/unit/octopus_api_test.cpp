// The Octopus simulator as an Agile client sees it: half-hourly rates newest first, DRF-style pagination with absolute
// links, VAT, tomorrow's rates from the publication hour, datetimes with and without a zone, refusals and faults.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "simulators/tariffs/octopus_api.hpp"

namespace evhil::sim::tariffs {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute = 0) {
    return TimePoint(std::chrono::sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute));
}

const std::string rates = "/v1/products/AGILE-24-10-01/electricity-tariffs/E-1R-AGILE-24-10-01-C/standard-unit-rates/";
const std::string one_day = "period_from=2026-06-20T00:00Z&period_to=2026-06-21T00:00Z";
// 15:59 and 16:00 in London, summer time.
const TimePoint before_publication = utc(2026, 6, 21, 14, 59);
const TimePoint after_publication = utc(2026, 6, 21, 15, 0);

SimAnswer get(const OctopusApi& api, const std::string& target, TimePoint now = before_publication) {
    return api.handle({"GET", target, {}, ""}, now);
}
json body(const SimAnswer& answer) {
    return json::parse(answer.response.body);
}
// The path and query of an absolute link, to ask for it again.
std::string target_of(const json& link) {
    auto text = link.get<std::string>();
    return text.substr(std::string("https://api.octopus.energy").size());
}

TEST(OctopusApi, ADayIs48HalfHoursNewestFirst) {
    OctopusApi api({});
    auto answer = get(api, rates + "?" + one_day);
    ASSERT_EQ(answer.response.status, 200);
    auto page = body(answer);
    EXPECT_EQ(page["count"], 48);
    EXPECT_TRUE(page["next"].is_null());
    EXPECT_TRUE(page["previous"].is_null());
    const auto& results = page["results"];
    ASSERT_EQ(results.size(), 48u);
    EXPECT_EQ(results[0]["valid_from"], "2026-06-20T23:30:00Z");
    EXPECT_EQ(results[0]["valid_to"], "2026-06-21T00:00:00Z");
    EXPECT_EQ(results[47]["valid_from"], "2026-06-20T00:00:00Z");
    for (const auto& rate : results) {
        EXPECT_TRUE(rate["payment_method"].is_null());
        EXPECT_NEAR(rate["value_inc_vat"].get<double>(), rate["value_exc_vat"].get<double>() * 1.05, 1e-4);
    }
    auto slots = api.prices().between(utc(2026, 6, 20, 0), utc(2026, 6, 21, 0));
    EXPECT_DOUBLE_EQ(results[0]["value_exc_vat"].get<double>(), slots.back().energy);
    EXPECT_EQ(body(get(api, rates + "?" + one_day)), page);  // the same every time
}

TEST(OctopusApi, PagesLinkToEachOtherAndAddUpToTheWholeList) {
    OctopusApi api({});
    auto whole = body(get(api, rates + "?" + one_day))["results"];
    auto first = body(get(api, rates + "?" + one_day + "&page_size=10"));
    EXPECT_EQ(first["count"], 48);
    EXPECT_EQ(first["results"].size(), 10u);
    EXPECT_TRUE(first["previous"].is_null());
    EXPECT_EQ(first["next"], "https://api.octopus.energy" + rates + "?" + one_day + "&page_size=10&page=2");
    json collected = first["results"];
    json page = first;
    int pages = 1;
    while (!page["next"].is_null()) {
        auto next = target_of(page["next"]);
        page = body(get(api, next));
        ++pages;
        for (const auto& rate : page["results"]) {
            collected.push_back(rate);
        }
    }
    EXPECT_EQ(pages, 5);
    EXPECT_EQ(page["results"].size(), 8u);
    EXPECT_EQ(page["previous"], "https://api.octopus.energy" + rates + "?" + one_day + "&page_size=10&page=4");
    EXPECT_EQ(collected, whole);
    auto second = body(get(api, rates + "?" + one_day + "&page_size=10&page=2"));
    EXPECT_EQ(second["previous"], "https://api.octopus.energy" + rates + "?" + one_day + "&page_size=10");
    EXPECT_EQ(get(api, rates + "?" + one_day + "&page_size=10&page=6").response.status, 404);
    EXPECT_EQ(get(api, rates + "?" + one_day + "&page=0").response.status, 404);
}

TEST(OctopusApi, TheBaseUrlIsConfigurable) {
    OctopusApi api({});
    api.set_base_url("https://127.0.0.1:4443");
    auto page = body(get(api, rates + "?" + one_day + "&page_size=47"));
    EXPECT_EQ(page["next"], "https://127.0.0.1:4443" + rates + "?" + one_day + "&page_size=47&page=2");
}

TEST(OctopusApi, PageSizeIsCappedAndDefaults) {
    OctopusApi api({});
    const std::string forty_days = "period_from=2026-05-01T00:00Z&period_to=2026-06-10T00:00Z";
    EXPECT_EQ(body(get(api, rates + "?" + forty_days))["results"].size(), 100u);
    auto capped = body(get(api, rates + "?" + forty_days + "&page_size=5000"));
    EXPECT_EQ(capped["count"], 40 * 48);
    EXPECT_EQ(capped["results"].size(), 1500u);
    EXPECT_EQ(body(get(api, rates + "?" + forty_days + "&page_size=abc"))["results"].size(), 100u);
}

TEST(OctopusApi, TomorrowsRatesAppearAtThePublicationHour) {
    OctopusApi api({});
    const std::string from_today = rates + "?period_from=2026-06-21T00:00Z";
    auto before = body(get(api, from_today, before_publication));
    EXPECT_EQ(before["count"], 46);  // 00:00Z to the end of the London day, 23:00Z
    EXPECT_EQ(before["results"][0]["valid_to"], "2026-06-21T23:00:00Z");
    auto after = body(get(api, from_today, after_publication));
    EXPECT_EQ(after["count"], 46 + 48);
    EXPECT_EQ(after["results"][0]["valid_to"], "2026-06-22T23:00:00Z");
    // Without period_from the list starts a week back.
    auto recent = body(get(api, rates, before_publication));
    EXPECT_EQ(recent["count"], 7 * 48 + 46 + 2);
    EXPECT_EQ(recent["results"][0]["valid_to"], "2026-06-21T23:00:00Z");
}

TEST(OctopusApi, DatetimesWithAnOffsetOrInUkTime) {
    OctopusApi api({});
    const auto utc_day = body(get(api, rates + "?" + one_day));
    for (const char* from : {"2026-06-20T01:00:00%2B01:00", "2026-06-20T01:00:00+01:00", "2026-06-20T01:00",
                             "2026-06-20T00:00:00.000Z", "2026-06-19T20:00:00-04:00"}) {
        auto answer = get(api, rates + "?period_from=" + from + "&period_to=2026-06-21T00:00Z");
        ASSERT_EQ(answer.response.status, 200) << from;
        EXPECT_EQ(body(answer)["results"], utc_day["results"]) << from;
    }
}

TEST(OctopusApi, UnknownProductsTariffsAndBadDatesAreRefused) {
    OctopusApi api({});
    for (const std::string& target :
         {std::string("/v1/products/AGILE-18-02-21/electricity-tariffs/E-1R-AGILE-18-02-21-C/standard-unit-rates/"),
          std::string("/v1/products/AGILE-24-10-01/electricity-tariffs/E-1R-AGILE-24-10-01-A/standard-unit-rates/")}) {
        auto answer = get(api, target);
        EXPECT_EQ(answer.response.status, 404) << target;
        EXPECT_EQ(body(answer), json({{"detail", "No EnergyProduct matches the given query."}}));
    }
    for (const std::string bad :
         {"period_from=yesterday", "period_from=2026-13-01T00:00Z", "period_to=2026-06-21T25:00Z",
          "period_from=1900-01-01T00:00Z", "period_to=2026-06-21T00:00+1"}) {
        auto answer = get(api, rates + "?" + bad);
        EXPECT_EQ(answer.response.status, 400) << bad;
        EXPECT_TRUE(body(answer).contains(bad.substr(0, bad.find('=')))) << bad;
    }
    EXPECT_EQ(api.handle({"POST", rates, {}, ""}, before_publication).response.status, 405);
}

TEST(OctopusApi, FaultsApplyOverTheirTimeRange) {
    OctopusApi api({});
    const TimePoint start = before_publication - 30min;
    api.faults().add({TariffFaultKind::outage, start, 10min});
    api.faults().add({TariffFaultKind::malformed, start + 10min, 10min});
    api.faults().add({TariffFaultKind::slow, start + 15min, 10min, false, 30s});
    EXPECT_EQ(get(api, rates, start - 1s).response.status, 200);
    EXPECT_EQ(get(api, rates, start).response.status, 503);
    auto malformed = get(api, rates, start + 10min);
    EXPECT_EQ(malformed.response.status, 200);
    EXPECT_TRUE(json::parse(malformed.response.body, nullptr, false).is_discarded());
    EXPECT_EQ(malformed.delay, 0s);
    auto both = get(api, rates, start + 15min);
    EXPECT_TRUE(json::parse(both.response.body, nullptr, false).is_discarded());
    EXPECT_EQ(both.delay, 30s);
    auto slow = get(api, rates, start + 20min);
    EXPECT_FALSE(json::parse(slow.response.body, nullptr, false).is_discarded());
    EXPECT_EQ(slow.delay, 30s);
    EXPECT_EQ(get(api, rates, start + 25min).delay, 0s);
}

}  // namespace
}  // namespace evhil::sim::tariffs
