#include "simulators/tariffs/octopus_api.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace evhil::sim::tariffs {
namespace {

// Ordered, so that the fields come in the order the real endpoint sends them.
using json = nlohmann::ordered_json;
using std::chrono::minutes;

struct QueryParameter {
    std::string raw;    // as sent, for the pagination links
    std::string name;   // decoded
    std::string value;  // decoded
};

std::string url_decode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::vector<QueryParameter> parse_query(const std::string& query) {
    std::vector<QueryParameter> parameters;
    std::size_t start = 0;
    while (start < query.size()) {
        auto end = query.find('&', start);
        std::string raw = query.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!raw.empty()) {
            auto equals = raw.find('=');
            parameters.push_back({raw, url_decode(raw.substr(0, equals)),
                                  equals == std::string::npos ? "" : url_decode(raw.substr(equals + 1))});
        }
        start = end == std::string::npos ? query.size() : end + 1;
    }
    return parameters;
}

const std::string* find(const std::vector<QueryParameter>& parameters, const std::string& name) {
    for (const auto& p : parameters) {
        if (p.name == name) {
            return &p.value;
        }
    }
    return nullptr;
}

SimAnswer detail(int status, const std::string& text) {
    return {{status, "application/json", json{{"detail", text}}.dump()}};
}

