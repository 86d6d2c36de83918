// The evcharger service of each charger of a station, on the sim target's in-process bus: the paths a GX reads,
// the writes a GX GUI makes and what the station does with them.

#include <gtest/gtest.h>

#include "drivers/venus/evcharger_service.hpp"
#include "drivers/venus/in_process_bus.hpp"
#include "harness/run/testbed.hpp"

namespace evhil::venus {
namespace {

using namespace std::chrono_literals;

class EvchargerServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        service_bus_.connect([](auto) {});
        gui_.connect([](auto) {});
        const auto& chargers = bed_.station->config().chargers;
        for (std::size_t i = 0; i < chargers.size(); ++i) {
            auto settings = parse_evcharger_settings(chargers[i].node, chargers[i].id, i);
            services_.push_back(
                std::make_unique<EvchargerService>(service_bus_, *bed_.station, chargers[i].id, settings, "test"));
            services_.back()->publish(
                [this](const std::optional<std::string>& error) { publish_errors_.push_back(error); });
        }
        bed_.station->start();
        bed_.executor.schedule_every(scenario_.physics_step, [this] {
            for (auto& device : bed_.devices) {
                device.rig->step(scenario_.physics_step);
            }
        });
    }

    void run_for(Duration span) { bed_.executor.run_for(span); }
    BusValue read(const std::string& service, const std::string& path) {
        BusValue out;
        gui_.get_value("com.victronenergy.evcharger." + service, path,
                       [&](std::optional<BusValue> value, std::optional<std::string> error) {
                           ASSERT_FALSE(error) << *error;
                           out = *value;
                       });
        run_for(1ms);
        return out;
    }
    std::optional<SetValueResult> write(const std::string& service, const std::string& path, const BusValue& value) {
        std::optional<SetValueResult> out;
        gui_.set_value("com.victronenergy.evcharger." + service, path, value,
                       [&](std::optional<SetValueResult> result, const std::optional<std::string>&) { out = result; });
        run_for(1ms);
        return out;
    }
    double number(const std::string& service, const std::string& path) {
        double value = -1;
        EXPECT_TRUE(as_number(read(service, path), value)) << service << path;
        return value;
    }
    double commanded(const std::string& id) {
        auto command = bed_.station->driver(id)->commanded();
        return command ? command->current_a : -1;
    }

    harness::Scenario scenario_ =
        harness::load_scenario(EVHIL_SOURCE_DIR "/scenarios/station/two-alfen-one-circuit.yaml");
    harness::RunOptions options_;
    harness::Testbed bed_{scenario_, options_, 1};
    InProcessBusDaemon daemon_{bed_.executor};
    InProcessVenusBus service_bus_{daemon_, "evchargerd"};
    InProcessVenusBus gui_{daemon_, "gui"};
    std::vector<std::unique_ptr<EvchargerService>> services_;
    std::vector<std::optional<std::string>> publish_errors_;
};

TEST_F(EvchargerServiceTest, EachChargerIsItsOwnServiceWithItsOwnInstance) {
    run_for(15s);
    ASSERT_EQ(publish_errors_.size(), 2u);
    EXPECT_FALSE(publish_errors_[0]);
    EXPECT_FALSE(publish_errors_[1]);
    EXPECT_EQ(daemon_.names(),
              (std::vector<std::string>{"com.victronenergy.evcharger.carport", "com.victronenergy.evcharger.garage"}));
    EXPECT_EQ(number("garage", "/DeviceInstance"), 40);
    EXPECT_EQ(number("carport", "/DeviceInstance"), 41);
    EXPECT_EQ(number("garage", "/ProductId"), 0xC024);
    EXPECT_EQ(std::get<std::string>(read("garage", "/Mgmt/ProcessName")), "evchargerd");
    EXPECT_EQ(number("garage", "/Connected"), 1);
    EXPECT_EQ(number("garage", "/Status"), static_cast<int>(EvcsStatus::charging));
    // Both share the 20 A circuit: 10 A each, three phases at 230 V.
    EXPECT_NEAR(number("garage", "/Ac/Power"), 3 * 230 * 10, 200);
    EXPECT_NEAR(number("garage", "/Current"), 10, 0.2);
    EXPECT_EQ(services_[0]->tree().text("/Status"), "Charging");
    EXPECT_EQ(services_[0]->tree().text("/Mode"), "Manual");
    EXPECT_EQ(services_[0]->tree().text("/StartStop"), "Start");
    EXPECT_EQ(services_[0]->tree().text("/SetCurrent"), "16.0 A");
    EXPECT_EQ(services_[0]->tree().text("/Position"), "AC input");
}

TEST_F(EvchargerServiceTest, SetCurrentGoesToItsChargerOnlyAndReadsBackClamped) {
    run_for(15s);
    EXPECT_EQ(write("garage", "/SetCurrent", BusValue{std::int64_t{8}}), SetValueResult::accepted);
    EXPECT_EQ(bed_.station->user("garage").current_a, 8);
    EXPECT_EQ(bed_.station->user("carport").current_a, 16);
    run_for(3s);
    EXPECT_EQ(commanded("garage"), 8);
    EXPECT_EQ(number("garage", "/SetCurrent"), 8);
    // Above what the charger may take: accepted, and what reads back is the limiter's clamp, here the station's
    // own maximum of 32 A (an Alfen does not say what the vehicle takes).
    EXPECT_EQ(write("garage", "/SetCurrent", BusValue{40.0}), SetValueResult::accepted);
    run_for(3s);
    EXPECT_EQ(bed_.station->user("garage").current_a, 40);
    EXPECT_EQ(number("garage", "/SetCurrent"), 32);
    EXPECT_EQ(write("garage", "/SetCurrent", BusValue{-1.0}), SetValueResult::refused);
    EXPECT_EQ(write("garage", "/SetCurrent", BusValue{std::string("lots")}), SetValueResult::not_writeable);
    EXPECT_EQ(write("garage", "/Ac/Power", BusValue{1.0}), SetValueResult::not_writeable);
}

