#pragma once
// How a standalone simulator (`evhil sim <type>`) runs: its executor, until SIGINT or SIGTERM, which arrive through
// asio on the executor (nothing runs in a signal handler).

#include "drivers/core/executor.hpp"

namespace evhil::sim {

void run_until_signalled(Executor& executor);

}  // namespace evhil::sim
