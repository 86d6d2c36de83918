// evhil: the scenario runner and simulator launcher.
//   evhil run [--target sim] [--seed N] [--out DIR] PATH...    run scenarios, write reports
//   evhil sim alfen [--host H] [--port N] ...                   serve a simulated Alfen NG9xx on Modbus TCP
// Exit codes: 0 all passed, 1 a scenario failed, 2 bad input (nothing ran).

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <random>

#include "drivers/core/config.hpp"
#include "drivers/core/log.hpp"
#include "harness/report.hpp"
#include "harness/runner.hpp"
#include "harness/scenario.hpp"
#include "simulators/chargers/alfen/standalone.hpp"

namespace {

using namespace evhil;
using namespace evhil::harness;

constexpr int exit_failed = 1;
constexpr int exit_bad_input = 2;

struct RunArguments {
    std::string target = "sim";
    std::optional<std::uint64_t> seed;
    std::string out = "reports/out";
    std::vector<std::string> paths;
    bool verbose = false;
};

int run_command(const RunArguments& args) {
    if (args.target != "sim") {
        std::cerr << fmt::format("evhil run: target '{}' is not available in this build yet (only 'sim')\n",
                                 args.target);
        return exit_bad_input;
    }
    auto files = expand_scenario_paths(args.paths);
    if (files.empty()) {
        std::cerr << "evhil run: no scenario files found in the given paths\n";
        return exit_bad_input;
    }
    RunOptions options{args.target, args.seed.value_or(std::random_device{}())};
    // Load and validate everything before running anything: bad input runs nothing.
    std::vector<Scenario> scenarios;
    bool bad_input = false;
    for (const auto& file : files) {
        try {
            scenarios.push_back(load_scenario(file));
            validate_scenario(scenarios.back(), options);
        } catch (const ConfigError& error) {
            std::cerr << error.what() << "\n";
            bad_input = true;
        }
    }
    if (bad_input) {
        return exit_bad_input;
    }

    std::cout << fmt::format("evhil run: seed {} target {} ({} scenarios)\n", options.seed, options.target,
                             scenarios.size());
    RunResult run{options.seed, options.target, {}};
    for (const auto& scenario : scenarios) {
        auto result = run_scenario(scenario, options);
        std::size_t passed = std::count_if(result.expectations.begin(), result.expectations.end(),
                                           [](const ExpectationResult& e) { return e.passed; });
        std::string label = result.status == "passed" ? "PASS" : result.status == "skipped" ? "SKIP" : "FAIL";
        std::cout << fmt::format("{} {:<32} {}/{} expectations, {} simulated in {:.2f} s  ({})\n", label, result.name,
                                 passed, result.expectations.size(), format_duration(from_seconds(result.simulated_s)),
                                 result.wall_s, result.file);
        if (!result.message.empty()) {
            std::cout << "     " << result.message << "\n";
        }
        for (const auto& expectation : result.expectations) {
            if (!expectation.passed) {
                std::cout << fmt::format("     {}:{}: {} — {}\n", result.file, expectation.line,
                                         expectation.description, expectation.detail);
            }
        }
        run.scenarios.push_back(std::move(result));
    }
    try {
        write_reports(run, args.out);
    } catch (const std::exception& error) {
        std::cerr << "evhil run: " << error.what() << "\n";
        return exit_bad_input;
    }
    std::cout << fmt::format("reports: {}/results.json, {}/junit.xml, {}/index.html\n", args.out, args.out, args.out);
    return run.all_passed() ? 0 : exit_failed;
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"evhil: hardware-in-the-loop simulator and conformance harness for EV chargers"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "evhil 0.1.0");
    bool verbose = false;
    app.add_flag("-v,--verbose", verbose, "Log driver and simulator activity to stderr (before the subcommand)");

    RunArguments run_args;
    auto* run = app.add_subcommand("run", "Run scenarios and write results.json, junit.xml and index.html");
    run->add_option("--target", run_args.target, "Where to run: sim (in-process, virtual time)")
        ->check(CLI::IsMember({"sim", "wire", "bench"}));
    run->add_option("--seed", run_args.seed, "Seed for every random choice; the same seed reproduces the run");
    run->add_option("--out", run_args.out, "Folder for the reports")->capture_default_str();
    run->add_option("paths", run_args.paths, "Scenario files or folders")->required();

    sim::alfen::AlfenStandaloneOptions alfen_options;
    auto* sim = app.add_subcommand("sim", "Run a simulated device on a real network port");
    sim->require_subcommand(1);
    auto* alfen = sim->add_subcommand("alfen", "Alfen NG9xx on Modbus TCP (unit 200 station, unit 1 socket)");
    alfen->add_option("--host", alfen_options.host, "Address to listen on")->capture_default_str();
    alfen_options.port = 1502;  // 502 needs root; the real station's port is one flag away
    alfen->add_option("--port", alfen_options.port, "TCP port (0 = any free port; the real station uses 502)")
        ->capture_default_str();
    bool unplugged = false;
    double soc_percent = alfen_options.ev.initial_soc * 100.0;
    std::string station_config;
    alfen->add_flag("--unplugged", unplugged, "Start with no EV plugged in (default: an EV is plugged in)");
    alfen->add_option("--soc", soc_percent, "EV state of charge at start, %")
        ->check(CLI::Range(0.0, 100.0))
        ->capture_default_str();
    alfen->add_option("--config", station_config, "YAML file with station settings (docs/alfen.md)")
        ->check(CLI::ExistingFile);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? 0 : exit_bad_input;
    }
    if (run->parsed()) {
        // Fault scenarios make the driver warn on purpose; the per-scenario lines and reports say what matters.
        log::set_level(verbose ? spdlog::level::info : spdlog::level::err);
        return run_command(run_args);
    }
    log::set_level(verbose ? spdlog::level::info : spdlog::level::warn);
    try {
        alfen_options.ev_plugged_in = !unplugged;
        alfen_options.initial_soc = soc_percent / 100.0;
        if (!station_config.empty()) {
            alfen_options.settings = sim::alfen::parse_alfen_station_settings(ConfigNode::load_file(station_config));
        }
        return sim::alfen::run_alfen_simulator(alfen_options);
    } catch (const ConfigError& error) {
        std::cerr << error.what() << "\n";
        return exit_bad_input;
    }
}

int main(int argc, char** argv) {
    try {
        return run_cli(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "evhil: " << error.what() << "\n";
        return exit_failed;
    }
}