TEST_F(EvchargerServiceTest, ModeStartStopAndMaxCurrent) {
    run_for(15s);
    EXPECT_EQ(write("garage", "/Mode", BusValue{std::int64_t{1}}), SetValueResult::refused);  // no Auto yet
    EXPECT_EQ(write("garage", "/Mode", BusValue{std::int64_t{7}}), SetValueResult::refused);
    EXPECT_EQ(write("garage", "/Mode", BusValue{std::int64_t{0}}), SetValueResult::accepted);
    EXPECT_EQ(write("garage", "/StartStop", BusValue{std::int64_t{5}}), SetValueResult::refused);
    EXPECT_EQ(write("garage", "/StartStop", BusValue{std::int64_t{0}}), SetValueResult::accepted);
    run_for(3s);
    EXPECT_EQ(commanded("garage"), 0);
    EXPECT_FALSE(bed_.station->user("garage").enabled);
    EXPECT_TRUE(bed_.station->user("carport").enabled);
    EXPECT_EQ(number("garage", "/Status"), static_cast<int>(EvcsStatus::waiting_for_start));
    // The carport gets the whole circuit its car can take.
    EXPECT_EQ(commanded("carport"), 16);
    EXPECT_EQ(write("carport", "/MaxCurrent", BusValue{12.0}), SetValueResult::accepted);
    run_for(3s);
    EXPECT_EQ(commanded("carport"), 12);
    EXPECT_EQ(number("carport", "/MaxCurrent"), 12);
    EXPECT_EQ(bed_.station->find("carport")->command.bound, station::Bound::user);
    EXPECT_EQ(write("carport", "/CustomName", BusValue{std::string("Carport")}), SetValueResult::accepted);
    EXPECT_EQ(bed_.station->user("carport").custom_name, "Carport");
}

TEST_F(EvchargerServiceTest, ALostChargerStaysOnTheBusDisconnectedWithInvalidMeasurements) {
    run_for(15s);
    bed_.station->stop();
    services_[0]->refresh();
    run_for(1s);
    EXPECT_EQ(number("garage", "/Connected"), 0);
    EXPECT_EQ(number("garage", "/Status"), static_cast<int>(EvcsStatus::disconnected));
    EXPECT_FALSE(is_valid(read("garage", "/Ac/Power")));
    EXPECT_FALSE(is_valid(read("garage", "/Current")));
    EXPECT_TRUE(daemon_.owned("com.victronenergy.evcharger.garage"));
}

TEST_F(EvchargerServiceTest, ATakenNameIsRefusedAndADroppedConnectionLosesItsNames) {
    InProcessVenusBus other(daemon_, "other");
    other.connect([](auto) {});
    ItemTree tree;
    tree.add("/Ac/Power", {.value = 1.0});
    std::optional<std::string> error;
    other.publish("com.victronenergy.evcharger.garage", tree,
                  [&](std::optional<std::string> e) { error = std::move(e); });
    run_for(1ms);
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("already taken"), std::string::npos);
    std::string lost;
    service_bus_.on_lost = [&](const std::string& reason) { lost = reason; };
    daemon_.drop(service_bus_);
    run_for(1ms);
    EXPECT_NE(lost.find("dropped"), std::string::npos);
    EXPECT_TRUE(daemon_.names().empty());
}

TEST_F(EvchargerServiceTest, AWatcherSeesEveryChange) {
    std::vector<std::string> changed;
    gui_.watch("com.victronenergy.evcharger.garage",
               [&](const std::string& path, const ItemState&) { changed.push_back(path); });
    run_for(15s);
    EXPECT_NE(std::find(changed.begin(), changed.end(), "/Ac/Power"), changed.end());
    EXPECT_NE(std::find(changed.begin(), changed.end(), "/Status"), changed.end());
}

TEST(EvchargerSettings, NamesThatCannotBeABusNameAreAConfigError) {
    auto node = ConfigNode::load_string("venus: {name: my-charger}", "test.yaml");
    EXPECT_THROW(parse_evcharger_settings(node, "garage", 0), ConfigError);
    try {
        parse_evcharger_settings(node, "garage", 0);
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.line(), 1);
        EXPECT_NE(std::string(e.what()).find("cannot be part of a D-Bus name"), std::string::npos);
    }
    auto good = parse_evcharger_settings(
        ConfigNode::load_string("venus: {device_instance: 7, position: ac_output}", "test.yaml"), "garage", 3);
    EXPECT_EQ(good.name, "garage");
    EXPECT_EQ(good.device_instance, 7);
    EXPECT_EQ(good.position, AcPosition::ac_output);
    EXPECT_EQ(parse_evcharger_settings(ConfigNode::load_string("{}", "t"), "carport", 1).device_instance, 41);
    EXPECT_THROW(parse_evcharger_settings(ConfigNode::load_string("venus: {colour: red}", "t"), "garage", 0),
                 ConfigError);
}

}  // namespace
}  // namespace evhil::venus
