// evchargerd: drives the chargers of one installation, with the station the scenarios test.
//
//   evchargerd --config /etc/evchargerd.yaml           run until SIGTERM or SIGINT (exit 0)
//   evchargerd --config FILE --check-config            validate the file and exit (0 valid, 2 not)
//
// Logs go to stderr (journald and multilog add their own time stamps). Exit codes: 0 clean stop, 1 a failure at
// run time, 2 bad configuration.

#include <CLI/CLI.hpp>

#include <iostream>
#include <random>

#include "drivers/core/config.hpp"
#include "drivers/core/log.hpp"
#include "drivers/daemon/daemon.hpp"

namespace {

constexpr int exit_failed = 1;
constexpr int exit_bad_config = 2;

}  // namespace

int main(int argc, char** argv) {
    using namespace evhil;
    CLI::App app{"evchargerd: EV charger daemon (station: chargers, controller, safety limiter)"};
    std::string config_file;
    bool check_only = false;
    std::optional<std::uint64_t> seed;
    app.add_option("--config", config_file, "YAML configuration (docs/configuration.md)")->required();
    app.add_flag("--check-config", check_only, "Validate the configuration and exit");
    app.add_option("--seed", seed, "Seed for the reconnect jitter (default: random, printed at start)");
    app.set_version_flag("--version", "evchargerd 0.1.0");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? 0 : exit_bad_config;
    }
    try {
        auto config = daemon::load_daemon_config(config_file);
        if (check_only) {
            std::cout << config_file << ": configuration is valid (" << config.station.chargers.size()
                      << " charger(s))\n";
            return 0;
        }
        log::set_level(config.log_level);
        std::uint64_t run_seed = seed.value_or(std::random_device{}());
        log::get("evchargerd")
            ->info("starting with {} charger(s) from {}, seed {}", config.station.chargers.size(), config_file,
                   run_seed);
        daemon::Daemon daemon(std::move(config), run_seed);
        return daemon.run();
    } catch (const ConfigError& error) {
        std::cerr << error.what() << "\n";
        return exit_bad_config;
    } catch (const std::exception& error) {
        std::cerr << "evchargerd: " << error.what() << "\n";
        return exit_failed;
    }
}
