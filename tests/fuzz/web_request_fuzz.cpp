// Seeded mutation fuzzing of evchargerd's web front: raw bytes through Beast's request parser (with the server's
// limits), and every request it accepts through the whole API (access checks, routing, the JSON handlers, the
// commands into a station with a simulated Alfen, the configuration endpoints on a scratch file).
//
//   evhil_web_fuzz [--inputs N] [--seed S]        default 1000000 inputs, seed 1; prints the seed and the counts
//
// Inputs are mutations of a corpus of real requests (bit flips, inserted and deleted runs, splices, interesting
// numbers and tokens), with the Content-Length fixed up half of the time so that mutated bodies reach the handlers.
// It is not coverage-guided (libFuzzer would need the whole station built with clang); the sanitizer build (ASan,
// UBSan) runs it in CI, where any memory error, undefined behaviour or uncaught exception fails it. After each input
// it also checks what must always hold: an answer has a valid status, a JSON answer parses, and the user's settings
// stay within what UserCommands accepts (0 to 80 A, mode 0 to 2).

#include <boost/beast/core/flat_buffer.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "drivers/station/user_commands.hpp"
#include "drivers/web/config_api.hpp"
#include "drivers/web/web_service.hpp"
#include "harness/run/testbed.hpp"

namespace {

using namespace evhil;
using namespace evhil::web;

const std::vector<std::string> corpus{
    "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:8088\r\n\r\n",
    "GET /api/history?minutes=5 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "GET /api/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n",
    "POST /api/set_current HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n"
    "{\"amps\": 10}\n",
    "POST /api/mode HTTP/1.1\r\nHost: [::1]:8088\r\nContent-Type: application/json\r\nOrigin: http://[::1]:8088\r\n"
    "Content-Length: 11\r\n\r\n{\"mode\": 0}",
    "POST /api/startstop HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json; charset=utf-8\r\n"
    "Sec-Fetch-Site: same-origin\r\nContent-Length: 37\r\n\r\n{\"enabled\": true, \"charger\": \"charger\"}",
    "POST /api/max_current HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
    "\r\n\r\nc\r\n{\"amps\": 12}\r\n0\r\n\r\n",
    "PUT /api/config HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n"
    "{\"config\": {\"log\": {\"level\": \"info\", \"status_interval\": \"5m\"}}}",
    "GET /api/config HTTP/1.1\r\nHost: localhost\r\nCookie: a=b; evchargerd_session=00\r\n\r\n",
    "POST /api/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n"
    "{\"password\": \"pw\"}\r\n",
    "GET /app.js HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer 0123\r\n\r\n",
    "GET /api/config/schema HTTP/1.0\r\n\r\n",
};

const std::vector<std::string> tokens{"\r\n",
                                      "\r\n\r\n",
                                      ": ",
                                      "Content-Length: ",
                                      "Transfer-Encoding: chunked\r\n",
                                      "{",
                                      "}",
                                      "[",
                                      "]",
                                      "\"",
                                      "\\",
                                      "\\u0000",
                                      "\\ud800",
                                      "null",
                                      "true",
                                      "-1",
                                      "1e308",
                                      "-0",
                                      "NaN",
                                      "99999999999999999999",
                                      "0.5",
                                      "%00",
                                      "?minutes=",
                                      "/api/",
                                      "charger",
                                      "amps",
                                      "mode",
                                      "enabled",
                                      "config",
                                      "********",
                                      "\xff\xfe"};

class Mutator {
public:
    explicit Mutator(std::uint64_t seed) : random_(seed) {}

    std::string next() {
        std::string input = corpus[pick(corpus.size())];
        const int rounds = 1 + static_cast<int>(pick(4));
        for (int i = 0; i < rounds; ++i) {
            mutate(input);
        }
        if (pick(2) == 0) {
            fix_length(input);
        }
        return input;
    }

private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }

    void mutate(std::string& s) {
        const std::size_t at = s.empty() ? 0 : pick(s.size());
        switch (pick(7)) {
            case 0:
                if (!s.empty())
                    s[at] = static_cast<char>(s[at] ^ (1 << pick(8)));
                break;
            case 1:
                s.insert(at, tokens[pick(tokens.size())]);
                break;
            case 2:
                s.erase(at, pick(16) + 1);
                break;
            case 3:
                s.insert(at, s.substr(at, pick(32) + 1));
                break;
            case 4: {
                const auto& other = corpus[pick(corpus.size())];
                s = s.substr(0, at) + other.substr(pick(other.size()));
                break;
            }
            case 5:
                s.insert(at, std::string(pick(4) == 0 ? 300 : 3, static_cast<char>(pick(256))));
                break;
            default:
                if (!s.empty())
                    s[at] = static_cast<char>(pick(256));
                break;
        }
    }

