// A BusItem service on a real, private dbus-daemon, read and written with the standard clients (busctl, dbus-send,
// dbus-monitor): paths, types, return codes and signals as velib_python services give them.

#include <gtest/gtest.h>

#include <signal.h>

#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "drivers/core/clock.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/dbus/dbus_connection.hpp"
#include "drivers/venus/dbus_item_service.hpp"
#include "tests/support/executor_thread.hpp"
#include "simulators/victron/private_bus.hpp"
#include "tests/support/run_command.hpp"

namespace evhil::venus {
namespace {

constexpr const char* service_name = "com.victronenergy.evcharger.test";

ItemTree example_tree() {
    ItemTree tree;
    tree.add("/Ac/Power", {.value = 1234.5});
    tree.add("/Ac/L1/Power", {.value = Invalid{}});
    tree.add("/ProductId", {.value = std::int64_t{0xC024}});
    tree.add("/CustomName", {.value = std::string("Garage"), .writeable = true});
    tree.add("/SetCurrent", {.value = 16.0,
                             .writeable = true,
                             .kind = ValueKind::number,
                             .on_write = [](const std::string&, const BusValue& v) {
                                 double amps = 0;
                                 return as_number(v, amps) && amps >= 6 && amps <= 32;
                             }});
    return tree;
}

class DbusServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto error = loop_.on_loop_async([this](auto done) {
            connection_.open([this, done](std::optional<std::string> error) {
                if (error) {
                    done(error);
                    return;
                }
                service_.publish(done);
            });
        });
        ASSERT_FALSE(error) << *error;
    }
    void TearDown() override {
        on_loop([this] {
            service_.withdraw();
            connection_.close();
        });
        loop_.stop();
    }

    template <typename F>
    void on_loop(F f) {
        loop_.on_loop(f);
    }
    template <typename F>
    std::optional<std::string> on_loop_async(F start) {
        return loop_.on_loop_async(start);
    }
    std::string busctl(const std::string& arguments) {
        return test::run_command("busctl --address=" + bus_.address() + " " + arguments + " 2>&1");
    }
    nlohmann::json busctl_json(const std::string& arguments) {
        return nlohmann::json::parse(busctl("--json=short " + arguments));
    }
    std::string call(const std::string& path, const std::string& method, const std::string& arguments = "") {
        return busctl("call " + std::string(service_name) + " " + path + " com.victronenergy.BusItem " + method + " " +
                      arguments);
    }

    sim::victron::PrivateBus bus_;
    test::ExecutorThread loop_;
    Executor& executor_ = loop_.executor();
    ItemTree tree_ = example_tree();
    dbus::DbusConnection connection_{executor_, bus_.address()};
    DbusItemService service_{connection_, tree_, service_name};
};

TEST_F(DbusServiceTest, IntrospectionShowsTheBusItemInterfaceOnLeavesNodesAndRoot) {
    auto tree = busctl("tree " + std::string(service_name));
    for (const char* path : {"/Ac/L1/Power", "/Ac/Power", "/ProductId", "/SetCurrent"}) {
        EXPECT_NE(tree.find(path), std::string::npos) << tree;
    }
    auto leaf = busctl("introspect " + std::string(service_name) + " /SetCurrent com.victronenergy.BusItem");
    for (const char* member : {".GetValue", ".GetText", ".SetValue", ".GetDescription", ".PropertiesChanged"}) {
        EXPECT_NE(leaf.find(member), std::string::npos) << leaf;
    }
    auto root = busctl("introspect " + std::string(service_name) + " / com.victronenergy.BusItem");
    EXPECT_NE(root.find(".GetItems"), std::string::npos) << root;
    EXPECT_NE(root.find(".ItemsChanged"), std::string::npos) << root;
}

