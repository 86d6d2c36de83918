// Modbus TCP round trips on loopback from libmodbus (the reference master) to the simulator's real
// server (Boost.Asio), one connection, one request in flight: the target is at least 10,000 requests/s.
// The server runs on its own thread with its own executor on the real clock, as it does in `evhil sim`.

#include "tests/bench/bench_main.hpp"

#include <thread>

#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"
#include "simulators/physics/ev.hpp"
#include "tests/support/libmodbus_client.hpp"

namespace {

using namespace evhil;

struct ServerThread {
    ServerThread() : executor(clock), station({}, clock, &ev), server(executor, station, "127.0.0.1", 0) {
        ev.plug_in();
        server.start();
        thread = std::thread([this] { executor.run(); });
    }
    ~ServerThread() {
        executor.post([this] {
            server.stop();
            executor.stop();
        });
        thread.join();
    }
    RealClock clock;
    Executor executor;
    physics::Ev ev{physics::EvSettings{}};
    sim::alfen::AlfenStation station;
    modbus::TcpServer server;
    std::thread thread;
};

void BM_ReadStatusBlock(benchmark::State& state) {
    ServerThread server;
    modbus::LibmodbusTcpClient client(
        {"127.0.0.1", server.server.port(), std::chrono::seconds(2), std::chrono::seconds(2)});
    if (auto error = client.connect()) {
        evhil::bench::fail(state, error->message.c_str());
        return;
    }
    for (auto _ : state) {
        auto result = client.read_holding_registers(1, 1200, 16);
        if (!result) {
            evhil::bench::fail(state, result.error().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(result.value());
    }
    state.counters["requests_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadStatusBlock)->UseRealTime()->MinTime(1.0);

void BM_WriteSetpoint(benchmark::State& state) {
    ServerThread server;
    modbus::LibmodbusTcpClient client(
        {"127.0.0.1", server.server.port(), std::chrono::seconds(2), std::chrono::seconds(2)});
    if (auto error = client.connect()) {
        evhil::bench::fail(state, error->message.c_str());
        return;
    }
    auto words = modbus::encode_float32(16.0F);
    for (auto _ : state) {
        auto result = client.write_registers(1, 1210, words);
        if (!result) {
            evhil::bench::fail(state, result.error().message.c_str());
            break;
        }
    }
    state.counters["requests_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WriteSetpoint)->UseRealTime()->MinTime(1.0);

}  // namespace

EVHIL_BENCHMARK_MAIN()
