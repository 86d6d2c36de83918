#include "drivers/web/web_api.hpp"

#include <charconv>

#include "drivers/core/log.hpp"
#include "drivers/station/user_commands.hpp"
#include "drivers/web/web_assets.hpp"

namespace evhil::web {

using nlohmann::json;
using Refused = station::CommandResult::Refusal;

namespace {

auto logger() {
    return log::get("web");
}

// The UI's own files only: no inline script or style, no other origin, no framing by another site.
constexpr const char* content_security_policy =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

Response json_reply(const Request& request, http::status status, const json& body) {
    return make_response(request, status, json_text(body), "application/json");
}

Response error_reply(const Request& request, http::status status, const std::string& why) {
    return json_reply(request, status, {{"error", why}});
}

Reply reply_of(Response response) {
    return Reply{std::move(response), {}};
}

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

// The value of `key` in the target's query string, undecoded (the API's parameters are numbers).
std::optional<std::string_view> query_value(std::string_view target, std::string_view key) {
    auto mark = target.find('?');
    if (mark == std::string_view::npos) {
        return std::nullopt;
    }
    auto query = target.substr(mark + 1);
    while (!query.empty()) {
        auto end = query.find('&');
        auto pair = query.substr(0, end);
        auto equals = pair.find('=');
        if (pair.substr(0, equals) == key) {
            return equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
        }
        if (end == std::string_view::npos) {
            break;
        }
        query.remove_prefix(end + 1);
    }
    return std::nullopt;
}

http::status status_of(Refused refusal) {
    switch (refusal) {
        case Refused::unknown_charger:
            return http::status::not_found;
        case Refused::invalid:
            return http::status::bad_request;
        default:
            return http::status::unprocessable_entity;
    }
}

bool open_without_login(http::verb method, std::string_view path) {
    if (method == http::verb::get) {
        return path == "/login" || path == "/login.html" || path == "/login.js" || path == "/style.css" ||
               path == "/favicon.svg" || path == "/api/auth";
    }
    return method == http::verb::post && path == "/api/login";
}

}  // namespace

WebApi::WebApi(WebApiParts parts) : parts_(parts), access_(parts.settings) {}

std::string WebApi::status_text() const {
    return json_text(status_snapshot(parts_.station, parts_.costs, parts_.executor.now()));
}

Reply WebApi::handle(const Request& request, const Peer& peer) {
    const auto now = parts_.executor.now();
    const auto path = path_of(to_std(request.target()));
    logger()->debug("{} {} from {}", std::string(to_std(request.method_string())), std::string(path), peer.address);
    if (auto refused = access_.check_rate(peer, now)) {
        return reply_of(error_reply(request, refused->status, refused->why));
    }
    if (auto refused = access_.check_host(request)) {
        return reply_of(error_reply(request, refused->status, refused->why));
    }
    if (!access_.authenticated(request, now) && !open_without_login(request.method(), path)) {
        if (path.substr(0, 5) == "/api/") {
            auto response = error_reply(request, http::status::unauthorized, "log in first (POST /api/login)");
            response.set(http::field::www_authenticate, "Bearer realm=\"evchargerd\"");
            return reply_of(std::move(response));
        }
        auto response = make_response(request, http::status::see_other, "", "text/plain");
        response.set(http::field::location, "/login");
        return reply_of(std::move(response));
    }
    if (auto refused = access_.check_cross_site(request)) {
        return reply_of(error_reply(request, refused->status, refused->why));
    }
    return route(request, peer);
}

Reply WebApi::route(const Request& request, const Peer& peer) {
    const auto method = request.method();
    const std::string path(path_of(to_std(request.target())));
    const bool get = method == http::verb::get || method == http::verb::head;
    const bool post = method == http::verb::post;
    if (path.rfind("/api/", 0) != 0) {
        if (!get) {
            return reply_of(error_reply(request, http::status::method_not_allowed, "the UI's files are GET only"));
        }
        return static_file(request, path);
    }
    auto wrong_method = [&](const char* allowed) {
        auto response = error_reply(
            request, http::status::method_not_allowed,
            std::string(path) + " takes " + allowed + ", not " + std::string(to_std(request.method_string())));
        response.set(http::field::allow, allowed);
        return reply_of(std::move(response));
    };
    if (path == "/api/status") {
        return get ? reply_of(make_response(request, http::status::ok, status_text(), "application/json"))
                   : wrong_method("GET");
    }
    if (path == "/api/events") {
        return get ? events(request) : wrong_method("GET");
    }
    if (path == "/api/history") {
        return get ? reply_of(history(request)) : wrong_method("GET");
    }
    if (path == "/api/mode" || path == "/api/startstop" || path == "/api/set_current" || path == "/api/max_current") {
        return post ? reply_of(command(request, path.substr(5))) : wrong_method("POST");
    }
    if (path == "/api/auth") {
        return get ? reply_of(json_reply(request, http::status::ok,
                                         {{"login_required", access_.login_required()},
                                          {"authenticated", access_.authenticated(request, parts_.executor.now())}}))
                   : wrong_method("GET");
    }
    if (path == "/api/login") {
        return post ? reply_of(log_in(request, peer)) : wrong_method("POST");
    }
    if (path == "/api/logout") {
        if (!post) {
            return wrong_method("POST");
        }
        access_.log_out(request);
        auto response = json_reply(request, http::status::ok, {{"ok", true}});
        response.set(http::field::set_cookie, "evchargerd_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        return reply_of(std::move(response));
    }
    if (path == "/api/config" || path == "/api/config/schema") {
        if (parts_.config == nullptr) {
            return reply_of(error_reply(request, http::status::not_found, "this evchargerd has no configuration file"));
        }
        if (path == "/api/config/schema") {
            return get ? reply_of(parts_.config->schema(request)) : wrong_method("GET");
        }
        if (get) {
            return reply_of(parts_.config->get(request));
        }
        if (method != http::verb::put) {
            return wrong_method("GET, PUT");
        }
        auto body = json::parse(request.body(), nullptr, false);
        if (body.is_discarded()) {
            return reply_of(error_reply(request, http::status::bad_request, "the body is not JSON"));
        }
        auto response = parts_.config->put(request, body);
        if (response.result() == http::status::ok) {
            parts_.events.broadcast("config", response.body());
        }
        return reply_of(std::move(response));
    }
    return reply_of(error_reply(request, http::status::not_found, "no endpoint " + path + " (docs/api.md)"));
}

Response WebApi::command(const Request& request, const std::string& what) {
    auto body = json::parse(request.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return error_reply(request, http::status::bad_request, "the body must be a JSON object");
    }
    const auto& chargers = parts_.station.chargers();
    std::string id;
    if (body.contains("charger")) {
        if (!body.at("charger").is_string()) {
            return error_reply(request, http::status::bad_request, "\"charger\" must be a charger's id (a string)");
        }
        id = body.at("charger").get<std::string>();
    } else if (chargers.size() == 1) {
        id = chargers.front().config.id;
    } else {
        std::string ids;
        for (const auto& charger : chargers) {
            ids += (ids.empty() ? "" : ", ") + charger.config.id;
        }
        return error_reply(request, http::status::bad_request, "name the charger: \"charger\": one of " + ids);
    }
    station::UserCommands commands(parts_.station);
    station::CommandResult result;
    auto field = [&](const char* key) -> const json* { return body.contains(key) ? &body.at(key) : nullptr; };
    if (what == "mode") {
        const auto* mode = field("mode");
        if (mode == nullptr || !mode->is_number_integer()) {
            return error_reply(request, http::status::bad_request,
                               "\"mode\" must be an integer: 0 Manual, 1 Auto, 2 Scheduled");
        }
        result = commands.set_mode(id, mode->get<std::int64_t>());
    } else if (what == "startstop") {
        const auto* enabled = field("enabled");
        if (enabled == nullptr || !enabled->is_boolean()) {
            return error_reply(request, http::status::bad_request, "\"enabled\" must be true or false");
        }
        result = commands.set_enabled(id, enabled->get<bool>());
    } else {
        const auto* amps = field("amps");
        if (amps == nullptr || !amps->is_number()) {
            return error_reply(request, http::status::bad_request, "\"amps\" must be a number of amperes");
        }
        result = what == "set_current" ? commands.set_current(id, amps->get<double>())
                                       : commands.set_max_current(id, amps->get<double>());
    }
    if (!result.ok()) {
        logger()->info("refused {} for {}: {}", what, id, result.why);
        return error_reply(request, status_of(result.refusal), result.why);
    }
    parts_.events.changed();
    auto snapshot = status_snapshot(parts_.station, parts_.costs, parts_.executor.now());
    json charger;
    for (const auto& entry : snapshot.at("chargers")) {
        if (entry.at("id") == id) {
            charger = entry;
        }
    }
    return json_reply(request, http::status::ok, {{"ok", true}, {"charger", charger}});
}

Response WebApi::history(const Request& request) const {
    const auto span_limit = std::chrono::duration_cast<std::chrono::minutes>(parts_.settings.history).count();
    std::int64_t minutes = 10;
    if (auto text = query_value(to_std(request.target()), "minutes")) {
        auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), minutes);
        if (error != std::errc() || end != text->data() + text->size() || minutes < 1 || minutes > span_limit) {
            return error_reply(request, http::status::bad_request,
                               "minutes must be a whole number from 1 to " + std::to_string(span_limit));
        }
    }
    const auto now = parts_.executor.now();
    return json_reply(request, http::status::ok,
                      {{"now", std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()},
                       {"minutes", minutes},
                       {"chargers", parts_.history.since(now, std::chrono::minutes(minutes))}});
}

