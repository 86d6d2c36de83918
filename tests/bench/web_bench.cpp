// The web UI's cost to the daemon.
//
// BM_StatusSnapshot: GET /api/status answered in-process over a station with a simulated Alfen (the work of every
// status event and every snapshot request): mean and p99 per answer.
//
// BM_WebFanout/50: measured from outside, as a user runs it: `evhil sim alfen` and evchargerd (poll 1 s, so about one
// status event a second) with its web UI; over a first window with no client, then a second with 50 browsers'
// event streams open (/api/events), and a snapshot request every 100 ms on top. Figures: the delivery latency of
// each status event to each client (from the event's own time stamp to its arrival, p50 and p99), the latency of
// GET /api/status with the streams open (p99), and the daemon's CPU and resident memory without and with the
// clients. Targets, enforced for windows of 30 s or more: RSS growth with the UI open at most 5 MiB, CPU at most
// 1 % of one core.
//
//     build/default/tests/bench/bench_web                                # 60 s windows
//     EVHIL_WEB_WINDOW_S=5 build/default/tests/bench/bench_web           # shorter; targets not enforced

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <regex>
#include <thread>

#include "drivers/web/web_service.hpp"
#include "harness/run/testbed.hpp"
#include "tests/bench/bench_main.hpp"
#include "tests/bench/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using evhil::bench::Child;
using evhil::bench::sched_cpu_s;
using evhil::bench::status_mib;
using evhil::bench::TempFolder;

constexpr double max_rss_growth_mib = 5.0;
constexpr double max_cpu_percent = 1.0;
constexpr double min_enforcing_window_s = 30.0;

double window_seconds() {
    const char* text = std::getenv("EVHIL_WEB_WINDOW_S");
    double seconds = text != nullptr ? std::strtod(text, nullptr) : 60.0;
    return seconds > 0 ? seconds : 60.0;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

void BM_StatusSnapshot(benchmark::State& state) {
    auto scenario = evhil::harness::load_scenario(EVHIL_SOURCE_DIR "/scenarios/station/cable-limit.yaml");
    evhil::harness::RunOptions options;
    evhil::harness::Testbed bed(scenario, options, 1);
    evhil::web::WebSettings settings;
    settings.requests_per_second = 1e9;
    settings.burst = 1e9;
    evhil::web::WebService web(bed.executor, *bed.station, settings);
    bed.station->start();
    bed.executor.run_for(5s);
    evhil::web::Request request{evhil::web::http::verb::get, "/api/status", 11};
    request.set(evhil::web::http::field::host, "127.0.0.1");
    std::vector<double> micros;
    std::size_t bytes = 0;
    for (auto _ : state) {
        evhil::WallStopwatch watch;
        auto reply = web.handle(request, evhil::web::Peer{"127.0.0.1", true});
        const double elapsed = watch.elapsed_s();
        state.SetIterationTime(elapsed);
        micros.push_back(elapsed * 1e6);
        bytes = reply.response.body().size();
    }
    state.counters["mean_us"] = std::accumulate(micros.begin(), micros.end(), 0.0) / static_cast<double>(micros.size());
    state.counters["p99_us"] = percentile(micros, 0.99);
    state.counters["snapshot_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_StatusSnapshot)->UseManualTime()->Unit(benchmark::kMicrosecond);

struct Usage {
    double rss_mib;
    double cpu_s;
};

Usage usage(pid_t pid) {
    return {status_mib(pid, "VmRSS").value_or(0), sched_cpu_s(pid)};
}

tcp::socket open_stream(boost::asio::io_context& io, std::uint16_t port) {
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    const std::string request = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(request));
    return socket;
}

// GET /api/status on a fresh connection; the answer's latency in ms, or a negative number on failure.
double status_request_ms(boost::asio::io_context& io, std::uint16_t port) {
    evhil::WallStopwatch watch;
    tcp::socket socket(io);
    boost::system::error_code error;
    socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), error);
    const std::string request = "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(request), error);
    std::string answer;
    boost::asio::read(socket, boost::asio::dynamic_buffer(answer), error);
    return answer.rfind("HTTP/1.1 200", 0) == 0 ? watch.elapsed_s() * 1e3 : -1;
}

// Reads every stream for `seconds`, collecting the delivery latency of each status event (its "time" field against
// this process's wall clock, both anchored to the system clock), and a snapshot request every 100 ms.
void read_streams(std::vector<tcp::socket>& streams, double seconds, std::uint16_t port,
                  std::vector<double>& latency_ms, std::vector<double>& request_ms, std::size_t& events) {
    evhil::RealClock clock;
    boost::asio::io_context io;
    std::vector<std::string> pending(streams.size());
    std::vector<pollfd> fds;
    for (auto& socket : streams) {
        fds.push_back({socket.native_handle(), POLLIN, 0});
    }
    static const std::regex time_field(R"(^event: status\ndata: .*"time":([0-9]+))");
    evhil::WallStopwatch window;
    double next_request = 0;
    while (window.elapsed_s() < seconds) {
        if (window.elapsed_s() >= next_request) {
            request_ms.push_back(status_request_ms(io, port));
            next_request += 0.1;
        }
        if (::poll(fds.data(), fds.size(), 20) <= 0) {
            continue;
        }
        const auto now_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if ((fds[i].revents & POLLIN) == 0) {
                continue;
            }
            char buffer[65536];
            const auto n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                fds[i].fd = -1;
                continue;
            }
            pending[i].append(buffer, static_cast<std::size_t>(n));
            std::size_t end;
            while ((end = pending[i].find("\n\n")) != std::string::npos) {
                const auto message = pending[i].substr(0, end);
                pending[i].erase(0, end + 2);
                std::smatch match;
                if (std::regex_search(message, match, time_field)) {
                    latency_ms.push_back(static_cast<double>(now_ms - std::stoll(match[1].str())));
                    ++events;
                }
            }
        }
    }
}

