// Modbus TCP server speed, side by side: one libmodbus master (one connection, one request in flight, FC3 read
// of unit 1, registers 1200..1215: the Alfen status block) against three servers, each on its own thread:
//   evhil      evhil::modbus::TcpServer serving the Alfen simulator, on its own Executor and RealClock, as in
//              `evhil sim alfen`
//   libmodbus  libmodbus' own server loop: modbus_tcp_accept, then modbus_receive / modbus_reply on a mapping
//   minimal    a hand-written blocking server: recv the MBAP header, recv the PDU, send the reply
// All three send the same reply bytes (the libmodbus and minimal servers serve the registers the simulator
// answers). Client and server threads are both pinned to CPU 0, so each request is a pair of context switches
// on one core: requests/s then reflect what client and server spend per request, not cross-core wake-up latency.
// Target: evhil at least as fast as libmodbus' own loop.
//
//     build/default/tests/bench/bench_modbus_server                                    # everything, 2 s each
//     EVHIL_MODBUS_SERVER_WINDOW_S=5 build/default/tests/bench/bench_modbus_server --benchmark_filter=SideBySide
//
// BM_EvhilServer, BM_LibmodbusServer, BM_MinimalServer: requests_per_s of one server (--benchmark_min_time
// sets how long). BM_SideBySide: all three in one process, EVHIL_MODBUS_SERVER_WINDOW_S seconds each (default
// 2), taken in rounds that rotate the order so that a disturbance (another build on the machine) is shared
// out rather than landing on one server; counters evhil_rps, libmodbus_rps, minimal_rps, ratio_vs_libmodbus
// (evhil / libmodbus) and ratio_vs_minimal (evhil / minimal).
// Requests/s fall when anything else runs on CPU 0, so every run also reports the server thread's own CPU
// time per request (server_cpu_us; *_server_cpu_us side by side), which such load moves much less.
//
// Server threads are named srv-evhil, srv-libmodbus and srv-minimal, so that their system calls can be counted
// from outside while a run goes on: the thread id is the TID of `grep -l srv-evhil /proc/PID/task/*/comm`, then
//     perf stat -e raw_syscalls:sys_enter -e syscalls:sys_enter_sendto -t TID -- sleep 3
// (every server sends each reply with one sendto). Not strace: its stop at each call lets the master's next
// request arrive before the evhil server reads again, so it hardly ever takes its blocking path under strace.

#include "tests/bench/bench_main.hpp"

#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/transport/modbus/pdu.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"
#include "simulators/physics/ev.hpp"
#include "tests/bench/reference_servers.hpp"
#include "tests/support/libmodbus_client.hpp"

namespace {

using namespace evhil;
using evhil::bench::pin_to_cpu0;
using evhil::bench::Server;
using namespace std::chrono_literals;

constexpr std::uint8_t unit = 1;
constexpr std::uint16_t block_address = 1200;
constexpr std::uint16_t block_count = 16;
constexpr int rounds = 4;  // per server in BM_SideBySide

double window_seconds() {
    const char* text = std::getenv("EVHIL_MODBUS_SERVER_WINDOW_S");
    double seconds = text != nullptr ? std::strtod(text, nullptr) : 2.0;
    return seconds > 0 ? seconds : 2.0;
}

// Pins the benchmark's own thread (the client) for one benchmark, then gives it back its former CPUs.
class PinnedHere {
public:
    PinnedHere() {
        saved_ok_ = pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_) == 0;
        pinned_ = pin_to_cpu0(pthread_self());
    }
    ~PinnedHere() {
        if (saved_ok_) {
            pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_);
        }
    }
    PinnedHere(const PinnedHere&) = delete;
    PinnedHere& operator=(const PinnedHere&) = delete;
    bool pinned() const { return pinned_; }

private:
    cpu_set_t saved_{};
    bool saved_ok_ = false;
    bool pinned_ = false;
};

