#include <date/date.h>

#include <sstream>

#include "drivers/prices/price_api.hpp"

namespace evhil::prices {

std::optional<TimePoint> parse_iso8601(const std::string& text) {
    std::string normalised = text;
    if (!normalised.empty() && (normalised.back() == 'Z' || normalised.back() == 'z')) {
        normalised.replace(normalised.size() - 1, 1, "+00:00");
    }
    std::istringstream in(normalised);
    date::sys_time<std::chrono::milliseconds> parsed;
    in >> date::parse("%FT%T%Ez", parsed);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
        return std::nullopt;
    }
    return std::chrono::time_point_cast<Duration>(parsed);
}

}  // namespace evhil::prices