TEST_F(DbusServiceTest, LeafValuesAndTextsHaveVelibsTypes) {
    EXPECT_EQ(call("/Ac/Power", "GetValue"), "v d 1234.5\n");
    EXPECT_EQ(call("/Ac/L1/Power", "GetValue"), "v ai 0\n");  // invalid: an empty int32 array
    EXPECT_EQ(call("/ProductId", "GetValue"), "v i 49188\n");
    EXPECT_EQ(call("/CustomName", "GetValue"), "v s \"Garage\"\n");
    EXPECT_EQ(call("/Ac/Power", "GetText"), "s \"1234.5\"\n");
    EXPECT_EQ(call("/Ac/L1/Power", "GetText"), "s \"---\"\n");
    EXPECT_EQ(call("/ProductId", "GetText"), "s \"0xC024\"\n");
    EXPECT_EQ(call("/Ac/Power", "GetDescription", "si en 2"), "s \"No description given\"\n");
}

TEST_F(DbusServiceTest, NodesAnswerWithRelativeKeysAndGetItemsWithFullPaths) {
    EXPECT_EQ(call("/Ac", "GetValue"), "v a{sv} 2 \"L1/Power\" ai 0 \"Power\" d 1234.5\n");
    EXPECT_EQ(call("/Ac", "GetText"), "v a{ss} 2 \"L1/Power\" \"---\" \"Power\" \"1234.5\"\n");
    auto root = call("/", "GetValue");
    EXPECT_NE(root.find("\"Ac/Power\" d 1234.5"), std::string::npos) << root;
    auto items = busctl_json("call " + std::string(service_name) + " / com.victronenergy.BusItem GetItems");
    ASSERT_EQ(items["type"], "a{sa{sv}}");
    const auto& all = items["data"][0];
    EXPECT_EQ(all.size(), 5u);
    EXPECT_EQ(all["/Ac/Power"]["Value"]["data"], 1234.5);
    EXPECT_EQ(all["/Ac/Power"]["Text"]["data"], "1234.5");
    EXPECT_EQ(all["/Ac/L1/Power"]["Value"]["type"], "ai");
    EXPECT_EQ(all["/Ac/L1/Power"]["Text"]["data"], "---");
}

TEST_F(DbusServiceTest, SetValueReturnCodes) {
    EXPECT_EQ(call("/SetCurrent", "SetValue", "v d 10"), "i 0\n");
    EXPECT_EQ(call("/SetCurrent", "GetValue"), "v d 10\n");
    EXPECT_EQ(call("/SetCurrent", "SetValue", "v i 12"), "i 0\n");  // an int32 is coerced to the float type
    EXPECT_EQ(call("/SetCurrent", "GetValue"), "v d 12\n");
    EXPECT_EQ(call("/SetCurrent", "SetValue", "v u 12"), "i 0\n");   // unchanged
    EXPECT_EQ(call("/SetCurrent", "SetValue", "v d 40"), "i 2\n");   // refused by the write callback
    EXPECT_EQ(call("/SetCurrent", "SetValue", "v s ten"), "i 1\n");  // cannot become a number
    EXPECT_EQ(call("/Ac/Power", "SetValue", "v d 1"), "i 1\n");      // not writeable
    // Invalid passes the type but goes to the write callback like any value: this one wants a current.
    EXPECT_EQ(call("/SetCurrent", "SetValue", "v ai 0"), "i 2\n");
    EXPECT_EQ(call("/CustomName", "SetValue", "v ai 0"), "i 0\n");  // no callback: accepted
    EXPECT_EQ(call("/CustomName", "GetText"), "s \"---\"\n");
    EXPECT_EQ(call("/CustomName", "SetValue", "v s Carport"), "i 0\n");
    on_loop([this] { EXPECT_EQ(std::get<std::string>(tree_.value("/CustomName")), "Carport"); });
    // dbus-send, the other standard client, sees the same.
    auto reply = test::run_command("dbus-send --bus=" + bus_.address() + " --print-reply --dest=" + service_name +
                                   " /SetCurrent com.victronenergy.BusItem.SetValue variant:double:8 2>&1");
    EXPECT_NE(reply.find("int32 0"), std::string::npos) << reply;
}

