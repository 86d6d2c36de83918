#include "drivers/core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <atomic>
#include <mutex>

namespace evhil::log {
namespace {

// Per thread: scenarios run side by side, each on its own thread with its own clock, and spdlog's synchronous
// loggers format on the thread that logs.
thread_local const Clock* log_clock = nullptr;
std::atomic<spdlog::level::level_enum> log_level{spdlog::level::warn};

class ClockTimeFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
        const Clock* clock = log_clock;
        std::string text = clock != nullptr ? format_utc(clock->now()) : std::string("-");
        dest.append(text.data(), text.data() + text.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<ClockTimeFlag>(); }
};

}  // namespace

std::shared_ptr<spdlog::logger> get(const std::string& component) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    if (auto existing = spdlog::get(component)) {
        return existing;
    }
    auto logger = spdlog::stderr_color_mt(component);
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<ClockTimeFlag>('*').set_pattern("%* [%n] %l: %v");
    logger->set_formatter(std::move(formatter));
    logger->set_level(log_level.load());
    return logger;
}

void set_level(spdlog::level::level_enum level) {
    log_level = level;
    spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& logger) { logger->set_level(level); });
}

void set_log_clock(const Clock* clock) {
    log_clock = clock;
}

}  // namespace evhil::log