void BM_WebFanout(benchmark::State& state) {
    const auto clients = static_cast<std::size_t>(state.range(0));
    const double window_s = window_seconds();
    for (auto _ : state) {
        TempFolder folder;
        Child simulator({EVHIL_BINARY, "sim", "alfen", "--port", "0"}, folder.file("sim.log"));
        auto sim_port = simulator.wait_for_output(std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"), 5.0);
        if (!sim_port) {
            return evhil::bench::fail(state, "the simulator did not start");
        }
        std::ofstream(folder.file("evchargerd.yaml"))
            << "devices:\n  alfen:\n    type: alfen\n    endpoint: {host: 127.0.0.1, port: " << *sim_port
            << "}\n    driver: {poll_interval: 1s}\n    limits: {max_current: 16}\n"
               "controller: {type: manual, enabled: true, current: 10}\nlog: {level: info, status_interval: 1h}\n"
               "web: {host: 127.0.0.1, port: 0, rate: {requests_per_second: 1000, burst: 1000}}\n";
        Child daemon({EVCHARGERD_BINARY, "--config", folder.file("evchargerd.yaml")}, folder.file("daemon.log"));
        auto web_port = daemon.wait_for_output(std::regex("web UI on http://127\\.0\\.0\\.1:([0-9]+)"), 5.0);
        if (!web_port) {
            return evhil::bench::fail(state, "evchargerd did not say where its web UI is");
        }
        const auto port = static_cast<std::uint16_t>(std::stoul(*web_port));
        std::this_thread::sleep_for(3s);  // warm-up: connected, first status (the bench waits, the daemon works)
        const Usage before = usage(daemon.pid());
        evhil::WallStopwatch idle;
        std::this_thread::sleep_for(std::chrono::duration<double>(window_s));
        const double idle_s = idle.elapsed_s();
        const Usage idle_end = usage(daemon.pid());

        boost::asio::io_context io;
        std::vector<tcp::socket> streams;
        for (std::size_t i = 0; i < clients; ++i) {
            streams.push_back(open_stream(io, port));
        }
        std::vector<double> latency_ms, request_ms;
        std::size_t events = 0;
        evhil::WallStopwatch open_window;
        read_streams(streams, window_s, port, latency_ms, request_ms, events);
        const double open_s = open_window.elapsed_s();
        const Usage open_end = usage(daemon.pid());
        state.SetIterationTime(open_s);
        if (!daemon.running()) {
            return evhil::bench::fail(state, "evchargerd exited during the run");
        }
        const auto failed_requests =
            std::count_if(request_ms.begin(), request_ms.end(), [](double ms) { return ms < 0; });
        std::erase_if(request_ms, [](double ms) { return ms < 0; });
        const double idle_cpu = 100 * (idle_end.cpu_s - before.cpu_s) / idle_s;
        const double open_cpu = 100 * (open_end.cpu_s - idle_end.cpu_s) / open_s;
        state.counters["clients"] = static_cast<double>(clients);
        state.counters["events_per_client_per_s"] = static_cast<double>(events) / static_cast<double>(clients) / open_s;
        state.counters["delivery_p50_ms"] = percentile(latency_ms, 0.5);
        state.counters["delivery_p99_ms"] = percentile(latency_ms, 0.99);
        state.counters["status_request_p99_ms"] = percentile(request_ms, 0.99);
        state.counters["failed_requests"] = static_cast<double>(failed_requests);
        state.counters["rss_idle_mib"] = idle_end.rss_mib;
        state.counters["rss_open_mib"] = open_end.rss_mib;
        state.counters["rss_growth_mib"] = open_end.rss_mib - before.rss_mib;
        state.counters["cpu_idle_percent"] = idle_cpu;
        state.counters["cpu_open_percent"] = open_cpu;
        streams.clear();
        const int exit_code = daemon.terminate(5000ms);
        simulator.terminate(5000ms);
        if (events == 0 || failed_requests > 0 || exit_code != 0) {
            return evhil::bench::fail(state, "no events, a failed status request or a bad exit");
        }
        if (window_s >= min_enforcing_window_s &&
            (open_end.rss_mib - before.rss_mib > max_rss_growth_mib || open_cpu > max_cpu_percent)) {
            return evhil::bench::fail(state, "over target: RSS growth above 5 MiB or CPU above 1 % with the UI open");
        }
    }
}
BENCHMARK(BM_WebFanout)->Arg(50)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace

EVHIL_BENCHMARK_MAIN()