TEST_F(DbusServiceTest, ChangesAreSignalledAsPropertiesChangedAndBatchesAsOneItemsChanged) {
    // dbus-monitor in monitor mode, read on a thread of the test; the line in which it gives up its name says it is
    // listening.
    std::mutex mutex;
    std::condition_variable changed;
    std::string seen;
    FILE* monitor = popen(
        ("echo $$; exec dbus-monitor --address " + bus_.address() + " \"interface='com.victronenergy.BusItem'\" 2>&1")
            .c_str(),
        "r");
    ASSERT_NE(monitor, nullptr);
    char pid_line[32] = {};
    ASSERT_NE(fgets(pid_line, sizeof(pid_line), monitor), nullptr);
    const pid_t monitor_pid = std::atoi(pid_line);  // the shell's pid, which exec handed to dbus-monitor
    std::thread reader([&] {
        char line[1024];
        while (fgets(line, sizeof(line), monitor) != nullptr) {
            std::lock_guard lock(mutex);
            seen += line;
            changed.notify_all();
        }
    });
    auto wait_for = [&](const std::string& text) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10), [&] { return seen.find(text) != std::string::npos; });
    };
    ASSERT_TRUE(wait_for("NameLost")) << seen;

    EXPECT_EQ(call("/SetCurrent", "SetValue", "v d 10"), "i 0\n");
    EXPECT_TRUE(wait_for("member=PropertiesChanged")) << seen;
    on_loop([this] {
        auto batch = tree_.batch();
        tree_.set("/Ac/Power", BusValue{2000.0});
        tree_.set("/Ac/L1/Power", BusValue{700.0});
        connection_.kick();
    });
    EXPECT_TRUE(wait_for("member=ItemsChanged")) << seen;
    EXPECT_TRUE(wait_for("string \"/Ac/L1/Power\"")) << seen;

    kill(monitor_pid, SIGTERM);
    reader.join();
    pclose(monitor);
    std::lock_guard lock(mutex);
    // The batch was one ItemsChanged, and it sent no PropertiesChanged of its own (one, from the SetValue).
    auto count = [&](const std::string& text) {
        std::size_t n = 0;
        for (auto at = seen.find(text); at != std::string::npos; at = seen.find(text, at + 1)) {
            ++n;
        }
        return n;
    };
    EXPECT_EQ(count("member=ItemsChanged"), 1u) << seen;
    EXPECT_EQ(count("member=PropertiesChanged"), 1u) << seen;
}

TEST_F(DbusServiceTest, ATakenNameIsAClearErrorAndTheFirstOwnerKeepsIt) {
    dbus::DbusConnection second_connection(executor_, bus_.address());
    ItemTree other;
    other.add("/Ac/Power", {.value = 1.0});
    DbusItemService second(second_connection, other, service_name);
    auto error = on_loop_async([&](auto done) {
        second_connection.open([&, done](std::optional<std::string> error) {
            if (error) {
                done(error);
                return;
            }
            second.publish(done);
        });
    });
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("already taken"), std::string::npos) << *error;
    EXPECT_EQ(call("/Ac/Power", "GetValue"), "v d 1234.5\n");
    on_loop([&] {
        second.withdraw();
        second_connection.close();
    });
}

TEST_F(DbusServiceTest, ADaemonThatGoesAwayIsReportedOnce) {
    auto lost = std::make_shared<std::promise<std::string>>();
    on_loop([&] { connection_.on_lost = [lost](const std::string& reason) { lost->set_value(reason); }; });
    bus_.stop();
    auto future = lost->get_future();
    ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_NE(future.get().find("lost the D-Bus connection"), std::string::npos);
    on_loop([&] { EXPECT_FALSE(connection_.is_open()); });
}

TEST(DbusConnection, AnAddressWithNoDaemonIsAConnectError) {
    RealClock clock;
    Executor executor(clock);
    dbus::DbusConnection connection(executor, "unix:path=/nonexistent/evhil/socket");
    std::optional<std::string> error;
    executor.post([&] {
        connection.open([&](std::optional<std::string> e) {
            error = std::move(e);
            executor.stop();
        });
    });
    executor.run();
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("cannot connect to unix:path=/nonexistent/evhil/socket"), std::string::npos) << *error;
}

}  // namespace
}  // namespace evhil::venus