Response WebApi::log_in(const Request& request, const Peer& peer) {
    auto body = json::parse(request.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("password") || !body.at("password").is_string()) {
        return error_reply(request, http::status::bad_request, "expected {\"password\": \"...\"}");
    }
    if (!access_.login_required()) {
        return json_reply(request, http::status::ok, {{"ok", true}, {"login_required", false}});
    }
    auto outcome = access_.log_in(body.at("password").get<std::string>(), peer, parts_.executor.now());
    if (auto* refused = std::get_if<Refusal>(&outcome)) {
        logger()->warn("log-in from {} refused: {}", peer.address, refused->why);
        return error_reply(request, refused->status, refused->why);
    }
    logger()->info("log-in from {}", peer.address);
    auto response = json_reply(request, http::status::ok, {{"ok", true}});
    response.set(http::field::set_cookie, std::get<std::string>(outcome));
    return response;
}

Reply WebApi::static_file(const Request& request, std::string_view path) const {
    if (path == "/" || path == "/config") {
        path = "/index.html";
    } else if (path == "/login") {
        path = "/login.html";
    }
    for (const auto& asset : web_assets()) {
        if (asset.path == path) {
            auto response =
                make_response(request, http::status::ok, std::string(asset.body), std::string(content_type_of(path)));
            response.set("Content-Security-Policy", content_security_policy);
            response.set("Referrer-Policy", "no-referrer");
            return reply_of(std::move(response));
        }
    }
    return reply_of(make_response(request, http::status::not_found, "not found\n", "text/plain"));
}

Reply WebApi::events(const Request& request) {
    Response head{http::status::ok, 11};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-store");
    head.set("X-Accel-Buffering", "no");  // a reverse proxy in front must not buffer the stream
    (void)request;
    return Reply{std::move(head), [this](std::shared_ptr<EventSink> sink) { parts_.events.add(std::move(sink)); }};
}

std::string_view content_type_of(std::string_view path) {
    auto ends_with = [&](std::string_view suffix) {
        return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
    };
    if (ends_with(".html")) {
        return "text/html; charset=utf-8";
    }
    if (ends_with(".js")) {
        return "text/javascript; charset=utf-8";
    }
    if (ends_with(".css")) {
        return "text/css; charset=utf-8";
    }
    if (ends_with(".svg")) {
        return "image/svg+xml";
    }
    return "application/octet-stream";
}

}  // namespace evhil::web
