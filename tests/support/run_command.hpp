#pragma once
// Runs a shell command for a test and returns what it wrote to stdout; the exit status in `status`.

#include <string>

namespace evhil::test {

std::string run_command(const std::string& command, int* status = nullptr);

}  // namespace evhil::test
