// Who may do what: the Host check against DNS rebinding, cross-site writes refused, the log-in (password stored
// hashed, session cookie, bearer token), nothing but the log-in answering without credentials, and the rate limits.

#include "drivers/web/credentials.hpp"
#include "tests/web/web_fixture.hpp"

namespace evhil::web::testing {
namespace {

class WebCrossSiteTest : public WebFixture {};

TEST_F(WebCrossSiteTest, AWriteFromAnotherOriginOrAsAFormIsRefused) {
    auto request = make_request(http::verb::post, "/api/startstop", R"({"enabled": false})");
    request.set(http::field::origin, "http://evil.example");
    auto refused = send(request);
    EXPECT_EQ(refused.result(), http::status::forbidden);
    EXPECT_NE(refused.body().find("cross-site request refused"), std::string::npos);

    auto form = make_request(http::verb::post, "/api/startstop", "enabled=false", "application/x-www-form-urlencoded");
    EXPECT_EQ(send(form).result(), http::status::unsupported_media_type);

    auto fetch_metadata = make_request(http::verb::post, "/api/startstop", R"({"enabled": false})");
    fetch_metadata.set("Sec-Fetch-Site", "cross-site");
    EXPECT_EQ(send(fetch_metadata).result(), http::status::forbidden);
    run(2s);
    EXPECT_TRUE(charger().user.enabled);  // none of them reached the station

    auto same_origin = make_request(http::verb::post, "/api/startstop", R"({"enabled": false})");
    same_origin.set(http::field::origin, "http://127.0.0.1:8088");
    same_origin.set("Sec-Fetch-Site", "same-origin");
    EXPECT_EQ(send(same_origin).result(), http::status::ok);
    EXPECT_FALSE(charger().user.enabled);
}

TEST_F(WebCrossSiteTest, WithoutLogInOnlyThisMachinesNamesAreAnswered) {
    auto rebound = make_request(http::verb::get, "/api/status");
    rebound.set(http::field::host, "attacker.example:8088");
    auto refused = send(rebound);
    EXPECT_EQ(refused.result(), http::status::misdirected_request);
    EXPECT_NE(refused.body().find("allowed_hosts"), std::string::npos);
    for (const auto* host : {"localhost:8088", "[::1]:8088", "127.0.0.1"}) {
        auto request = make_request(http::verb::get, "/api/status");
        request.set(http::field::host, host);
        EXPECT_EQ(send(request).result(), http::status::ok) << host;
    }
}

TEST_F(WebCrossSiteTest, AFloodFromOneClientIsSlowedDownAndOthersAreNot) {
    int refused = 0;
    for (int i = 0; i < 60; ++i) {
        refused += get("/api/status").result() == http::status::too_many_requests ? 1 : 0;
    }
    EXPECT_EQ(refused, 20);  // a burst of 40, no time passing
    EXPECT_EQ(send(make_request(http::verb::get, "/api/status"), "127.0.0.2").result(), http::status::ok);
    run(1s);  // 20 tokens a second come back
    EXPECT_EQ(get("/api/status").result(), http::status::ok);
}

const std::string& api_token() {
    static const std::string token = random_token();
    return token;
}

WebSettings with_password() {
    WebSettings settings;
    settings.host = "0.0.0.0";
    static const std::string hash = hash_password("correct horse");  // about 0.1 s each: once
    settings.password_hash = hash;
    settings.token_hash = token_digest(api_token());
    return settings;
}

class WebLoginTest : public WebFixture {
protected:
    WebLoginTest() : WebFixture(with_password()) {}
    std::string log_in(const std::string& password, http::status expected) {
        auto response = post("/api/login", {{"password", password}});
        EXPECT_EQ(response.result(), expected) << response.body();
        auto cookie = std::string(to_std(response[http::field::set_cookie]));
        return cookie.substr(0, cookie.find(';'));
    }
    Response get_with(const std::string& target, const std::string& header, const std::string& value) {
        auto request = make_request(http::verb::get, target);
        request.set(header, value);
        return send(request);
    }
};

TEST_F(WebLoginTest, WithoutCredentialsNothingButTheLogInAnswers) {
    for (const auto* path : {"/api/status", "/api/events", "/api/history", "/api/config", "/api/config/schema"}) {
        auto response = get(path);
        EXPECT_EQ(response.result(), http::status::unauthorized) << path;
        EXPECT_EQ(response.body().find("charger"), std::string::npos) << path;
    }
    for (const auto* path : {"/", "/index.html", "/app.js", "/config"}) {
        auto response = get(path);
        EXPECT_EQ(response.result(), http::status::see_other) << path;
        EXPECT_EQ(response[http::field::location], "/login");
    }
    EXPECT_EQ(post("/api/startstop", {{"enabled", false}}).result(), http::status::unauthorized);
    run(2s);
    EXPECT_TRUE(charger().user.enabled);
    EXPECT_EQ(get("/login").result(), http::status::ok);
    EXPECT_EQ(get("/login.js").result(), http::status::ok);
    EXPECT_FALSE(body(get("/api/auth"))["authenticated"].get<bool>());
}

TEST_F(WebLoginTest, ThePasswordGivesASessionCookieAndLogOutEndsIt) {
    EXPECT_EQ(log_in("wrong", http::status::unauthorized), "");
    auto cookie = log_in("correct horse", http::status::ok);
    ASSERT_EQ(cookie.rfind("evchargerd_session=", 0), 0U);
    EXPECT_EQ(cookie.size(), std::string("evchargerd_session=").size() + 64);
    EXPECT_EQ(get_with("/api/status", "Cookie", "theme=dark; " + cookie).result(), http::status::ok);
    EXPECT_EQ(get_with("/api/status", "Cookie", cookie + "x").result(), http::status::unauthorized);
    auto logout = make_request(http::verb::post, "/api/logout", "{}");
    logout.set(http::field::cookie, cookie);
    EXPECT_EQ(send(logout).result(), http::status::ok);
    EXPECT_EQ(get_with("/api/status", "Cookie", cookie).result(), http::status::unauthorized);
}

TEST_F(WebLoginTest, AnApiTokenWorksAsBearerAndAWrongOneDoesNot) {
    EXPECT_EQ(get_with("/api/status", "Authorization", "Bearer " + api_token()).result(), http::status::ok);
    EXPECT_EQ(get_with("/api/status", "Authorization", "Bearer " + std::string(64, '0')).result(),
              http::status::unauthorized);
    EXPECT_EQ(get_with("/api/status", "Authorization", "Basic Zm9vOmJhcg==").result(), http::status::unauthorized);
}

TEST_F(WebLoginTest, GuessingIsLimitedToFiveTriesAMinute) {
    for (int i = 0; i < 5; ++i) {
        log_in("guess", http::status::unauthorized);
    }
    log_in("correct horse", http::status::too_many_requests);  // even the right one, until the minute is over
    run(13s);
    log_in("correct horse", http::status::ok);
}

TEST(WebCredentials, PasswordsAreStoredAsArgon2idAndTokensAsDigests) {
    const auto hash = hash_password("s3cret");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0U);
    EXPECT_EQ(hash.find("s3cret"), std::string::npos);
    EXPECT_TRUE(verify_password(hash, "s3cret"));
    EXPECT_FALSE(verify_password(hash, "s3cret "));
    EXPECT_FALSE(verify_password("", ""));
    EXPECT_NE(hash_password("s3cret"), hash);  // salted
    const auto token = random_token();
    EXPECT_EQ(token.size(), 64U);
    EXPECT_NE(random_token(), token);
    EXPECT_TRUE(verify_token(token_digest(token), token));
    EXPECT_FALSE(verify_token(token_digest(token), token.substr(1)));
}

TEST(WebSettingsTest, BeyondLoopbackWithoutCredentialsIsAConfigurationError) {
    auto node = ConfigNode::load_string("host: 0.0.0.0\n", "web.yaml");
    auto no_environment = [](const char*) -> const char* { return nullptr; };
    try {
        parse_web_settings(node, no_environment);
        FAIL() << "accepted";
    } catch (const ConfigError& error) {
        EXPECT_NE(
            std::string(error.what()).find("web.yaml:1:1: the web UI on 0.0.0.0 is reachable beyond this machine"),
            std::string::npos)
            << error.what();
    }
    auto bad_hash = ConfigNode::load_string("auth: {password_hash: hunter2}\n", "web.yaml");
    EXPECT_THROW(parse_web_settings(bad_hash, no_environment), ConfigError);
    auto environment = [](const char* name) -> const char* {
        return std::string(name) == "EVCHARGERD_WEB_PORT" ? "9099" : nullptr;
    };
    auto settings = parse_web_settings(ConfigNode::load_string("{}", "web.yaml"), environment);
    EXPECT_EQ(settings.port, 9099);
    EXPECT_EQ(settings.host, "127.0.0.1");
    auto bad_port = [](const char* name) -> const char* {
        return std::string(name) == "EVCHARGERD_WEB_PORT" ? "80a" : nullptr;
    };
    EXPECT_THROW(parse_web_settings(ConfigNode::load_string("{}", "web.yaml"), bad_port), ConfigError);
}

}  // namespace
}  // namespace evhil::web::testing
