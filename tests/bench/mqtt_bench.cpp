// The MQTT paths on the real parts: a Mosquitto and a private dbus-daemon that the benchmark starts, paho clients and
// sd-bus connections, each side on an executor thread of its own as in the field.
//
// BM_JsonToPropertiesChanged: a charger publishes a JSON report (paho, QoS 0) with a new Ac.Power; evchargerd's
// station (the MQTT-JSON driver, the Venus output) turns it into the evcharger service's change signal, which a GX
// client on the bus receives. Latency from the publish to the signal's arrival. Target: p99 at most 5 ms.
//
// BM_BridgeFullPublish: a GX tree of 1,000 paths (10 services of 100) on the bus, mirrored by the Venus MQTT bridge;
// a client sends R/<portal>/keepalive and times until N/<portal>/full_publish_completed arrives, every N/ message
// counted on the way. Target: at most 100 ms. The keep-alives are paced under the bridge's 3 a second.
//
//     build/default/tests/bench/bench_mqtt                    # 200 reports, 20 full publishes
//     EVHIL_MQTT_SAMPLES=10 build/default/tests/bench/bench_mqtt   # fewer of each: targets not enforced (ctest)
//
// Figures (state.counters): p50_ms, p99_ms, max_ms, samples; for the full publish also messages (per publish).

#include "tests/bench/bench_main.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/station/real_port_provider.hpp"
#include "drivers/station/station.hpp"
#include "drivers/transport/mqtt/mqtt_client.hpp"
#include "drivers/transport/mqtt/paho_transport.hpp"
#include "drivers/venus/dbus_venus_bus.hpp"
#include "drivers/venus/venus_mqtt_bridge.hpp"
#include "drivers/venus/venus_output.hpp"
#include "simulators/mqtt/mosquitto_broker.hpp"
#include "simulators/victron/private_bus.hpp"
#include "tests/bench/station_on_bus.hpp"
#include "tests/support/executor_thread.hpp"

namespace {

using namespace evhil;
using namespace std::chrono_literals;

constexpr double max_json_p99_ms = 5.0;
constexpr double max_full_publish_ms = 100.0;
const char* const portal = "c0ffee000001";

// EVHIL_MQTT_SAMPLES caps the samples of each benchmark; below the enforcing counts the targets are reported only,
// as ctest runs it among other tests on a loaded machine.
std::int64_t samples(std::int64_t fallback) {
    const char* text = std::getenv("EVHIL_MQTT_SAMPLES");
    return text != nullptr ? std::min<std::int64_t>(fallback, std::max(1, std::atoi(text))) : fallback;
}

using evhil::bench::wait_for;

void report(benchmark::State& state, std::vector<double> ms, double limit_ms, std::size_t min_enforcing) {
    if (ms.empty()) {
        return;
    }
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1))]; };
    state.counters["p50_ms"] = at(0.50);
    state.counters["p99_ms"] = at(0.99);
    state.counters["max_ms"] = ms.back();
    state.counters["samples"] = static_cast<double>(ms.size());
    if (ms.size() >= min_enforcing && at(0.99) > limit_ms) {
        evhil::bench::fail(state,
                           ("p99 " + std::to_string(at(0.99)) + " ms > " + std::to_string(limit_ms) + " ms").c_str());
    }
}

std::unique_ptr<evhil::mqtt::MqttClient> paho_client(Executor& executor, int port, const std::string& id) {
    evhil::mqtt::MqttSettings settings;
    settings.port = port;
    settings.client_id = id;
    return std::make_unique<evhil::mqtt::MqttClient>(
        executor, std::make_unique<evhil::mqtt::PahoMqttTransport>(executor), settings, Rng(1).fork(id));
}

// A private dbus-daemon and a Mosquitto, or neither (and the benchmark failed) when one cannot start.
std::pair<std::unique_ptr<sim::victron::PrivateBus>, std::unique_ptr<sim::mqtt::MosquittoBroker>> start_bus_and_broker(
    benchmark::State& state) {
    try {
        return {std::make_unique<sim::victron::PrivateBus>(), std::make_unique<sim::mqtt::MosquittoBroker>()};
    } catch (const std::exception& e) {
        evhil::bench::fail(state, e.what());
        return {};
    }
}

const char* const station_yaml = R"(devices:
  diy:
    type: mqtt_json
    endpoint: {host: 127.0.0.1, port: PORT}
    driver: {topic: bench/charger, timeout: 60s}
    venus: {name: diy, device_instance: 100}
