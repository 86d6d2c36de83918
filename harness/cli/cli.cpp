// evhil: the scenario runner and simulator launcher.
//   evhil run [--target sim|wire|bench] [--bench FILE] [--operator] [--seed N] [--out DIR] PATH...
//                                                               run scenarios, write reports (and traces)
//   (evhil run --no-baselines: a wire run judged on its expectations only, as the sanitizer builds run the suite)
//   evhil baseline update [--seed N] PATH...                    accept the wire protocol as the new baselines
//   evhil sim TYPE [--host H] [--port N] ...                    serve a simulated device (the simulator table)
// Exit codes: 0 all passed, 1 a scenario failed, 2 bad input (nothing ran).

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "drivers/core/config.hpp"
#include "drivers/core/log.hpp"
#include "harness/reports/report.hpp"
#include "harness/run/operator_console.hpp"
#include "harness/run/runner.hpp"
#include "harness/scenario/bench_file.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/traces/baseline.hpp"
#include "simulators/standalone_simulator.hpp"

namespace {

using namespace evhil;
using namespace evhil::harness;

constexpr int exit_failed = 1;
constexpr int exit_bad_input = 2;

struct RunArguments {
    std::string target = "sim";
    std::optional<std::uint64_t> seed;
    std::string out = "reports/out";
    std::string bench_file;
    std::string baselines = "reports/baselines";
    bool operator_prompts = false;
    bool update_baselines = false;
    bool no_baselines = false;
    unsigned jobs = 0;  // 0: as many as there are scenarios on wire, 1 elsewhere
    std::vector<std::string> paths;
};

// CI keeps only the console: the first differing lines go there too, not only into the HTML report.
void print_differences(const BaselineComparison& comparison) {
    constexpr std::size_t shown = 12;
    if (comparison.status != "differs") {
        return;
    }
    std::size_t printed = 0;
    std::size_t total = 0;
    for (const auto& row : comparison.rows) {
        if (row.kind == DiffRow::Kind::same || row.shifted) {
            continue;
        }
        if (++total <= shown) {
            const bool removed = row.kind == DiffRow::Kind::removed;
            std::cout << fmt::format(
                "       {} {}\n", removed ? "baseline only:" : "this run only:", removed ? row.baseline : row.current);
            ++printed;
        }
    }
    if (total > printed) {
        std::cout << fmt::format("       … and {} more differing lines in the report\n", total - printed);
    }
}

void print_result(const ScenarioResult& result) {
    std::size_t judged = std::count_if(result.expectations.begin(), result.expectations.end(),
                                       [](const ExpectationResult& e) { return !e.skipped; });
    std::size_t passed = std::count_if(result.expectations.begin(), result.expectations.end(),
                                       [](const ExpectationResult& e) { return e.passed; });
    std::string label = result.status == "passed" ? "PASS" : result.status == "skipped" ? "SKIP" : "FAIL";
    std::cout << fmt::format("{} {:<32} {}/{} expectations, {} of scenario time in {:.2f} s  ({})\n", label,
                             result.name, passed, judged, format_duration(from_seconds(result.simulated_s)),
                             result.wall_s, result.file);
    if (!result.message.empty()) {
        std::cout << "     " << result.message << "\n";
    }
    for (const auto& expectation : result.expectations) {
        if (!expectation.passed) {
            std::cout << fmt::format("     {}:{}: {} — {}\n", result.file, expectation.line, expectation.description,
                                     expectation.detail);
        }
    }
    for (const auto& action : result.skipped_actions) {
        std::cout << "     skipped action: " << action << "\n";
    }
    for (const auto& comparison : result.baselines) {
        std::cout << fmt::format("     baseline {}: {}\n", comparison.status, comparison.path);
        print_differences(comparison);
    }
    std::cout << std::flush;
}

// Wire scenarios are real time and mostly wait on sockets, so they run side by side, bounded: a few per core (each
// needs its timers served on time), and as many as the descriptor limit allows. Sim scenarios take the CPU they
// get, so one per core.
unsigned default_jobs(const std::string& target, std::size_t scenarios) {
    unsigned cores = std::max(1U, std::thread::hardware_concurrency());
    std::size_t jobs = target == "wire" ? 8 * cores : cores;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        constexpr std::size_t descriptors_per_scenario = 32;  // ~12 per Modbus device today, with room to grow
        constexpr std::size_t reserved = 64;                  // stdio, reports, the process' own
        std::size_t budget = limit.rlim_cur > reserved ? (limit.rlim_cur - reserved) / descriptors_per_scenario : 1;
        jobs = std::min(jobs, std::max<std::size_t>(budget, 1));
    }
    return static_cast<unsigned>(std::clamp<std::size_t>(jobs, 1, std::max<std::size_t>(scenarios, 1)));
}

