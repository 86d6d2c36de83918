// The REST API over a station with a simulated Alfen: the snapshot, every command through the same path and limits
// as a Venus write (and each refusal with its reason), history, the event stream and the static files.

#include "tests/web/web_fixture.hpp"

namespace evhil::web::testing {
namespace {

class WebApiTest : public WebFixture {};

TEST_F(WebApiTest, StatusShowsTheChargerItsLimitsAndTheBindingLimit) {
    auto response = get("/api/status");
    ASSERT_EQ(response.result(), http::status::ok);
    auto status = body(response);
    ASSERT_EQ(status["chargers"].size(), 1U);
    const auto& c = status["chargers"][0];
    EXPECT_EQ(c["id"], "charger");
    EXPECT_TRUE(c["connected"].get<bool>());
    EXPECT_EQ(c["mode"], 0);
    EXPECT_TRUE(c["enabled"].get<bool>());
    EXPECT_EQ(c["current"]["bound"], "cable");  // 16 A asked, the 13 A cable binds
    EXPECT_DOUBLE_EQ(c["current"]["allowed_a"].get<double>(), 13.0);
    EXPECT_DOUBLE_EQ(c["current"]["ceiling_a"].get<double>(), 13.0);
    EXPECT_EQ(c["phases"].size(), 3U);
    EXPECT_EQ(c["vehicle"], "C");
    EXPECT_GT(c["power_w"].get<double>(), 8000) << c.dump();          // 3 x 13 A x 230 V
    EXPECT_DOUBLE_EQ(c["current"]["applied_a"].get<double>(), 13.0);  // read back from the simulated station
    EXPECT_DOUBLE_EQ(c["current"]["station_max_a"].get<double>(), 32.0);
    EXPECT_EQ(c["health"]["state"], "running");
    EXPECT_EQ(c["modes_available"], json::array({0}));
    EXPECT_TRUE(status["site"].is_null());  // no Venus bus here
}

TEST_F(WebApiTest, SetCurrentReachesTheSimulatedStationThroughTheLimiter) {
    auto response = post("/api/set_current", {{"amps", 8}});
    ASSERT_EQ(response.result(), http::status::ok) << response.body();
    EXPECT_DOUBLE_EQ(body(response)["charger"]["set_current_a"].get<double>(), 8.0);
    run(3s);
    EXPECT_DOUBLE_EQ(charger().driver->status().applied_current_a, 8.0);  // read back from the simulator
    // Above the cable: stored as asked (like a Venus write), and the limiter holds the command at 13 A.
    ASSERT_EQ(post("/api/set_current", {{"amps", 20}}).result(), http::status::ok);
    run(3s);
    EXPECT_DOUBLE_EQ(charger().command.current_a, 13.0);
    EXPECT_DOUBLE_EQ(charger().driver->status().applied_current_a, 13.0);
}

TEST_F(WebApiTest, RefusedValuesSayWhyAndChangeNothing) {
    struct Case {
        std::string path;
        json body;
        http::status status;
        std::string why;
    };
    const std::vector<Case> cases{
        {"/api/set_current", {{"amps", 100}}, http::status::unprocessable_entity, "outside 0 to 80 A"},
        {"/api/set_current", {{"amps", -1}}, http::status::unprocessable_entity, "outside 0 to 80 A"},
        {"/api/set_current", {{"amps", "10"}}, http::status::bad_request, "must be a number"},
        {"/api/set_current", json::object(), http::status::bad_request, "must be a number"},
        {"/api/set_current", {{"amps", 10}, {"charger", "garage"}}, http::status::not_found, "no charger 'garage'"},
        {"/api/set_current", {{"amps", 10}, {"charger", 3}}, http::status::bad_request, "charger's id"},
        {"/api/mode", {{"mode", 1}}, http::status::unprocessable_entity, "Auto has no controller"},
        {"/api/mode", {{"mode", 2}}, http::status::unprocessable_entity, "Scheduled has no controller"},
        {"/api/mode", {{"mode", 7}}, http::status::unprocessable_entity, "not one of 0 Manual"},
        {"/api/mode", {{"mode", 1.5}}, http::status::bad_request, "must be an integer"},
        {"/api/startstop", {{"enabled", 1}}, http::status::bad_request, "true or false"},
        {"/api/max_current", {{"amps", 81}}, http::status::unprocessable_entity, "outside 0 to 80 A"},
    };
    for (const auto& c : cases) {
        auto response = post(c.path, c.body);
        EXPECT_EQ(response.result(), c.status) << c.path << " " << c.body.dump() << ": " << response.body();
        EXPECT_NE(body(response)["error"].get<std::string>().find(c.why), std::string::npos)
            << c.path << " " << c.body.dump() << ": " << response.body();
    }
    auto not_json = send(make_request(http::verb::post, "/api/set_current", "{amps: 3"));
    EXPECT_EQ(not_json.result(), http::status::bad_request);
    const auto& user = charger().user;
    EXPECT_DOUBLE_EQ(user.current_a, 16.0);
    EXPECT_EQ(user.mode, station::ChargeMode::manual);
    EXPECT_TRUE(user.enabled);
}

// Found by the fuzzer: a path or an id that is not UTF-8 used to throw while its error was written as JSON.
TEST_F(WebApiTest, BytesThatAreNotUtf8InAnErrorAreReplacedNotThrown) {
    auto response = get("/api/\x87nothing");
    EXPECT_EQ(response.result(), http::status::not_found);
    EXPECT_NE(body(response)["error"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

TEST_F(WebApiTest, StartStopPausesAndResumesTheCharger) {
    ASSERT_EQ(post("/api/startstop", {{"enabled", false}}).result(), http::status::ok);
    run(3s);
    EXPECT_DOUBLE_EQ(charger().command.current_a, 0.0);
    EXPECT_EQ(charger().command.bound, station::Bound::disabled);
    EXPECT_DOUBLE_EQ(charger().driver->status().applied_current_a, 0.0);
    ASSERT_EQ(post("/api/startstop", {{"enabled", true}}).result(), http::status::ok);
    run(3s);
    EXPECT_DOUBLE_EQ(charger().driver->status().applied_current_a, 13.0);
}

TEST_F(WebApiTest, HistoryHoldsOneSampleASecondAndRefusesABadSpan) {
    run(30s);
    auto history = body(get("/api/history?minutes=1"));
    const auto& series = history["chargers"]["charger"];
    ASSERT_TRUE(series.is_object());
    EXPECT_GE(series["t"].size(), 30U);
    EXPECT_LE(series["t"].size(), 36U);
    EXPECT_DOUBLE_EQ(series["allowed_a"].back().get<double>(), 13.0);
    EXPECT_EQ(series["t"].size(), series["l1_a"].size());
    for (const auto* bad : {"/api/history?minutes=0", "/api/history?minutes=61", "/api/history?minutes=x"}) {
        EXPECT_EQ(get(bad).result(), http::status::bad_request) << bad;
    }
}

struct RecordingSink : EventSink {
    void send(std::string text) override { messages.push_back(std::move(text)); }
    bool open() const override { return !closed; }
    void close() override { closed = true; }
    std::vector<std::string> messages;
    bool closed = false;
};

TEST_F(WebApiTest, AnEventStreamGetsTheStatusAtOnceAndEveryChangeCoalesced) {
    auto reply = web_.handle(make_request(http::verb::get, "/api/events"), Peer{"127.0.0.1", true});
    ASSERT_TRUE(reply.on_stream_open);
    EXPECT_EQ(reply.response[http::field::content_type], "text/event-stream");
    auto sink = std::make_shared<RecordingSink>();
    reply.on_stream_open(sink);
    ASSERT_EQ(sink->messages.size(), 1U);
    EXPECT_NE(sink->messages[0].find("event: status\ndata: {"), std::string::npos);
    run(10s);
    const auto after_10s = sink->messages.size();
    // The driver polls every second: about one coalesced event a second, not one per listener call.
    EXPECT_GE(after_10s, 8U);
    EXPECT_LE(after_10s, 14U);
    ASSERT_EQ(post("/api/set_current", {{"amps", 7}}).result(), http::status::ok);
    run(300ms);
    EXPECT_NE(sink->messages.back().find("\"set_current_a\":7.0"), std::string::npos) << sink->messages.back();
    sink->closed = true;
    run(2s);
    EXPECT_EQ(web_.events().streams(), 0U);
}

TEST_F(WebApiTest, TheUiIsServedFromTheBinaryWithItsSecurityHeaders) {
    auto page = get("/");
    ASSERT_EQ(page.result(), http::status::ok);
    EXPECT_NE(page.body().find("<title>evchargerd</title>"), std::string::npos);
    EXPECT_EQ(page[http::field::content_type], "text/html; charset=utf-8");
    EXPECT_NE(std::string(to_std(page["Content-Security-Policy"])).find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(get("/app.js")[http::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_EQ(get("/nothing.js").result(), http::status::not_found);
    EXPECT_EQ(get("/api/nothing").result(), http::status::not_found);
    EXPECT_EQ(post("/api/status", json::object()).result(), http::status::method_not_allowed);
    EXPECT_EQ(get("/api/config").result(), http::status::not_found);  // no configuration file here
}

}  // namespace
}  // namespace evhil::web::testing
