#pragma once
// Text helpers shared by the junit, html and svg writers. Internal to the harness; not part of the report API.

#include <string>
#include <string_view>

#include "harness/recording/result.hpp"

namespace evhil::harness::detail {

// Escapes for XML and HTML alike. Control characters and invalid UTF-8 become U+FFFD because either would make
// junit.xml unparseable; in attributes, tab and newlines become character references so they survive
// attribute-value normalisation.
std::string escape_markup(std::string_view text, bool in_attribute = false);

// Fixed-point with at most `max_decimals`, trailing zeros trimmed: 42 -> "42", 3605.25 -> "3605.25".
// Non-finite values give "n/a".
std::string format_number(double value, int max_decimals = 3);

// A point in scenario time for people: "42 s", "3605 s (1:00:05)".
std::string format_time(double seconds);

// A span for people: "0.5 s", "42 s", "5 min 30 s", "24 h 00 min".
std::string format_duration(double seconds);

struct StatusCounts {
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    int error = 0;  // includes scenarios with a status the writers do not know
    int total = 0;
};

// Anything but passed/failed/skipped is reported as an error so a typo in a status never hides a problem.
std::string normalised_status(const std::string& status);
StatusCounts count_statuses(const RunResult& run);

}  // namespace evhil::harness::detail
