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
#include "tests/support/libmodbus_client.hpp"

namespace {

using namespace evhil;
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

bool pin_to_cpu0(pthread_t thread) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    return pthread_setaffinity_np(thread, sizeof(set), &set) == 0;
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

class Server {
public:
    virtual ~Server() = default;
    virtual std::uint16_t port() const = 0;
    // Pinned to CPU 0, with a CPU clock to read.
    bool ready() const { return ready_; }
    // CPU time of the server thread, user and system: its cost per request whatever else the core is doing.
    double cpu_seconds() const {
        timespec now{};
        clock_gettime(cpu_clock_, &now);
        return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
    }

protected:
    void started(std::thread& thread, const char* name) {
        pthread_setname_np(thread.native_handle(), name);
        bool pinned = pin_to_cpu0(thread.native_handle());
        ready_ = pinned && pthread_getcpuclockid(thread.native_handle(), &cpu_clock_) == 0;
    }

private:
    bool ready_ = false;
    clockid_t cpu_clock_ = CLOCK_THREAD_CPUTIME_ID;
};

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

std::uint16_t bound_port(int socket) {
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    if (getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return 0;
    }
    return ntohs(address.sin_port);
}

// A server thread that blocks in accept() and then serves one connection until the master closes it.
class BlockingServer : public Server {
public:
    ~BlockingServer() override {
        stop();
        close(listener_);
    }
    std::uint16_t port() const override { return port_; }

protected:
    // Derived classes call this at the end of their constructor: the thread must not start on a half-built object.
    void start(int listener, const char* name) {
        listener_ = listener;
        port_ = bound_port(listener);
        if (port_ == 0) {
            throw std::runtime_error(std::string(name) + ": no bound port");
        }
        thread_ = std::thread([this] { serve(listener_); });
        started(thread_, name);
    }
    // Derived destructors call this first, so that the thread is gone before their members are. Returns once
    // the master has closed its connection: the benchmarks destroy the master first.
    void stop() {
        if (!thread_.joinable()) {
            return;
        }
        // Nothing interrupts a blocked accept() portably, so a throwaway connection ends it if no master came;
        // when one did, this one waits in the backlog unseen and goes with the listener.
        int poke = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port_);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connect(poke, reinterpret_cast<sockaddr*>(&address), sizeof(address));
        close(poke);
        thread_.join();
    }
    virtual void serve(int listener) = 0;

private:
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

class LibmodbusServer final : public BlockingServer {
public:
    explicit LibmodbusServer(std::span<const std::uint16_t> block)
        : context_(modbus_new_tcp("127.0.0.1", 0)),
          mapping_(modbus_mapping_new_start_address(0, 0, 0, 0, block_address, block_count, 0, 0)) {
        if (context_ == nullptr || mapping_ == nullptr) {
            release();
            throw std::runtime_error("libmodbus: cannot create the context or the mapping");
        }
        std::copy(block.begin(), block.end(), mapping_->tab_registers);
        modbus_set_slave(context_, unit);
        int listener = modbus_tcp_listen(context_, 1);
        if (listener == -1) {
            std::string reason = modbus_strerror(errno);
            release();
            throw std::runtime_error("libmodbus: cannot listen: " + reason);
        }
        try {
            start(listener, "srv-libmodbus");
        } catch (...) {
            release();
            throw;
        }
    }
    ~LibmodbusServer() override {
        stop();
        release();
    }

private:
    void release() {
        if (context_ != nullptr) {
            modbus_close(context_);  // the accepted connection; the listener is the base's
            modbus_free(context_);
        }
        if (mapping_ != nullptr) {
            modbus_mapping_free(mapping_);
        }
    }
    void serve(int listener) override {
        if (modbus_tcp_accept(context_, &listener) == -1) {
            return;
        }
        std::array<std::uint8_t, MODBUS_TCP_MAX_ADU_LENGTH> request{};
        while (true) {
            int length = modbus_receive(context_, request.data());
            if (length == -1) {
                return;  // the master closed the connection
            }
            if (length > 0) {
                modbus_reply(context_, request.data(), length, mapping_);
            }
        }
    }