// Each scenario has its own clock, executor, thread and ephemeral ports.
// `finish` completes a result (baselines) before it is printed.
std::vector<ScenarioResult> run_all(const std::vector<Scenario>& scenarios, const RunOptions& options, unsigned jobs,
                                    const std::function<void(ScenarioResult&)>& finish) {
    std::vector<ScenarioResult> results(scenarios.size());
    std::atomic<std::size_t> next = 0;
    std::mutex print_mutex;
    auto worker = [&] {
        for (std::size_t i = next++; i < scenarios.size(); i = next++) {
            try {
                results[i] = run_scenario(scenarios[i], options);
            } catch (const std::exception& error) {
                // One scenario that cannot run (a port that will not listen, a fault no part applies) fails with
                // its message; the others go on and the reports are still written.
                results[i] = ScenarioResult{};
                results[i].name = scenarios[i].name;
                results[i].file = scenarios[i].file;
                results[i].status = "error";
                results[i].message = error.what();
            }
            std::lock_guard lock(print_mutex);
            finish(results[i]);
            print_result(results[i]);
        }
    };
    std::vector<std::thread> threads;
    for (unsigned j = 1; j < std::min<std::size_t>(jobs, scenarios.size()); ++j) {
        threads.emplace_back(worker);
    }
    worker();
    for (auto& thread : threads) {
        thread.join();
    }
    return results;
}

// Back-off jitter comes from the seed, and where a reconnect lands decides which time bucket its frames fall in,
// so a baseline holds for the seed it was recorded with. The seed is kept in the file.
constexpr std::string_view baseline_seed_prefix = "# recorded with seed ";

std::optional<std::uint64_t> take_baseline_seed(std::vector<std::string>& lines) {
    for (auto it = lines.begin(); it != lines.end(); ++it) {
        if (it->starts_with(baseline_seed_prefix)) {
            auto seed = std::stoull(it->substr(baseline_seed_prefix.size()));
            lines.erase(it);
            return seed;
        }
    }
    return std::nullopt;
}

// A wire run's protocol against its committed baseline: a difference nobody accepted fails the scenario.
void check_baselines(ScenarioResult& result, const std::string& directory, std::uint64_t seed, bool update) {
    for (const auto& trace : result.traces) {
        BaselineComparison comparison;
        comparison.path = baseline_path(directory, trace.scenario, trace.device).string();
        auto current = normalise_trace(trace);
        if (update) {
            if (result.status != "passed") {
                comparison.status = "not updated";
                result.message = "baseline not updated: the run did not pass";
            } else {
                auto lines = current;
                lines.insert(lines.begin() + std::min<std::size_t>(1, lines.size()),
                             fmt::format("{}{}", baseline_seed_prefix, seed));
                write_baseline(comparison.path, lines);
                comparison.status = "updated";
            }
        } else if (auto baseline = read_baseline(comparison.path)) {
            auto recorded_seed = take_baseline_seed(*baseline);
            comparison.rows = diff_lines(*baseline, current);
            tolerate_bucket_jitter(comparison.rows);
            comparison.status = has_differences(comparison.rows) ? "differs" : "matched";
            if (comparison.status == "differs" && recorded_seed && *recorded_seed != seed) {
                comparison.status =
                    fmt::format("not compared: recorded with seed {}, run with seed {}", *recorded_seed, seed);
            }
        } else {
            comparison.rows = diff_lines({}, current);
            comparison.status = "missing";
        }
        if (comparison.status == "differs" || comparison.status == "missing") {
            result.status = "failed";
            result.message = fmt::format(
                "protocol {} baseline {}; if the change is intended, accept it with `evhil baseline update {}`",
                comparison.status == "missing" ? "has no" : "differs from", comparison.path, result.file);
        }
        result.baselines.push_back(std::move(comparison));
    }
}

