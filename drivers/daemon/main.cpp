// evchargerd: drives the chargers of one installation, with the station the scenarios test.
//
//   evchargerd --config /etc/evchargerd.yaml           run until SIGTERM or SIGINT (exit 0)
//   evchargerd --config FILE --check-config            validate the file and exit (0 valid, 2 not)
//   evchargerd --hash-password < password.txt          the web: auth: password_hash for a password read from stdin
//   evchargerd --new-token                             a random API token and the token_hash to configure for it
//
// Logs go to stderr (journald and multilog add their own time stamps). Exit codes: 0 clean stop, 1 a failure at
// run time, 2 bad configuration.

#include <CLI/CLI.hpp>

#include <iostream>
#include <random>

#include "drivers/core/config.hpp"
#include "drivers/core/log.hpp"
#include "drivers/daemon/daemon.hpp"
#include "drivers/web/credentials.hpp"

namespace {

constexpr int exit_failed = 1;
constexpr int exit_bad_config = 2;

// --hash-password and --new-token: what goes into web: auth:, so that the file holds no password or token itself.
int print_credentials(bool hash_password) {
    if (hash_password) {
        std::string password;
        std::getline(std::cin, password);
        if (password.empty()) {
            std::cerr << "evchargerd: --hash-password reads the password from standard input; it was empty\n";
            return exit_bad_config;
        }
        std::cout << "password_hash: \"" << evhil::web::hash_password(password) << "\"\n";
        return 0;
    }
    const auto token = evhil::web::random_token();
    std::cout << "token: " << token << "    # give this to the API client (Authorization: Bearer TOKEN)\n"
              << "token_hash: \"" << evhil::web::token_digest(token) << "\"    # this goes into web: auth:\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace evhil;
    CLI::App app{"evchargerd: EV charger daemon (station: chargers, controller, safety limiter)"};
    std::string config_file;
    bool check_only = false;
    std::optional<std::uint64_t> seed;
    bool hash_password = false;
    bool new_token = false;
    app.add_option("--config", config_file, "YAML configuration (docs/configuration.md)");
    app.add_flag("--check-config", check_only, "Validate the configuration and exit");
    app.add_flag("--hash-password", hash_password,
                 "Read a password from standard input (one line) and print its web: auth: password_hash");
    app.add_flag("--new-token", new_token, "Print a random API token and the web: auth: token_hash for it");
    app.add_option("--seed", seed, "Seed for the reconnect jitter (default: random, printed at start)");
    app.set_version_flag("--version", "evchargerd 0.1.0");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? 0 : exit_bad_config;
    }
    if (hash_password || new_token) {
        return print_credentials(hash_password);
    }
    if (config_file.empty()) {
        std::cerr << "evchargerd: --config FILE is required (evchargerd --help)\n";
        return exit_bad_config;
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
