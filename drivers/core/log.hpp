#pragma once
// Logging through spdlog: one logger per component, its name on every line. The time printed is the
// evhil clock's (virtual time on the sim target), taken from the clock registered with set_log_clock.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "drivers/core/clock.hpp"

namespace evhil::log {

std::shared_ptr<spdlog::logger> get(const std::string& component);
void set_level(spdlog::level::level_enum level);
// The clock whose time log lines carry on the calling thread; nullptr prints no time. Not owned.
void set_log_clock(const Clock* clock);

}  // namespace evhil::log
