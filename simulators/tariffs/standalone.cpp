#include "simulators/tariffs/standalone.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "simulators/common/run_until_signalled.hpp"
#include "simulators/mqtt/mosquitto_broker.hpp"
#include "simulators/tariffs/octopus_api.hpp"
#include "simulators/tariffs/tariff_server.hpp"
#include "simulators/tariffs/tibber_api.hpp"

namespace evhil::sim::tariffs {
namespace {

// The options both commands take.
struct Common {
    std::uint16_t port = 0;
    std::uint64_t seed = 1;
    std::vector<std::string> faults;
    std::string cert_dir;
};

using Handle = std::function<SimAnswer(const http::HttpRequest&, TimePoint)>;
// Told the base URL and the CA file once the server listens; returns the line to print.
using OnListening = std::function<std::string(const std::string& base_url, const std::string& ca_file)>;

void add_common(CLI::App& command, Common& common) {
    command.add_option("--port", common.port, "TCP port on 127.0.0.1 (0 = any free port)")->capture_default_str();
    command.add_option("--seed", common.seed, "Seed of the generated prices")->capture_default_str();
    command.add_option("--fault", common.faults,
                       "KIND:START:DURATION from start (outage, drop, slow[=DELAY], malformed); repeatable");
    command.add_option("--cert-dir", common.cert_dir,
                       "Make the test CA and server certificate here and keep them (default: a temporary folder)");
}

// What both commands share: certificates, the clock, the faults, the HTTPS server and the run until a signal.
int serve(const char* name, const Common& options, TariffFaults& faults, const Handle& handle,
          const OnListening& on_listening) {
    std::string folder = options.cert_dir;
    const bool temporary = folder.empty();
    RealClock clock;
    log::set_log_clock(&clock);
    Executor executor(clock);
    std::unique_ptr<TariffServer> server;
    std::string line;
    try {
        if (temporary) {
            folder = (std::filesystem::temp_directory_path() / "evhil-tariffs-XXXXXX").string();
            if (mkdtemp(folder.data()) == nullptr) {
                throw std::runtime_error("cannot create a folder for the certificates");
            }
        } else {
            std::filesystem::create_directories(folder);
        }
        for (const auto& text : options.faults) {
            faults.add(parse_tariff_fault(text, clock.now()));
        }
        auto certificates = mqtt::make_test_certificates(folder);
        server = std::make_unique<TariffServer>(
            executor,
            TariffServerSettings{.port = options.port,
                                 .cert_file = certificates.server_cert_file,
                                 .key_file = certificates.server_key_file},
            [&handle, &executor](const http::HttpRequest& request) { return handle(request, executor.now()); });
        server->start();
        line = on_listening(server->base_url(), certificates.ca_file);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "evhil sim %s: %s\n", name, error.what());
        server.reset();
        if (temporary && !folder.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(folder, ignored);
        }
        log::set_log_clock(nullptr);
        return 1;
    }
    fmt::print("{}\n", line);
    std::fflush(stdout);
    run_until_signalled(executor);
    server->stop();
    server.reset();
    if (temporary) {
        std::error_code ignored;
        std::filesystem::remove_all(folder, ignored);
    }
    log::set_log_clock(nullptr);
    return 0;
}

struct TibberOptions {
    Common common;
    TibberSettings api;
    int resolution = 60;
};

int run_tibber(TibberOptions options) {
    options.api.prices.seed = options.common.seed;
    options.api.prices.slot_length = std::chrono::minutes(options.resolution);
    std::unique_ptr<TibberApi> api;
    try {
        api = std::make_unique<TibberApi>(options.api);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "evhil sim tibber: %s\n", error.what());
        return 1;
    }
    return serve(
        "tibber", options.common, api->faults(),
        [&api](const http::HttpRequest& request, TimePoint now) { return api->handle(request, now); },
        [&api](const std::string& base, const std::string& ca) {
            return fmt::format("tibber api on {}{} ca {} token {}", base, TibberApi::path, ca, api->settings().token);
        });
}

struct OctopusOptions {
    Common common;
    OctopusSettings api;
};

int run_octopus(OctopusOptions options) {
    options.api.prices.seed = options.common.seed;
    std::unique_ptr<OctopusApi> api;
    try {
        api = std::make_unique<OctopusApi>(options.api);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "evhil sim octopus: %s\n", error.what());
        return 1;
    }
    return serve(
        "octopus", options.common, api->faults(),
        [&api](const http::HttpRequest& request, TimePoint now) { return api->handle(request, now); },
        [&api](const std::string& base, const std::string& ca) {
            api->set_base_url(base);  // the pagination links point back at this server
            return fmt::format("octopus api on {}{} ca {}", base, api->rates_path(), ca);
        });
}

}  // namespace

StandaloneSimulator tibber_standalone_simulator() {
    return {"tibber", "Tibber's GraphQL price API (api.tibber.com/v1-beta/gql) over HTTPS", [](CLI::App& command) {
                auto o = std::make_shared<TibberOptions>();
                add_common(command, o->common);
                command.add_option("--token", o->api.token, "The bearer token it accepts")->capture_default_str();
                command.add_option("--resolution", o->resolution, "Minutes per price in today and tomorrow")
                    ->check(CLI::IsMember({15, 60}))
                    ->capture_default_str();
                command.add_option("--timezone", o->api.prices.timezone, "The home's time zone")->capture_default_str();
                command.add_option("--publish-hour", o->api.publish_hour, "Local hour tomorrow's prices appear")
                    ->check(CLI::Range(0, 24))
                    ->capture_default_str();
                return [o] { return run_tibber(*o); };
            }};
}

StandaloneSimulator octopus_standalone_simulator() {
    return {"octopus", "Octopus Energy's Agile unit rates (api.octopus.energy) over HTTPS", [](CLI::App& command) {
                auto o = std::make_shared<OctopusOptions>();
                add_common(command, o->common);
                command.add_option("--product", o->api.product, "Product code")->capture_default_str();
                command.add_option("--tariff", o->api.tariff, "Tariff code")->capture_default_str();
                command
                    .add_option("--publish-hour", o->api.publish_hour,
                                "UK hour tomorrow's rates appear (Europe/London)")
                    ->check(CLI::Range(0, 24))
                    ->capture_default_str();
                return [o] { return run_octopus(*o); };
            }};
}

}  // namespace evhil::sim::tariffs
