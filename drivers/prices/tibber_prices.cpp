#include "drivers/prices/tibber_prices.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace evhil::prices {
namespace {

using nlohmann::json;

// The first error message of a GraphQL answer, if any.
std::optional<std::string> graphql_error(const json& body) {
    if (body.is_object() && body.contains("errors") && body["errors"].is_array() && !body["errors"].empty()) {
        const auto& first = body["errors"][0];
        return first.is_object() && first.contains("message") && first["message"].is_string()
                   ? first["message"].get<std::string>()
                   : first.dump();
    }
    return std::nullopt;
}

// An error page from a proxy or load balancer says nothing the status does not: it is not quoted into the log.
std::string excerpt(const std::string& body) {
    if (body.find_first_not_of(" \t\r\n") != std::string::npos && body[body.find_first_not_of(" \t\r\n")] == '<') {
        return "an HTML page";
    }
    return body.size() <= 80 ? body : body.substr(0, 80) + "…";
}

}  // namespace

TibberPrices::TibberPrices(TibberClientSettings settings)
    : settings_(std::move(settings)), path_(http::parse_https_url(settings_.url).path) {}

http::HttpRequest TibberPrices::request() const {
    const std::string fields = "total startsAt level";
    const std::string price_info =
        fmt::format("priceInfo{} {{ current {{ currency }} today {{ {} }} tomorrow {{ {} }} }}",
                    settings_.quarter_hourly ? "(resolution: QUARTER_HOURLY)" : "", fields, fields);
    const std::string home = settings_.home_id.empty() ? "homes" : fmt::format("home(id: \"{}\")", settings_.home_id);
    json body{{"query", fmt::format("{{ viewer {{ {} {{ currentSubscription {{ {} }} }} }} }}", home, price_info)},
              {"variables", json::object()}};
    http::HttpRequest request;
    request.method = "POST";
    request.target = path_;
    request.headers["authorization"] = "Bearer " + settings_.token;
    request.headers["content-type"] = "application/json";
    request.body = body.dump();
    return request;
}

control::PriceSeries TibberPrices::parse(const http::HttpResponse& response) const {
    json body = json::parse(response.body, nullptr, false);
    if (response.status != 200) {
        auto error = body.is_discarded() ? std::nullopt : graphql_error(body);
        throw std::runtime_error(fmt::format("HTTP {}: {}", response.status, error.value_or(excerpt(response.body))));
    }
    if (body.is_discarded()) {
        throw std::runtime_error("the answer is not JSON: " + excerpt(response.body));
    }
    try {
        const json& viewer = body.at("data").at("viewer");
        const json& home = settings_.home_id.empty() ? viewer.at("homes").at(0) : viewer.at("home");
        if (home.is_null()) {
            throw std::runtime_error(graphql_error(body).value_or("no home " + settings_.home_id));
        }
        const json& info = home.at("currentSubscription").at("priceInfo");
        const auto slot_length = settings_.quarter_hourly ? std::chrono::minutes(15) : std::chrono::minutes(60);
        std::vector<control::PriceSlot> slots;
        for (const char* day : {"today", "tomorrow"}) {
            if (!info.contains(day) || info[day].is_null()) {
                continue;  // tomorrow before it is published
            }
            for (const auto& entry : info[day]) {
                const auto start = parse_iso8601(entry.at("startsAt").get<std::string>());
                if (!start) {
                    throw std::runtime_error("startsAt '" + entry.at("startsAt").get<std::string>() +
                                             "' is not an ISO 8601 time");
                }
                control::PriceSlot slot{*start, *start + slot_length, entry.at("total").get<double>(), std::nullopt};
                if (entry.contains("level") && entry["level"].is_string()) {
                    slot.level = entry["level"].get<std::string>();
                }
                slots.push_back(slot);
            }
        }
        std::string currency = "EUR";
        if (info.contains("current") && info["current"].is_object() && info["current"].contains("currency") &&
            info["current"]["currency"].is_string()) {
            currency = info["current"]["currency"].get<std::string>();
        }
        if (slots.empty()) {
            throw std::runtime_error("the answer has no prices for today");
        }
        return control::PriceSeries(std::move(slots), currency + "/kWh");
    } catch (const json::exception& error) {
        throw std::runtime_error(std::string("unexpected answer: ") + error.what());
    }
}

void TibberPrices::fetch(http::HttpPort& port, TimePoint /*now*/, Done done) {
    port.request(request(), [self = std::static_pointer_cast<TibberPrices>(shared_from_this()), done = std::move(done)](
                                std::optional<std::string> error, const http::HttpResponse& response) {
        if (error) {
            done(std::nullopt, *error);
            return;
        }
        try {
            done(self->parse(response), "");
        } catch (const std::exception& failure) {
            done(std::nullopt, failure.what());
        }
    });
}

}  // namespace evhil::prices