// What the simulator answers for the block, so that the other servers send byte for byte the same reply.
const std::vector<std::uint16_t>& alfen_block() {
    static const std::vector<std::uint16_t> block = [] {
        RealClock clock;
        physics::Ev ev{physics::EvSettings{}};
        ev.plug_in();
        sim::alfen::AlfenStation station({}, clock, &ev);
        auto response = station.handle(unit, modbus::encode_read_holding(block_address, block_count));
        if (!response) {
            throw std::runtime_error("the Alfen simulator did not answer the status block");
        }
        auto decoded = modbus::decode_read_response(*response, block_count);
        if (auto* error = std::get_if<modbus::ResponseError>(&decoded)) {
            throw std::runtime_error("the Alfen simulator refused the status block: " + error->message);
        }
        return std::get<std::vector<std::uint16_t>>(decoded);
    }();
    return block;
}

class EvhilServer final : public Server {
public:
    EvhilServer() : executor_(clock_), station_({}, clock_, &ev_), server_(executor_, station_, "127.0.0.1", 0) {
        ev_.plug_in();
        server_.start();
        thread_ = std::thread([this] { executor_.run(); });
        started(thread_, "srv-evhil");
    }
    ~EvhilServer() override {
        executor_.post([this] {
            server_.stop();
            executor_.stop();
        });
        thread_.join();
    }
    std::uint16_t port() const override { return server_.port(); }

private:
    RealClock clock_;
    Executor executor_;
    physics::Ev ev_{physics::EvSettings{}};
    sim::alfen::AlfenStation station_;
    modbus::TcpServer server_;
    std::thread thread_;
};

enum class Kind { evhil, libmodbus, minimal };
constexpr std::array<Kind, 3> kinds = {Kind::evhil, Kind::libmodbus, Kind::minimal};

std::unique_ptr<Server> make_server(Kind kind) {
    switch (kind) {
        case Kind::evhil:
            return std::make_unique<EvhilServer>();
        case Kind::libmodbus:
            return bench::make_libmodbus_server(alfen_block(), unit, block_address);
        case Kind::minimal:
            return bench::make_minimal_server(alfen_block(), unit, block_address);
    }
    return nullptr;
}

// One server and its master. The master is declared last so that it closes its connection first: the blocking
// servers only return from their loop when it does.
struct Rig {
    explicit Rig(Kind kind) : server(make_server(kind)), client({"127.0.0.1", server->port(), 2s, 2s}) {}
    // An error message, or empty when connected and pinned.
    std::string connect() {
        if (!server->ready()) {
            return "cannot pin the server thread to CPU 0 or read its CPU clock";
        }
        if (auto error = client.connect()) {
            return error->message;
        }
        return {};
    }
    std::unique_ptr<Server> server;
    modbus::LibmodbusTcpClient client;
};