    // Sets Content-Length to the body's real size, so that a mutated body is read whole.
    static void fix_length(std::string& s) {
        const auto head_end = s.find("\r\n\r\n");
        const auto field = s.find("Content-Length: ");
        if (head_end == std::string::npos || field == std::string::npos || field > head_end) {
            return;
        }
        const auto value_end = s.find("\r\n", field);
        const auto body = s.size() - head_end - 4;
        s.replace(field + 16, value_end - field - 16, std::to_string(body));
    }

    std::mt19937_64 random_;
};

struct NullSink : EventSink {
    void send(std::string) override {}
    bool open() const override { return false; }
    void close() override {}
};

int fail(const std::string& what, const std::string& input) {
    std::fprintf(stderr, "evhil_web_fuzz: %s\ninput (%zu bytes): %s\n", what.c_str(), input.size(), input.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t inputs = 1000000;
    std::uint64_t seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        (flag == "--inputs" ? inputs : seed) = std::stoull(argv[i + 1]);
    }
    std::printf("evhil_web_fuzz: %llu inputs, seed %llu\n", static_cast<unsigned long long>(inputs),
                static_cast<unsigned long long>(seed));

    auto scenario = harness::load_scenario(EVHIL_SOURCE_DIR "/scenarios/station/cable-limit.yaml");
    harness::RunOptions options;
    harness::Testbed bed(scenario, options, seed);
    const auto config_file =
        std::filesystem::temp_directory_path() / ("evhil-web-fuzz-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(config_file) << "log: {level: info}\n";
    ConfigHooks hooks;
    hooks.path = config_file.string();
    hooks.validate = [](const std::string& yaml, const std::string& name) {
        auto root = ConfigNode::load_string(yaml, name);
        root.allow_keys({"log"});
        if (auto log = root.optional("log")) {
            log->allow_keys({"level", "status_interval"});
            log->get_duration("status_interval", std::chrono::minutes(5), std::chrono::seconds(1),
                              std::chrono::hours(24));
        }
    };
    hooks.apply_live = [](const std::string&) {};
    hooks.schema = [] { return nlohmann::ordered_json::object(); };
    WebSettings settings;
    settings.requests_per_second = 1e9;  // the fuzzer is one client sending as fast as it can
    settings.burst = 1e9;
    WebService web(bed.executor, *bed.station, settings, hooks);
    bed.station->start();
    bed.executor.run_for(std::chrono::seconds(3));

    Mutator mutator(seed);
    std::uint64_t parsed = 0, answered = 0, accepted_writes = 0;
    const HttpServerLimits limits;
    for (std::uint64_t n = 0; n < inputs; ++n) {
        const auto input = mutator.next();
        evhil::web::http::request_parser<evhil::web::http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
        parser.body_limit(limits.body_bytes);
        boost::beast::error_code error;
        std::size_t used = 0;
        while (!error && used < input.size() && !parser.is_done()) {
            used += parser.put(boost::asio::buffer(input.data() + used, input.size() - used), error);
            if (error == evhil::web::http::error::need_more) {
                error = {};
                break;
            }
        }
        // The end of the input is the client closing: Beast's own read does put_eof only after some bytes.
        if (!error && !parser.is_done() && parser.got_some()) {
            parser.put_eof(error);
        }
        if (error || !parser.is_done()) {
            continue;
        }
        ++parsed;
        Reply reply = web.handle(parser.get(), Peer{"127.0.0.1", true});
        if (reply.on_stream_open) {
            reply.on_stream_open(std::make_shared<NullSink>());
        }
        const auto status = static_cast<int>(reply.response.result_int());
        if (status < 100 || status > 599) {
            return fail("status " + std::to_string(status), input);
        }
        if (reply.response[evhil::web::http::field::content_type] == "application/json" &&
            nlohmann::json::parse(reply.response.body(), nullptr, false).is_discarded()) {
            return fail("a JSON answer that does not parse: " + reply.response.body(), input);
        }
        ++answered;
        accepted_writes += status == 200 && parser.get().method() == evhil::web::http::verb::post ? 1 : 0;
        const auto& user = bed.station->find("charger")->user;
        if (!(user.current_a >= 0 && user.current_a <= station::settable_max_a) || !(user.max_current_a >= 0) ||
            static_cast<int>(user.mode) != 0) {
            return fail("the user's settings left their range", input);
        }
        if (n % 1000 == 0) {
            bed.executor.run_for(std::chrono::milliseconds(500));  // timers, events, the driver's polls
        }
    }
    std::filesystem::remove(config_file);
    std::filesystem::remove(config_file.string() + ".bak");
    std::printf("evhil_web_fuzz: %llu inputs, %llu parsed, %llu answered, %llu writes accepted; no failure\n",
                static_cast<unsigned long long>(inputs), static_cast<unsigned long long>(parsed),
                static_cast<unsigned long long>(answered), static_cast<unsigned long long>(accepted_writes));
    return 0;
}