    modbus_t* context_;
    modbus_mapping_t* mapping_;
};

// The least a blocking server can do: two recv() calls for the request (header, then as much PDU as the header
// announces) and one send() for the reply. FC3 on the block only; anything else gets an exception.
class MinimalServer final : public BlockingServer {
public:
    explicit MinimalServer(std::span<const std::uint16_t> block) {
        for (std::size_t i = 0; i < block_count; ++i) {
            block_bytes_[2 * i] = static_cast<std::uint8_t>(block[i] >> 8);
            block_bytes_[2 * i + 1] = static_cast<std::uint8_t>(block[i] & 0xFF);
        }
        int listener = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = 0;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (listener == -1 || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            listen(listener, 1) != 0) {
            std::string reason = std::strerror(errno);
            close(listener);
            throw std::runtime_error("minimal server: cannot listen: " + reason);
        }
        start(listener, "srv-minimal");
    }
    ~MinimalServer() override { stop(); }

private:
    static bool receive(int connection, std::uint8_t* bytes, std::size_t size) {
        while (size > 0) {
            ssize_t n = recv(connection, bytes, size, MSG_WAITALL);
            if (n <= 0) {
                return false;
            }
            bytes += n;
            size -= static_cast<std::size_t>(n);
        }
        return true;
    }

    void serve(int listener) override {
        int connection = accept(listener, nullptr, nullptr);
        if (connection == -1) {
            return;
        }
        int one = 1;
        setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // as the evhil server does
        std::array<std::uint8_t, 7 + 253> request{};
        std::array<std::uint8_t, 7 + 2 + 2 * block_count> reply{};
        while (receive(connection, request.data(), 7)) {
            std::size_t length = (std::size_t{request[4]} << 8) | request[5];
            if (request[2] != 0 || request[3] != 0 || length < 2 || length > 254 ||
                !receive(connection, request.data() + 7, length - 1)) {
                break;
            }
            std::uint8_t function = request[7];
            unsigned address = (unsigned{request[8]} << 8) | request[9];
            unsigned count = (unsigned{request[10]} << 8) | request[11];
            std::size_t pdu_size = 0;
            if (function == 0x03 && length == 6 && address >= block_address && count >= 1 &&
                address + count <= block_address + block_count) {
                reply[7] = function;
                reply[8] = static_cast<std::uint8_t>(2 * count);
                std::memcpy(&reply[9], &block_bytes_[2 * (address - block_address)], 2 * count);
                pdu_size = 2 + 2 * count;
            } else {
                reply[7] = static_cast<std::uint8_t>(function | 0x80);
                reply[8] = function == 0x03 ? 0x02 : 0x01;  // illegal data address : illegal function
                pdu_size = 2;
            }
            std::memcpy(reply.data(), request.data(), 4);  // transaction and protocol id
            reply[4] = static_cast<std::uint8_t>((pdu_size + 1) >> 8);
            reply[5] = static_cast<std::uint8_t>((pdu_size + 1) & 0xFF);
            reply[6] = request[6];
            if (send(connection, reply.data(), 7 + pdu_size, MSG_NOSIGNAL) != static_cast<ssize_t>(7 + pdu_size)) {
                break;
            }
        }
        close(connection);
    }

    std::array<std::uint8_t, 2 * block_count> block_bytes_{};
};

enum class Kind { evhil, libmodbus, minimal };
constexpr std::array<Kind, 3> kinds = {Kind::evhil, Kind::libmodbus, Kind::minimal};

std::unique_ptr<Server> make_server(Kind kind) {
    switch (kind) {
        case Kind::evhil:
            return std::make_unique<EvhilServer>();
        case Kind::libmodbus:
            return std::make_unique<LibmodbusServer>(alfen_block());
        case Kind::minimal:
            return std::make_unique<MinimalServer>(alfen_block());
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