void BM_Server(benchmark::State& state, Kind kind) {
    PinnedHere pin;
    if (!pin.pinned()) {
        evhil::bench::fail(state, "cannot pin the client thread to CPU 0");
        return;
    }
    std::optional<Rig> rig;
    try {
        rig.emplace(kind);
    } catch (const std::exception& error) {
        evhil::bench::fail(state, error.what());
        return;
    }
    if (auto error = rig->connect(); !error.empty()) {
        evhil::bench::fail(state, error.c_str());
        return;
    }
    double server_cpu_start = rig->server->cpu_seconds();
    for (auto _ : state) {
        auto result = rig->client.read_holding_registers(unit, block_address, block_count);
        if (!result) {
            evhil::bench::fail(state, result.error().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(result.value());
    }
    double server_cpu_s = rig->server->cpu_seconds() - server_cpu_start;
    auto requests = static_cast<double>(state.iterations());
    state.counters["requests_per_s"] = benchmark::Counter(requests, benchmark::Counter::kIsRate);
    state.counters["server_cpu_us"] = requests > 0 ? server_cpu_s / requests * 1e6 : 0;
}
BENCHMARK_CAPTURE(BM_Server, evhil, Kind::evhil)->Name("BM_EvhilServer")->UseRealTime();
BENCHMARK_CAPTURE(BM_Server, libmodbus, Kind::libmodbus)->Name("BM_LibmodbusServer")->UseRealTime();
BENCHMARK_CAPTURE(BM_Server, minimal, Kind::minimal)->Name("BM_MinimalServer")->UseRealTime();

struct Tally {
    std::uint64_t requests = 0;
    double seconds = 0;
    double server_cpu_s = 0;
    double per_second() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
    double server_cpu_us() const { return requests > 0 ? server_cpu_s / static_cast<double>(requests) * 1e6 : 0; }
};

// Requests for `seconds` of wall time; an error message, or empty.
std::string run_window(Rig& rig, double seconds, Tally& tally) {
    constexpr int batch = 32;  // reads the clock once per batch, not per request
    double server_cpu_start = rig.server->cpu_seconds();
    WallStopwatch wall;
    std::uint64_t done = 0;
    while (wall.elapsed_s() < seconds) {
        for (int i = 0; i < batch; ++i) {
            auto result = rig.client.read_holding_registers(unit, block_address, block_count);
            if (!result) {
                return result.error().message;
            }
            benchmark::DoNotOptimize(result.value());
        }
        done += batch;
    }
    tally.requests += done;
    tally.seconds += wall.elapsed_s();
    tally.server_cpu_s += rig.server->cpu_seconds() - server_cpu_start;
    return {};
}

void BM_SideBySide(benchmark::State& state) {
    PinnedHere pin;
    if (!pin.pinned()) {
        evhil::bench::fail(state, "cannot pin the client thread to CPU 0");
        return;
    }
    const double window_s = window_seconds();
    std::vector<std::unique_ptr<Rig>> rigs;
    try {
        for (Kind kind : kinds) {
            rigs.push_back(std::make_unique<Rig>(kind));
        }
    } catch (const std::exception& error) {
        evhil::bench::fail(state, error.what());
        return;
    }
    std::vector<std::uint16_t> first_answer;
    for (auto& rig : rigs) {
        if (auto error = rig->connect(); !error.empty()) {
            evhil::bench::fail(state, error.c_str());
            return;
        }
        // A fair race needs the same work: every server must send the same reply.
        auto answer = rig->client.read_holding_registers(unit, block_address, block_count);
        if (!answer) {
            evhil::bench::fail(state, answer.error().message.c_str());
            return;
        }
        if (first_answer.empty()) {
            first_answer = answer.value();
        } else if (answer.value() != first_answer) {
            evhil::bench::fail(state, "the servers do not answer the block with the same registers");
            return;
        }
    }
    std::array<Tally, kinds.size()> tallies{};
    for (auto _ : state) {
        WallStopwatch wall;
        for (int round = 0; round < rounds; ++round) {
            for (std::size_t i = 0; i < kinds.size(); ++i) {
                std::size_t k = (i + static_cast<std::size_t>(round)) % kinds.size();
                if (auto error = run_window(*rigs[k], window_s / rounds, tallies[k]); !error.empty()) {
                    evhil::bench::fail(state, error.c_str());
                    return;
                }
            }
        }
        state.SetIterationTime(wall.elapsed_s());
    }
    double evhil_rps = tallies[0].per_second();
    double libmodbus_rps = tallies[1].per_second();
    double minimal_rps = tallies[2].per_second();
    state.counters["window_s"] = window_s;
    state.counters["evhil_rps"] = evhil_rps;
    state.counters["libmodbus_rps"] = libmodbus_rps;
    state.counters["minimal_rps"] = minimal_rps;
    state.counters["ratio_vs_libmodbus"] = libmodbus_rps > 0 ? evhil_rps / libmodbus_rps : 0;
    state.counters["ratio_vs_minimal"] = minimal_rps > 0 ? evhil_rps / minimal_rps : 0;
    state.counters["evhil_server_cpu_us"] = tallies[0].server_cpu_us();
    state.counters["libmodbus_server_cpu_us"] = tallies[1].server_cpu_us();
    state.counters["minimal_server_cpu_us"] = tallies[2].server_cpu_us();
}
BENCHMARK(BM_SideBySide)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace

EVHIL_BENCHMARK_MAIN()
