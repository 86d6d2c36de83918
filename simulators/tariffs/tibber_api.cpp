#include "simulators/tariffs/tibber_api.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "simulators/tariffs/graphql_query.hpp"

namespace evhil::sim::tariffs {
namespace {

// Ordered, so that an answer lists its fields in the order the query asked for them, as a GraphQL server does.
using json = nlohmann::ordered_json;
using graphql::Field;
using graphql::QueryError;
using std::chrono::year_month_day;

json error(const std::string& message, const std::string& code) {
    return {{"message", message}, {"extensions", {{"code", code}}}};
}

SimAnswer errors_answer(int status, json errors) {
    return {{status, "application/json", json{{"errors", std::move(errors)}}.dump()}};
}

QueryError unknown_field(const Field& field, const char* type) {
    return QueryError("Cannot query field \"" + field.name + "\" on type \"" + type + "\".");
}

bool bearer_matches(const http::HttpRequest& request, const std::string& token) {
    auto it = request.headers.find("authorization");
    if (it == request.headers.end() || it->second.size() < 7) {
        return false;
    }
    std::string scheme = it->second.substr(0, 7);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    return scheme == "bearer " && it->second.substr(7) == token;
}

// One query's answer: the time it is asked at, and each local day's prices computed once per resolution.
class Resolver {
public:
    Resolver(const TibberApi& api, TimePoint now)
        : api_(api), now_(now), today_(api.prices().local_day(now)), published_(api.tomorrow_published(now)) {}

    json errors = json::array();

    json viewer(const Field& field) {
        json out = json::object();
        for (const auto& f : field.selections) {
            if (f.name == "homes") {
                json homes = json::array();
                for (const auto& home : api_.settings().homes) {
                    homes.push_back(this->home(f, home));
                }
                out[f.key] = homes;
            } else if (f.name == "home") {
                out[f.key] = home_by_id(f);
            } else if (f.name == "name" || f.name == "login") {
                out[f.key] = "evhil";
            } else {
                throw unknown_field(f, "Viewer");
            }
        }
        return out;
    }

private:
    json home_by_id(const Field& field) {
        auto id = field.arguments.find("id");
        if (id == field.arguments.end()) {
            throw QueryError("Field \"home\" argument \"id\" of type \"ID!\" is required, but it was not provided.");
        }
        const auto& homes = api_.settings().homes;
        auto found = std::find_if(homes.begin(), homes.end(), [&](const auto& h) { return h.id == id->second; });
        if (found == homes.end()) {
            json e = error("Could not find a home with id " + id->second, "NOT_FOUND");
            e["path"] = {"viewer", field.key};
            errors.push_back(e);
            return nullptr;
        }
        return home(field, *found);
    }

    json home(const Field& field, const TibberHome& home) {
        json out = json::object();
        for (const auto& f : field.selections) {
            if (f.name == "id") {
                out[f.key] = home.id;
            } else if (f.name == "appNickname") {
                out[f.key] = home.nickname;
            } else if (f.name == "timeZone") {
                out[f.key] = api_.prices().settings().timezone;
            } else if (f.name == "currentSubscription") {
                out[f.key] = subscription(f);
            } else {
                throw unknown_field(f, "Home");
            }
        }
        return out;
    }

    json subscription(const Field& field) {
        json out = json::object();
        for (const auto& f : field.selections) {
            if (f.name == "priceInfo") {
                out[f.key] = price_info(f);
            } else if (f.name == "status") {
                out[f.key] = "running";
            } else {
                throw unknown_field(f, "Subscription");
            }
        }
        return out;
    }

    Duration resolution(const Field& field, Duration fallback) const {
        auto it = field.arguments.find("resolution");
        if (it == field.arguments.end()) {
            return fallback;
        }
        if (it->second == "HOURLY") {
            return std::chrono::minutes(60);
        }
        if (it->second == "QUARTER_HOURLY") {
            return std::chrono::minutes(15);
        }
        throw QueryError("Value \"" + it->second + "\" does not exist in \"PriceInfoResolution\" enum.");
    }

    json price_info(const Field& field) {
        const Duration length = resolution(field, api_.prices().settings().slot_length);
        const auto tomorrow = year_month_day(std::chrono::sys_days(today_) + std::chrono::days(1));
        json out = json::object();
        for (const auto& f : field.selections) {
            if (f.name == "current") {
                const auto& slots = day(today_, length);
                auto it = std::find_if(slots.begin(), slots.end(), [&](const auto& s) { return s.end > now_; });
                out[f.key] = price(f, *it, average(slots));
            } else if (f.name == "today" || f.name == "tomorrow") {
                json list = json::array();
                if (f.name == "today" || published_) {
                    const auto& slots = day(f.name == "today" ? today_ : tomorrow, length);
                    for (const auto& slot : slots) {
                        list.push_back(price(f, slot, average(slots)));
                    }
                }
                out[f.key] = list;
            } else if (f.name == "range") {
                out[f.key] = range(f);
            } else {
                throw unknown_field(f, "PriceInfo");
            }
        }
        return out;
    }

