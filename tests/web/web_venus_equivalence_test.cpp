// The same write through the web API and through a Venus SetValue on the charger's evcharger service is accepted or
// refused alike and leaves the station in the same state: both go through UserCommands, and this shows it.

#include "drivers/venus/evcharger_service.hpp"
#include "drivers/venus/in_process_bus.hpp"
#include "tests/web/web_fixture.hpp"

namespace evhil::web::testing {
namespace {

class WebVenusEquivalenceTest : public WebFixture {
protected:
    void SetUp() override {
        service_bus_.connect([](auto) {});
        gui_.connect([](auto) {});
        const auto& charger = bed_.station->config().chargers.front();
        service_ = std::make_unique<venus::EvchargerService>(
            service_bus_, *bed_.station, charger.id, venus::parse_evcharger_settings(charger.node, charger.id, 0),
            "test");
        service_->publish([](const std::optional<std::string>&) {});
        WebFixture::SetUp();
    }
    bool venus_accepts(const std::string& path, const venus::BusValue& value) {
        std::optional<venus::SetValueResult> out;
        gui_.set_value(
            "com.victronenergy.evcharger.charger", path, value,
            [&](std::optional<venus::SetValueResult> result, const std::optional<std::string>&) { out = result; });
        run(1ms);
        return out == venus::SetValueResult::accepted;
    }

    venus::InProcessBusDaemon daemon_{bed_.executor};
    venus::InProcessVenusBus service_bus_{daemon_, "evchargerd"};
    venus::InProcessVenusBus gui_{daemon_, "gui"};
    std::unique_ptr<venus::EvchargerService> service_;
};

TEST_F(WebVenusEquivalenceTest, CurrentsAreAcceptedAndRefusedAlike) {
    for (double amps : {-0.5, 0.0, 6.0, 7.5, 13.0, 16.0, 32.0, 80.0, 80.1, 500.0}) {
        ASSERT_EQ(post("/api/set_current", {{"amps", 10.5}}).result(), http::status::ok);  // a known state first
        const bool by_venus = venus_accepts("/SetCurrent", amps);
        EXPECT_DOUBLE_EQ(charger().user.current_a, by_venus ? amps : 10.5) << amps << " A by Venus";
        ASSERT_EQ(post("/api/set_current", {{"amps", 10.5}}).result(), http::status::ok);
        const bool by_web = post("/api/set_current", {{"amps", amps}}).result() == http::status::ok;
        EXPECT_DOUBLE_EQ(charger().user.current_a, by_web ? amps : 10.5) << amps << " A by the web";
        EXPECT_EQ(by_venus, by_web) << amps << " A";
        run(2s);
        // Whatever was accepted, the limiter holds the command at the 13 A cable.
        EXPECT_LE(charger().command.current_a, 13.0) << amps << " A";
    }
}

TEST_F(WebVenusEquivalenceTest, ModesAndStartStopAreAcceptedAndRefusedAlike) {
    for (int mode : {-1, 0, 1, 2, 3}) {
        const bool by_venus = venus_accepts("/Mode", std::int64_t{mode});
        const bool by_web = post("/api/mode", {{"mode", mode}}).result() == http::status::ok;
        EXPECT_EQ(by_venus, by_web) << "mode " << mode;
    }
    for (bool enabled : {false, true}) {
        EXPECT_TRUE(venus_accepts("/StartStop", std::int64_t{enabled ? 1 : 0}));
        EXPECT_EQ(charger().user.enabled, enabled);
        EXPECT_EQ(post("/api/startstop", {{"enabled", !enabled}}).result(), http::status::ok);
        EXPECT_EQ(charger().user.enabled, !enabled);
    }
}

}  // namespace
}  // namespace evhil::web::testing
