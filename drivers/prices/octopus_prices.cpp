#include "drivers/prices/octopus_prices.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace evhil::prices {
namespace {

using nlohmann::json;
constexpr int max_pages = 20;

// An error page from a proxy or load balancer says nothing the status does not: it is not quoted into the log.
std::string excerpt(const std::string& body) {
    if (body.find_first_not_of(" \t\r\n") != std::string::npos && body[body.find_first_not_of(" \t\r\n")] == '<') {
        return "an HTML page";
    }
    return body.size() <= 80 ? body : body.substr(0, 80) + "…";
}

std::string utc_text(TimePoint t) {
    return date::format("%FT%H:%MZ", date::floor<std::chrono::minutes>(t));
}

}  // namespace

OctopusPrices::OctopusPrices(OctopusClientSettings settings)
    : settings_(std::move(settings)), base_path_(http::parse_https_url(settings_.url).path) {
    if (!base_path_.empty() && base_path_.back() == '/') {
        base_path_.pop_back();
    }
}

http::HttpRequest OctopusPrices::request_for(std::string target) const {
    http::HttpRequest request;
    request.method = "GET";
    request.target = std::move(target);
    request.headers["accept"] = "application/json";
    return request;
}

http::HttpRequest OctopusPrices::first_request(TimePoint now) const {
    // Today in the UK, where Agile's days are.
    static const auto* london = date::locate_zone("Europe/London");
    const auto local = london->to_local(std::chrono::time_point_cast<std::chrono::seconds>(now));
    const auto today = date::floor<date::days>(local);
    const TimePoint from = std::chrono::time_point_cast<Duration>(london->to_sys(today, date::choose::earliest));
    // Midnight two local days on, not 48 h: the day of the autumn change has 25 hours.
    const TimePoint to =
        std::chrono::time_point_cast<Duration>(london->to_sys(today + date::days(2), date::choose::earliest));
    return request_for(
        fmt::format("{}/v1/products/{}/electricity-tariffs/{}/standard-unit-rates/"
                    "?period_from={}&period_to={}",
                    base_path_, settings_.product, settings_.tariff, utc_text(from), utc_text(to)));
}

OctopusPrices::Page OctopusPrices::parse(const http::HttpResponse& response) const {
    json body = json::parse(response.body, nullptr, false);
    if (response.status != 200) {
        std::string detail =
            !body.is_discarded() && body.is_object() && body.contains("detail") && body["detail"].is_string()
                ? body["detail"].get<std::string>()
                : excerpt(response.body);
        throw std::runtime_error(fmt::format("HTTP {}: {}", response.status, detail));
    }
    if (body.is_discarded()) {
        throw std::runtime_error("the answer is not JSON: " + excerpt(response.body));
    }
    Page page;
    try {
        for (const auto& result : body.at("results")) {
            const auto from = parse_iso8601(result.at("valid_from").get<std::string>());
            if (!from) {
                throw std::runtime_error("valid_from '" + result.at("valid_from").get<std::string>() +
                                         "' is not an ISO 8601 time");
            }
            // An open-ended rate (valid_to null) is taken as a half-hour: the next page or slot bounds it anyway.
            std::optional<TimePoint> to;
            if (result.contains("valid_to") && result["valid_to"].is_string()) {
                to = parse_iso8601(result["valid_to"].get<std::string>());
            }
            page.slots.push_back({*from, to.value_or(*from + std::chrono::minutes(30)),
                                  result.at("value_inc_vat").get<double>(), std::nullopt});
        }
        if (body.contains("next") && body["next"].is_string()) {
            page.next = http::parse_https_url(body["next"].get<std::string>()).path;
        }
    } catch (const json::exception& error) {
        throw std::runtime_error(std::string("unexpected answer: ") + error.what());
    } catch (const std::invalid_argument& error) {
        throw std::runtime_error(std::string("unexpected next page: ") + error.what());
    }
    return page;
}

void OctopusPrices::fetch_page(http::HttpPort& port, std::string target, std::vector<control::PriceSlot> so_far,
                               int page, Done done) {
    port.request(
        request_for(std::move(target)),
        [self = std::static_pointer_cast<OctopusPrices>(shared_from_this()), &port, so_far = std::move(so_far), page,
         done = std::move(done)](std::optional<std::string> error, const http::HttpResponse& response) mutable {
            if (error) {
                done(std::nullopt, *error);
                return;
            }
            try {
                auto parsed = self->parse(response);
                so_far.insert(so_far.end(), parsed.slots.begin(), parsed.slots.end());
                if (!parsed.next.empty() && page + 1 < max_pages) {
                    self->fetch_page(port, parsed.next, std::move(so_far), page + 1, std::move(done));
                    return;
                }
                if (so_far.empty()) {
                    done(std::nullopt, "the answer has no unit rates");
                    return;
                }
                done(control::PriceSeries(std::move(so_far), "p/kWh"), "");
            } catch (const std::exception& failure) {
                done(std::nullopt, failure.what());
            }
        });
}

void OctopusPrices::fetch(http::HttpPort& port, TimePoint now, Done done) {
    fetch_page(port, first_request(now).target, {}, 0, std::move(done));
}

}  // namespace evhil::prices
