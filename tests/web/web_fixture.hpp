#pragma once
// A station on the virtual clock with a simulated Alfen behind a 13 A cable (scenarios/station/cable-limit.yaml),
// and the web service over it, asked directly (no socket): what a browser's request does to the station.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "drivers/web/web_service.hpp"
#include "harness/run/testbed.hpp"

namespace evhil::web::testing {

using namespace std::chrono_literals;
using nlohmann::json;

inline Request make_request(http::verb method, const std::string& target, const std::string& body = "",
                            const std::string& type = "application/json") {
    Request request{method, target, 11};
    request.set(http::field::host, "127.0.0.1:8088");
    if (!body.empty() || method != http::verb::get) {
        request.set(http::field::content_type, type);
        request.body() = body;
        request.prepare_payload();
    }
    return request;
}

class WebFixture : public ::testing::Test {
protected:
    explicit WebFixture(WebSettings settings = {}, std::optional<ConfigHooks> hooks = std::nullopt)
        : web_(bed_.executor, *bed_.station, std::move(settings), std::move(hooks)) {}

    void SetUp() override {
        bed_.station->start();
        // The harness' physics: the EV draws what it is offered, the meters count.
        bed_.executor.schedule_every(scenario_.physics_step, [this] {
            for (auto& device : bed_.devices) {
                device.rig->step(scenario_.physics_step);
            }
        });
        run(5s);
    }
    void run(Duration span) { bed_.executor.run_for(span); }
    Response send(const Request& request, const std::string& from = "127.0.0.1") {
        return web_.handle(request, Peer{from, from == "127.0.0.1"}).response;
    }
    Response get(const std::string& target) { return send(make_request(http::verb::get, target)); }
    Response post(const std::string& target, const json& body) {
        return send(make_request(http::verb::post, target, body.dump()));
    }
    static json body(const Response& response) { return json::parse(response.body()); }
    const station::Station::Charger& charger() { return *bed_.station->find("charger"); }

    harness::Scenario scenario_ = harness::load_scenario(EVHIL_SOURCE_DIR "/scenarios/station/cable-limit.yaml");
    harness::RunOptions options_;
    harness::Testbed bed_{scenario_, options_, 1};
    WebService web_;
};

}  // namespace evhil::web::testing
