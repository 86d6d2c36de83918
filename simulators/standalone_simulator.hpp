#pragma once
// The table of standalone simulators: `evhil sim <type>` runs one as a process of its own (for the bench target,
// evchargerd against a simulator, or a Modbus tool by hand). Each simulator folder provides its row; the CLI
// builds its subcommands from the table and names no device.

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace evhil::sim {

struct StandaloneSimulator {
    std::string type;
    std::string description;
    // Adds the simulator's options to its subcommand and returns what runs it once the command line is parsed
    // (an exit code; a configuration error is thrown as ConfigError).
    std::function<std::function<int()>(CLI::App& command)> add_command;
};

const std::vector<StandaloneSimulator>& standalone_simulators();

}  // namespace evhil::sim