int run_command(const RunArguments& args) {
    auto files = expand_scenario_paths(args.paths);
    if (files.empty()) {
        std::cerr << "evhil run: no scenario files found in the given paths\n";
        return exit_bad_input;
    }
    // Wire runs default to seed 1, the seed the committed protocol baselines are recorded with.
    std::uint64_t default_seed = args.target == "wire" ? 1 : std::random_device{}();
    RunOptions options;
    options.target = args.target;
    options.seed = args.seed.value_or(default_seed);
    std::optional<BenchFile> bench;
    std::optional<OperatorConsole> console;
    try {
        if (args.target == "bench") {
            if (args.bench_file.empty()) {
                std::cerr << "evhil run: --target bench needs --bench FILE (see docs/bench.md)\n";
                return exit_bad_input;
            }
            bench = load_bench_file(args.bench_file);
            options.bench = &*bench;
            if (args.operator_prompts) {
                options.console = &console.emplace(std::cin, std::cerr);
            }
        }
    } catch (const ConfigError& error) {
        std::cerr << error.what() << "\n";
        return exit_bad_input;
    }
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

    unsigned jobs = args.jobs != 0 ? args.jobs : default_jobs(args.target, scenarios.size());
    if (args.target == "bench") {
        jobs = 1;  // one bench, one scenario at a time
    }
    std::cout << fmt::format("evhil run: seed {} target {} ({} scenarios{})\n", options.seed, options.target,
                             scenarios.size(), jobs > 1 ? fmt::format(", {} at a time", jobs) : "");
    std::optional<std::string> baseline_error;
    auto finish = [&](ScenarioResult& result) {
        if (args.target != "wire" || result.status == "skipped" || args.no_baselines) {
            return;
        }
        try {
            check_baselines(result, args.baselines, options.seed, args.update_baselines);
        } catch (const std::exception& error) {
            result.status = "error";
            result.message = error.what();
            baseline_error = error.what();
        }
    };
    RunResult run{options.seed, options.target, run_all(scenarios, options, jobs, finish)};
    if (baseline_error) {
        std::cerr << "evhil run: " << *baseline_error << "\n";
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

void add_run_options(CLI::App* command, RunArguments& args) {
    command->add_option("--seed", args.seed, "Seed for every random choice; the same seed reproduces the run");
    command->add_option("--out", args.out, "Folder for the reports (and traces/ on wire and bench)")
        ->capture_default_str();
    command->add_option("--baselines", args.baselines, "Folder of the protocol baselines wire runs are compared with")
        ->capture_default_str();
    command->add_flag("--no-baselines", args.no_baselines,
                      "Judge a wire run's expectations only, without comparing its protocol with the baselines");
    command->add_option("--jobs", args.jobs,
                        "Scenarios run side by side (default: 8 per core on wire, 1 per core on sim, within the "
                        "descriptor limit; always 1 on a bench)");
    command->add_option("paths", args.paths, "Scenario files or folders")->required();
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
    run->add_option("--target", run_args.target,
                    "sim: in-process, virtual time; wire: simulators on loopback sockets, real time; "
                    "bench: real devices from --bench")
        ->check(CLI::IsMember({"sim", "wire", "bench"}))
        ->capture_default_str();
    run->add_option("--bench", run_args.bench_file, "Bench file mapping devices to real endpoints (docs/bench.md)")
        ->check(CLI::ExistingFile);
    run->add_flag("--operator", run_args.operator_prompts,
                  "On a bench, prompt for actions only a simulator can do (else they are skipped and listed)");
    add_run_options(run, run_args);

    RunArguments baseline_args;
    baseline_args.target = "wire";
    baseline_args.update_baselines = true;
    auto* baseline = app.add_subcommand("baseline", "Protocol regression baselines");
    baseline->require_subcommand(1);
    auto* update = baseline->add_subcommand(
        "update", "Run scenarios on the wire target and accept their protocol as the new baselines");
    add_run_options(update, baseline_args);

    auto* sim = app.add_subcommand("sim", "Run a simulated device on a real network port");
    sim->require_subcommand(1);
    std::vector<std::pair<CLI::App*, std::function<int()>>> simulators;
    for (const auto& simulator : sim::standalone_simulators()) {
        auto* command = sim->add_subcommand(simulator.type, simulator.description);
        simulators.emplace_back(command, simulator.add_command(*command));
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? 0 : exit_bad_input;
    }
    if (run->parsed() || update->parsed()) {
        // Fault scenarios make the driver warn on purpose; the per-scenario lines and reports say what matters.
        log::set_level(verbose ? spdlog::level::info : spdlog::level::err);
        return run_command(run->parsed() ? run_args : baseline_args);
    }
    log::set_level(verbose ? spdlog::level::info : spdlog::level::warn);
    try {
        for (auto& [command, run_simulator] : simulators) {
            if (command->parsed()) {
                return run_simulator();
            }
        }
        return exit_bad_input;
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
