// The VenusBus port on a private dbus-daemon: one connection publishes a service, another reads, writes and
// watches it, as the GX's own clients do.

#include <gtest/gtest.h>

#include <atomic>

#include "drivers/venus/dbus_venus_bus.hpp"
#include "simulators/victron/private_bus.hpp"
#include "simulators/victron/virtual_gx.hpp"
#include "tests/support/executor_thread.hpp"
#include "tests/support/run_command.hpp"

namespace evhil::venus {
namespace {

constexpr const char* name = "com.victronenergy.evcharger.bus_test";

class DbusVenusBusTest : public ::testing::Test {
protected:
    void SetUp() override {
        tree_.add("/Ac/Power", {.value = 100.0});
        tree_.add("/SetCurrent", {.value = 16.0, .writeable = true, .kind = ValueKind::number});
        ASSERT_FALSE(loop_.on_loop_async([this](auto done) { publisher_.connect(done); }));
        ASSERT_FALSE(loop_.on_loop_async([this](auto done) { publisher_.publish(name, tree_, done); }));
        ASSERT_FALSE(loop_.on_loop_async([this](auto done) { client_.connect(done); }));
    }
    void TearDown() override {
        loop_.on_loop([this] {
            client_.disconnect();
            publisher_.disconnect();
        });
        loop_.stop();
    }
    // Waits (up to 10 s) on the executor for `ready`, checked after every task.
    template <typename F>
    bool eventually(F ready) {
        for (int i = 0; i < 1000; ++i) {
            bool done = false;
            loop_.on_loop([&] { done = ready(); });
            if (done) {
                return true;
            }
            std::this_thread::yield();
            loop_.on_loop_async([this](auto finished) {
                loop_.executor().schedule_after(std::chrono::milliseconds(10), [finished] { finished(std::nullopt); });
            });
        }
        return false;
    }