    // UNCONFIRMED semantics (the real range pages with cursors): `first: N` is N slots from the start of today, up to
    // the last published one; `last: N` is the N slots that end with the current one.
    json range(const Field& field) {
        if (!field.arguments.contains("resolution")) {
            throw QueryError("Field \"range\" argument \"resolution\" of type \"PriceInfoResolution!\" is required.");
        }
        const Duration length = resolution(field, {});
        const bool last = field.arguments.contains("last");
        long count = 0;
        try {
            count = std::stol(field.arguments.at(last ? "last" : "first"));
        } catch (const std::exception&) {
            throw QueryError("Field \"range\" wants a number in first: or last:");
        }
        // A year of quarter hours is plenty, and keeps a huge N from computing prices for centuries.
        count = std::clamp(count, 0L, 366L * 96);
        std::vector<std::pair<PriceSlot, double>> slots;  // with their day's average
        const auto days_back = last ? length * count / std::chrono::hours(24) + 1 : 0;
        const auto first_day = std::chrono::sys_days(today_) - std::chrono::days(days_back);
        const auto last_day = std::chrono::sys_days(today_) + std::chrono::days(published_ ? 1 : 0);
        for (auto d = first_day; d <= last_day; d += std::chrono::days(1)) {
            const auto& day_slots = day(year_month_day(d), length);
            for (const auto& slot : day_slots) {
                if (!last || slot.start <= now_) {
                    slots.emplace_back(slot, average(day_slots));
                }
            }
        }
        const auto n = std::min(static_cast<std::size_t>(count), slots.size());
        const std::size_t from = last ? slots.size() - n : 0;
        json out = json::object();
        for (const auto& f : field.selections) {
            if (f.name != "nodes") {
                throw unknown_field(f, "SubscriptionPriceConnection");
            }
            json nodes = json::array();
            for (std::size_t i = from; i < from + n; ++i) {
                nodes.push_back(price(f, slots[i].first, slots[i].second));
            }
            out[f.key] = nodes;
        }
        return out;
    }

    json price(const Field& field, const PriceSlot& slot, double day_average) const {
        json out = json::object();
        for (const auto& f : field.selections) {
            if (f.name == "total") {
                out[f.key] = slot.total;
            } else if (f.name == "energy") {
                out[f.key] = slot.energy;
            } else if (f.name == "tax") {
                out[f.key] = slot.tax;
            } else if (f.name == "startsAt") {
                out[f.key] = api_.prices().format_local(slot.start);
            } else if (f.name == "level") {
                out[f.key] = tibber_level(slot.total, day_average);
            } else if (f.name == "currency") {
                out[f.key] = api_.prices().settings().currency;
            } else {
                throw unknown_field(f, "Price");
            }
        }
        return out;
    }

    const std::vector<PriceSlot>& day(year_month_day date, Duration length) {
        auto key = std::make_pair(std::chrono::sys_days(date), length);
        auto it = days_.find(key);
        if (it == days_.end()) {
            it = days_.emplace(key, api_.prices().day(date, length)).first;
        }
        return it->second;
    }

    static double average(const std::vector<PriceSlot>& slots) {
        double sum = 0;
        for (const auto& slot : slots) {
            sum += slot.total;
        }
        return slots.empty() ? 0 : sum / static_cast<double>(slots.size());
    }

    const TibberApi& api_;
    TimePoint now_;
    year_month_day today_;
    bool published_;
    std::map<std::pair<std::chrono::sys_days, Duration>, std::vector<PriceSlot>> days_;
};

}  // namespace

TibberApi::TibberApi(TibberSettings settings) : settings_(std::move(settings)), prices_(settings_.prices) {
    if (settings_.publish_hour < 0 || settings_.publish_hour > 24) {
        throw std::invalid_argument("the publish hour is a local hour from 0 to 24");
    }
}

bool TibberApi::tomorrow_published(TimePoint now) const {
    return now >= prices_.at_local(prices_.local_day(now), std::chrono::hours(settings_.publish_hour));
}

SimAnswer TibberApi::handle(const http::HttpRequest& request, TimePoint now) const {
    SimAnswer answer = this->answer(request, now);
    faults_.apply(answer, now);
    return answer;
}

SimAnswer TibberApi::answer(const http::HttpRequest& request, TimePoint now) const {
    auto target = request.target.substr(0, request.target.find('?'));
    if (target != path) {
        return errors_answer(404, json::array({error("Not found: " + target, "NOT_FOUND")}));
    }
    if (request.method != "POST") {
        return errors_answer(405, json::array({error("Send queries with POST", "METHOD_NOT_ALLOWED")}));
    }
    if (!bearer_matches(request, settings_.token)) {
        return errors_answer(401, json::array({error("Context creation failed: invalid token", "UNAUTHENTICATED")}));
    }
    auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("query") || !body["query"].is_string()) {
        return errors_answer(400, json::array({error("The body must be JSON with a \"query\" string", "BAD_REQUEST")}));
    }
    auto variables = body.value("variables", nlohmann::json::object());
    try {
        Resolver resolver(*this, now);
        json data = json::object();
        for (const auto& field : graphql::parse_query(body["query"].get<std::string>(), variables)) {
            if (field.name != "viewer") {
                throw unknown_field(field, "Query");
            }
            data[field.key] = resolver.viewer(field);
        }
        json out{{"data", data}};
        if (!resolver.errors.empty()) {
            out["errors"] = resolver.errors;
        }
        return {{200, "application/json", out.dump()}};
    } catch (const QueryError& e) {
        return errors_answer(400, json::array({error(e.what(), "GRAPHQL_VALIDATION_FAILED")}));
    }
}

}  // namespace evhil::sim::tariffs