// "2025-01-01T23:30:00Z"
std::string format_z(TimePoint t) {
    auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t);
    auto days = std::chrono::floor<std::chrono::days>(seconds);
    std::chrono::year_month_day ymd{days};
    std::chrono::hh_mm_ss hms{seconds - days};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", int(ymd.year()), unsigned(ymd.month()),
                       unsigned(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

// Django REST Framework's page links: the request's parameters with page replaced (or left out for the first page).
std::string page_link(const std::string& base, const std::vector<QueryParameter>& parameters, long page) {
    std::string query;
    for (const auto& p : parameters) {
        if (p.name != "page") {
            query += (query.empty() ? "" : "&") + p.raw;
        }
    }
    if (page > 1) {
        query += (query.empty() ? "" : "&") + fmt::format("page={}", page);
    }
    return query.empty() ? base : base + "?" + query;
}

std::optional<long> parse_positive(const std::string* text) {
    if (text == nullptr) {
        return std::nullopt;
    }
    try {
        std::size_t used = 0;
        long value = std::stol(*text, &used);
        if (used == text->size() && value > 0) {
            return value;
        }
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

}  // namespace

PriceSettings agile_prices() {
    PriceSettings prices;
    prices.slot_length = minutes(30);
    prices.timezone = "Europe/London";
    prices.base_price = 20;  // p/kWh
    prices.currency = "GBP";
    prices.tax_rate = 0;  // VAT is the endpoint's own (value_inc_vat)
    prices.decimals = 2;
    return prices;
}

OctopusApi::OctopusApi(OctopusSettings settings) : settings_(std::move(settings)), prices_(settings_.prices) {
    if (settings_.publish_hour < 0 || settings_.publish_hour > 24) {
        throw std::invalid_argument("the publish hour is a local hour from 0 to 24");
    }
}

std::string OctopusApi::rates_path() const {
    return fmt::format("/v1/products/{}/electricity-tariffs/{}/standard-unit-rates/", settings_.product,
                       settings_.tariff);
}

TimePoint OctopusApi::published_until(TimePoint now) const {
    auto today = std::chrono::sys_days(prices_.local_day(now));
    bool published = now >= prices_.at_local(prices_.local_day(now), std::chrono::hours(settings_.publish_hour));
    return prices_.day_start(std::chrono::year_month_day(today + std::chrono::days(published ? 2 : 1)));
}

std::optional<TimePoint> OctopusApi::parse_datetime(const std::string& text) const {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 || consumed != 10) {
        return std::nullopt;
    }
    std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
    std::size_t pos = 10;
    double second = 0;
    if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
        std::string rest = text.substr(pos + 1);
        if (std::sscanf(rest.c_str(), "%2d:%2d%n", &hour, &minute, &consumed) != 2 || consumed != 5) {
            return std::nullopt;
        }
        pos += 1 + 5;
        if (pos < text.size() && text[pos] == ':') {
            std::size_t end = text.find_first_not_of("0123456789.", pos + 1);
            std::string digits = text.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
            if (digits.size() < 2 || !std::isdigit(static_cast<unsigned char>(digits[1]))) {
                return std::nullopt;
            }
            second = std::stod(digits);
            pos += 1 + digits.size();
        }
    }
    // Years this century only: a TimePoint counts nanoseconds, which reach 292 years at most, and a span between two
    // datetimes must fit too.
    if (!date.ok() || year < 2000 || year > 2099 || hour > 23 || minute > 59 || second >= 60) {
        return std::nullopt;
    }
    const auto time_of_day = std::chrono::hours(hour) + minutes(minute);
    const Duration seconds = from_seconds(second);
    std::string zone = text.substr(pos);
    if (zone.empty()) {
        return prices_.at_local(date, time_of_day) + seconds;  // no zone: UK time
    }
    const TimePoint utc = TimePoint(std::chrono::sys_days(date) + time_of_day) + seconds;
    if (zone == "Z") {
        return utc;
    }
    // "+01:00", "+0100" or "+01"; a '+' sent unencoded in a query string arrives as a space.
    int offset_hours = 0, offset_minutes = 0;
    char sign = zone[0];
    std::string digits = zone.substr(1);
    if (digits.size() == 5 && digits[2] == ':') {
        digits.erase(2, 1);
    }
    if ((sign != '+' && sign != '-' && sign != ' ') || (digits.size() != 2 && digits.size() != 4) ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    offset_hours = std::stoi(digits.substr(0, 2));
    offset_minutes = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
    if (offset_hours > 23 || offset_minutes > 59) {
        return std::nullopt;
    }
    const auto offset = std::chrono::hours(offset_hours) + minutes(offset_minutes);
    return sign == '-' ? utc + offset : utc - offset;
}

SimAnswer OctopusApi::handle(const http::HttpRequest& request, TimePoint now) const {
    SimAnswer answer = this->answer(request, now);
    faults_.apply(answer, now);
    return answer;
}

SimAnswer OctopusApi::answer(const http::HttpRequest& request, TimePoint now) const {
    const auto question = request.target.find('?');
    const std::string path = request.target.substr(0, question);
    const auto parameters = parse_query(question == std::string::npos ? "" : request.target.substr(question + 1));
    const std::string products = "/v1/products/";
    if (path.rfind(products, 0) != 0) {
        return detail(404, "Not found.");
    }
    if (path.rfind(products + settings_.product + "/", 0) != 0) {
        return detail(404, "No EnergyProduct matches the given query.");
    }
    const std::string tariffs = products + settings_.product + "/electricity-tariffs/";
    if (path.rfind(tariffs, 0) == 0 && path.rfind(tariffs + settings_.tariff + "/", 0) != 0) {
        return detail(404, "No EnergyProduct matches the given query.");
    }
    if (path != rates_path()) {
        return detail(404, "Not found.");
    }
    if (request.method != "GET") {
        return detail(405, "Method \"" + request.method + "\" not allowed.");
    }
    const Duration length = settings_.prices.slot_length;
    TimePoint from = prices_.day_start(std::chrono::year_month_day(std::chrono::sys_days(prices_.local_day(now)) -
                                                                   std::chrono::days(settings_.history_days)));
    TimePoint to = published_until(now);
    for (const char* field : {"period_from", "period_to"}) {
        if (const std::string* text = find(parameters, field)) {
            auto parsed = parse_datetime(*text);
            if (!parsed) {
                return {{400, "application/json", json{{field, json::array({"Enter a valid date/time."})}}.dump()}};
            }
            (std::string(field) == "period_from" ? from : to) = *parsed;
        }
    }
    to = std::min(to, published_until(now));
    // Half-hourly slots lie on a UTC grid (the UK's offsets are whole hours), so the count and a page's place in the
    // list come from arithmetic, and only the page's own slots are computed.
    const TimePoint first_start = from - from.time_since_epoch() % length;  // after 2000 (parse_datetime)
    const long count = to > first_start ? static_cast<long>((to - first_start + length - Duration(1)) / length) : 0;
    long page_size = parse_positive(find(parameters, "page_size")).value_or(settings_.default_page_size);
    page_size = std::min<long>(page_size, settings_.max_page_size);
    const long pages = std::max<long>(1, (count + page_size - 1) / page_size);
    const std::string* page_text = find(parameters, "page");
    const auto page = page_text == nullptr ? std::optional<long>(1) : parse_positive(page_text);
    if (!page || *page > pages) {
        return detail(404, "Invalid page.");
    }
    // Newest first: the page holds list positions [skip, skip + n), position 0 being the newest slot.
    const long skip = (*page - 1) * page_size;
    const long n = std::min(page_size, count - skip);
    json results = json::array();
    if (n > 0) {
        auto slots = prices_.between(first_start + length * (count - skip - n), first_start + length * (count - skip));
        for (auto it = slots.rbegin(); it != slots.rend(); ++it) {
            const double inc_vat = std::round(it->energy * (1 + settings_.vat_rate) * 1e4) / 1e4;
            results.push_back({{"value_exc_vat", it->energy},
                               {"value_inc_vat", inc_vat},
                               {"valid_from", format_z(it->start)},
                               {"valid_to", format_z(it->end)},
                               {"payment_method", nullptr}});
        }
    }
    const std::string base = settings_.base_url + path;
    json out{{"count", count},
             {"next", skip + n < count ? json(page_link(base, parameters, *page + 1)) : json(nullptr)},
             {"previous", *page > 1 ? json(page_link(base, parameters, *page - 1)) : json(nullptr)},
             {"results", results}};
    return {{200, "application/json", out.dump()}};
}

}  // namespace evhil::sim::tariffs