    sim::victron::PrivateBus bus_;
    test::ExecutorThread loop_;
    ItemTree tree_;
    DbusVenusBus publisher_{loop_.executor(), bus_.address()};
    DbusVenusBus client_{loop_.executor(), bus_.address(), true};
};

TEST_F(DbusVenusBusTest, AClientReadsWritesAndWatchesAnotherConnectionsService) {
    std::optional<BusValue> value;
    loop_.on_loop([&] {
        client_.get_value(name, "/Ac/Power",
                          [&](std::optional<BusValue> v, const std::optional<std::string>&) { value = std::move(v); });
    });
    ASSERT_TRUE(eventually([&] { return value.has_value(); }));
    EXPECT_EQ(std::get<double>(*value), 100.0);

    std::vector<std::pair<std::string, std::string>> seen;
    loop_.on_loop([&] {
        client_.watch(name,
                      [&](const std::string& path, const ItemState& state) { seen.emplace_back(path, state.text); });
    });
    // Until the client knows who owns the name it cannot route signals: wait for a change to come through.
    std::optional<SetValueResult> result;
    loop_.on_loop([&] {
        client_.set_value(name, "/SetCurrent", BusValue{std::int64_t{10}},
                          [&](std::optional<SetValueResult> r, const std::optional<std::string>&) { result = r; });
    });
    ASSERT_TRUE(eventually([&] { return result.has_value(); }));
    EXPECT_EQ(*result, SetValueResult::accepted);
    loop_.on_loop([&] { EXPECT_EQ(std::get<double>(tree_.value("/SetCurrent")), 10.0); });
    ASSERT_TRUE(eventually([&] { return !seen.empty(); }));
    EXPECT_EQ(seen.back(), (std::pair<std::string, std::string>{"/SetCurrent", "10.0"}));
    loop_.on_loop([&] {
        auto batch = tree_.batch();
        tree_.set("/Ac/Power", BusValue{250.0});
    });
    ASSERT_TRUE(eventually([&] { return seen.back().first == "/Ac/Power"; }));
    EXPECT_EQ(seen.back().second, "250.0");
    // A read of a path the service does not have is an error, not a value.
    std::optional<std::string> error;
    loop_.on_loop([&] {
        client_.get_value(name, "/Nope",
                          [&](const std::optional<BusValue>&, std::optional<std::string> e) { error = std::move(e); });
    });
    ASSERT_TRUE(eventually([&] { return error.has_value(); }));
    EXPECT_NE(error->find("GetValue " + std::string(name) + "/Nope"), std::string::npos) << *error;
}

TEST_F(DbusVenusBusTest, ASecondPublisherOfTheSameNameIsRefused) {
    ItemTree tree;
    tree.add("/Ac/Power", {.value = 1.0});
    // Made and destroyed on the executor's thread, like everything that touches a connection.
    std::unique_ptr<DbusVenusBus> other;
    loop_.on_loop([&] { other = std::make_unique<DbusVenusBus>(loop_.executor(), bus_.address()); });
    ASSERT_FALSE(loop_.on_loop_async([&](auto done) { other->connect(done); }));
    auto error = loop_.on_loop_async([&](auto done) { other->publish(name, tree, done); });
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("already taken"), std::string::npos) << *error;
    loop_.on_loop([&] { other.reset(); });
}

TEST_F(DbusVenusBusTest, AConnectionWithoutWatchingRefusesToWatch) {
    loop_.on_loop(
        [&] { EXPECT_THROW(publisher_.watch(name, [](const std::string&, const ItemState&) {}), std::logic_error); });
}

TEST_F(DbusVenusBusTest, AnOwnerWatcherHearsAServiceLeaveAndComeBack) {
    std::vector<bool> seen;
    loop_.on_loop([&] { client_.watch_owner(name, [&](bool present) { seen.push_back(present); }); });
    ASSERT_TRUE(eventually([&] { return seen.size() == 1; }));
    EXPECT_TRUE(seen[0]);
    loop_.on_loop([&] { publisher_.withdraw(name); });
    ASSERT_TRUE(eventually([&] { return seen.size() == 2; }));
    EXPECT_FALSE(seen[1]);
    ASSERT_FALSE(loop_.on_loop_async([this](auto done) { publisher_.publish(name, tree_, done); }));
    ASSERT_TRUE(eventually([&] { return seen.size() == 3; }));
    EXPECT_TRUE(seen[2]);
}

TEST_F(DbusVenusBusTest, ASeveredConnectionIsLostAndItsNamesGo) {
    std::optional<std::string> lost;
    std::vector<bool> seen;
    loop_.on_loop([&] {
        publisher_.on_lost = [&](const std::string& reason) { lost = reason; };
        client_.watch_owner(name, [&](bool present) { seen.push_back(present); });
    });
    ASSERT_TRUE(eventually([&] { return seen.size() == 1; }));
    loop_.on_loop([&] { publisher_.sever(); });
    ASSERT_TRUE(eventually([&] { return lost.has_value() && seen.size() == 2; }));
    EXPECT_FALSE(seen[1]);
    EXPECT_FALSE(publisher_.connected());
}

// The virtual GX's settings service answers localsettings' AddSettings over D-Bus, to our client and to busctl, and
// a setting it adds is a bus item at once.
TEST_F(DbusVenusBusTest, TheVirtualGxSettingsServiceAnswersAddSettings) {
    sim::victron::VirtualGx gx{sim::victron::GxSettings{}};
    std::unique_ptr<DbusVenusBus> gx_bus;
    loop_.on_loop([&] { gx_bus = std::make_unique<DbusVenusBus>(loop_.executor(), bus_.address()); });
    ASSERT_FALSE(loop_.on_loop_async([&](auto done) { gx_bus->connect(done); }));
    ASSERT_FALSE(loop_.on_loop_async([&](auto done) { gx.publish(*gx_bus, done); }));

    std::optional<std::vector<SettingResult>> results;
    loop_.on_loop([&] {
        client_.add_settings(
            "com.victronenergy.settings",
            {{"/Settings/Devices/evchargerd_a/ClassAndVrmInstance", std::string("evcharger:40"), {}, {}},
             {"/Settings/Devices/evchargerd_b/ClassAndVrmInstance", std::string("evcharger:40"), {}, {}}},
            [&](auto answer, auto) { results = std::move(answer); });
    });
    ASSERT_TRUE(eventually([&] { return results.has_value(); }));
    ASSERT_EQ(results->size(), 2U);
    EXPECT_EQ(std::get<std::string>((*results)[0].value), "evcharger:40");
    EXPECT_EQ(std::get<std::string>((*results)[1].value), "evcharger:41");

    int status = -1;
    auto busctl = [&](const std::string& arguments) {
        return test::run_command("DBUS_SYSTEM_BUS_ADDRESS='" + bus_.address() + "' busctl --system call " + arguments,
                                 &status);
    };
    auto reply = busctl(
        "com.victronenergy.settings / com.victronenergy.Settings AddSettings 'aa{sv}' 1 2 "
        "path s /Settings/Devices/other/ClassAndVrmInstance default s evcharger:40");
    EXPECT_EQ(status, 0) << reply;
    EXPECT_NE(reply.find("\"evcharger:42\""), std::string::npos) << reply;
    EXPECT_NE(reply.find("\"error\" i 0"), std::string::npos) << reply;
    auto value = busctl(
        "com.victronenergy.settings /Settings/Devices/evchargerd_b/ClassAndVrmInstance com.victronenergy.BusItem "
        "GetValue");
    EXPECT_EQ(status, 0) << value;
    EXPECT_EQ(value, "v s \"evcharger:41\"\n");
    loop_.on_loop([&] { gx_bus.reset(); });
}

}  // namespace
}  // namespace evhil::venus