controller: {type: manual, enabled: true, current: 10}
)";

void BM_JsonToPropertiesChanged(benchmark::State& state) {
    auto [bus, broker] = start_bus_and_broker(state);
    if (!bus) {
        return;
    }
    test::ExecutorThread daemon_loop;
    test::ExecutorThread charger_loop;
    test::ExecutorThread gx_loop;
    std::string text = station_yaml;
    text.replace(text.find("PORT"), 4, std::to_string(broker->port()));
    auto config = station::parse_station_config(ConfigNode::load_string(text, "bench"),
                                                {.extra_device_keys = {}, .endpoint_required = true});
    bench::StationOnBus daemon(daemon_loop, config, bus->address());
    std::unique_ptr<evhil::mqtt::MqttClient> charger;
    charger_loop.on_loop([&] {
        charger = paho_client(charger_loop.executor(), broker->port(), "bench-charger");
        charger->start();
    });
    // The GX side: the last /Ac/Power the service announced, and when (wall time of the benchmark's stopwatch).
    WallStopwatch wall;
    std::atomic<double> seen_power{-1};
    std::atomic<double> seen_at_s{0};
    std::unique_ptr<venus::DbusVenusBus> gx;
    gx_loop.on_loop([&] { gx = std::make_unique<venus::DbusVenusBus>(gx_loop.executor(), bus->address(), true); });
    auto connected = gx_loop.on_loop_async([&](auto done) { gx->connect(done); });
    gx_loop.on_loop([&] {
        gx->watch("com.victronenergy.evcharger.diy", [&](const std::string& path, const venus::ItemState& item) {
            double power = 0;
            if (path == "/Ac/Power" && venus::as_number(item.value, power)) {
                seen_at_s.store(wall.elapsed_s());
                seen_power.store(power);
            }
        });
    });
    auto publish = [&](double power) {
        charger_loop.executor().post([&, power] {
            charger->publish("bench/charger", "{\"Ac\": {\"Power\": " + std::to_string(power) + "}, \"Status\": 2}");
        });
    };
    std::vector<double> latencies_ms;
    bool up = false;
    if (connected) {
        evhil::bench::fail(state, ("GX connection: " + *connected).c_str());
    } else {
        // Until the service is on the bus, connected to the broker and its change signals reach the GX client.
        up = wait_for(
            [&] {
                publish(1.0);
                std::this_thread::sleep_for(50ms);
                return seen_power.load() == 1.0;
            },
            15.0);
        if (!up) {
            evhil::bench::fail(state, "the MQTT-JSON charger's service did not show a report within 15 s");
        }
    }
    if (up) {
        int i = 0;
        for (auto _ : state) {
            const double power = 1000.0 + i;
            ++i;
            const double sent_s = wall.elapsed_s();
            publish(power);
            if (!wait_for([&] { return seen_power.load() == power; }, 2.0)) {
                evhil::bench::fail(state, "a JSON report did not become a change signal within 2 s");
                break;
            }
            double latency_s = seen_at_s.load() - sent_s;
            latencies_ms.push_back(latency_s * 1e3);
            state.SetIterationTime(latency_s);
        }
    }
    report(state, latencies_ms, max_json_p99_ms, 100);
    gx_loop.on_loop([&] { gx.reset(); });
    charger_loop.on_loop([&] { charger.reset(); });
}
BENCHMARK(BM_JsonToPropertiesChanged)->Iterations(samples(200))->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_BridgeFullPublish(benchmark::State& state) {
    auto [bus, broker] = start_bus_and_broker(state);
    if (!bus) {
        return;
    }
    test::ExecutorThread services_loop;
    test::ExecutorThread bridge_loop;
    test::ExecutorThread client_loop;
    // 10 services of 100 paths each: a large GX (several inverters, batteries, meters).
    constexpr int services = 10;
    constexpr int paths = 100;
    std::vector<std::unique_ptr<venus::ItemTree>> trees;
    std::vector<std::unique_ptr<venus::DbusVenusBus>> publishers;
    int published = 0;
    for (int s = 0; s < services; ++s) {
        auto tree = std::make_unique<venus::ItemTree>();
        tree->add("/DeviceInstance", {.value = std::int64_t{s}});
        for (int p = 1; p < paths; ++p) {
            tree->add("/Group" + std::to_string(p % 7) + "/Value" + std::to_string(p), {.value = p * 1.5});
        }
        auto publisher = std::make_unique<venus::DbusVenusBus>(services_loop.executor(), bus->address());
        auto error = services_loop.on_loop_async([&](auto done) { publisher->connect(done); });
        if (!error) {
            error = services_loop.on_loop_async([&](auto done) {
                publisher->publish("com.victronenergy.battery.bench" + std::to_string(s), *tree, done);
            });
        }
        published += error ? 0 : 1;
        trees.push_back(std::move(tree));
        publishers.push_back(std::move(publisher));
    }
    std::unique_ptr<venus::DbusVenusBus> bridge_bus;
    std::unique_ptr<evhil::mqtt::MqttClient> bridge_client;
    std::unique_ptr<venus::VenusMqttBridge> bridge;
    bridge_loop.on_loop([&] {
        bridge_bus = std::make_unique<venus::DbusVenusBus>(bridge_loop.executor(), bus->address(), true);
        bridge_client = paho_client(bridge_loop.executor(), broker->port(), "bench-bridge");
        bridge = std::make_unique<venus::VenusMqttBridge>(bridge_loop.executor(), *bridge_bus, *bridge_client,
                                                          venus::VenusMqttBridgeSettings{.portal_id = portal}, Rng(4));
        bridge->start();
    });
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<double> completed_at_s{0};
    WallStopwatch wall;
    std::unique_ptr<evhil::mqtt::MqttClient> client;
    client_loop.on_loop([&] {
        client = paho_client(client_loop.executor(), broker->port(), "bench-client");
        client->subscribe(std::string("N/") + portal + "/#", 0, [&](const evhil::mqtt::MqttMessage& m) {
            if (m.topic.size() > 22 && m.topic.compare(m.topic.size() - 22, 22, "full_publish_completed") == 0) {
                completed_at_s.store(wall.elapsed_s());
                completed.fetch_add(1);
            } else {
                messages.fetch_add(1);
            }
        });
        client->start();
    });
    auto keepalive = [&] {
        client_loop.executor().post([&] { client->publish(std::string("R/") + portal + "/keepalive", ""); });
    };
    std::size_t topics = 0;
    auto ready = [&] {
        bridge_loop.on_loop([&] { topics = bridge->topics(); });
        bool client_up = false;
        client_loop.on_loop([&] { client_up = client->connected(); });
        return topics >= static_cast<std::size_t>(services * paths) && client_up;
    };
    std::vector<double> durations_ms;
    std::vector<double> per_publish;
    if (published != services) {
        evhil::bench::fail(state, "could not publish the GX tree on the private bus");
    } else if (!wait_for(ready, 15.0)) {
        evhil::bench::fail(state,
                           ("the bridge mirrors " + std::to_string(topics) + " of 1000 paths after 15 s").c_str());
    } else if (!wait_for(
                   [&] {
                       // A first round trip: the client's subscription is in place once a completion reaches it.
                       keepalive();
                       std::this_thread::sleep_for(400ms);
                       return completed.load() > 0;
                   },
                   10.0)) {
        evhil::bench::fail(state, "no full_publish_completed reached the client within 10 s");
    } else {
        for (auto _ : state) {
            const std::uint64_t before_done = completed.load();
            const std::uint64_t before_messages = messages.load();
            const double sent_s = wall.elapsed_s();
            keepalive();
            if (!wait_for([&] { return completed.load() > before_done; }, 2.0)) {
                evhil::bench::fail(state, "no full_publish_completed within 2 s of a keep-alive");
                break;
            }
            double took_s = completed_at_s.load() - sent_s;
            durations_ms.push_back(took_s * 1e3);
            per_publish.push_back(static_cast<double>(messages.load() - before_messages));
            state.SetIterationTime(took_s);
            std::this_thread::sleep_for(
                std::chrono::duration<double>(std::max(0.0, 0.4 - (wall.elapsed_s() - sent_s))));
        }
    }
    report(state, durations_ms, max_full_publish_ms, 20);
    if (!per_publish.empty()) {
        state.counters["messages"] = *std::min_element(per_publish.begin(), per_publish.end());
    }
    client_loop.on_loop([&] { client.reset(); });
    bridge_loop.on_loop([&] {
        bridge.reset();
        bridge_client.reset();
        bridge_bus.reset();
    });
    services_loop.on_loop([&] { publishers.clear(); });
}
BENCHMARK(BM_BridgeFullPublish)->Iterations(samples(20))->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

EVHIL_BENCHMARK_MAIN()
