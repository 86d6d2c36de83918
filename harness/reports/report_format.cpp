#include "harness/reports/report_format.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace evhil::harness::detail {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence starting at `pos`, or 0 if it is not one (overlong forms and
// surrogates included, as RFC 3629 requires).
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) {
    auto byte = [&](std::size_t index) { return static_cast<unsigned char>(text[index]); };
    const unsigned char lead = byte(pos);
    if (lead < 0x80) {
        return 1;
    }
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        second_min = lead == 0xE0 ? 0xA0 : 0x80;
        second_max = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        second_min = lead == 0xF0 ? 0x90 : 0x80;
        second_max = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (pos + length > text.size() || byte(pos + 1) < second_min || byte(pos + 1) > second_max) {
        return 0;
    }
    for (std::size_t index = pos + 2; index < pos + length; ++index) {
        if ((byte(index) & 0xC0) != 0x80) {
            return 0;
        }
    }
    return length;
}

}  // namespace

std::string escape_markup(std::string_view text, bool in_attribute) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        const std::size_t length = utf8_sequence_length(text, pos);
        if (length == 0) {
            out += replacement_character;
            ++pos;
            continue;
        }
        if (length > 1) {
            out.append(text.substr(pos, length));
            pos += length;
            continue;
        }
        ++pos;
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            case '\t':
                out += in_attribute ? "&#9;" : "\t";
                break;
            case '\n':
                out += in_attribute ? "&#10;" : "\n";
                break;
            case '\r':
                out += "&#13;";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += replacement_character;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

std::string format_number(double value, int max_decimals) {
    if (!std::isfinite(value)) {
        return "n/a";
    }
    std::string text = fmt::format("{:.{}f}", value, max_decimals);
    if (text.find('.') != std::string::npos) {
        while (text.back() == '0') {
            text.pop_back();
        }
        if (text.back() == '.') {
            text.pop_back();
        }
    }
    if (text == "-0") {
        text = "0";
    }
    return text;
}

std::string format_time(double seconds) {
    if (!std::isfinite(seconds)) {
        return "n/a";
    }
    std::string text = format_number(seconds) + " s";
    if (std::abs(seconds) >= 60) {
        const long long whole = std::llabs(std::llround(seconds));
        text += fmt::format(" ({}{}:{:02}:{:02})", seconds < 0 ? "-" : "", whole / 3600, whole / 60 % 60, whole % 60);
    }
    return text;
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds)) {
        return "n/a";
    }
    if (std::abs(seconds) < 59.5) {
        return format_number(seconds) + " s";
    }
    const long long whole_seconds = std::llround(seconds);
    if (whole_seconds < 3600) {
        return fmt::format("{} min {:02} s", whole_seconds / 60, whole_seconds % 60);
    }
    const long long whole_minutes = std::llround(seconds / 60);
    return fmt::format("{} h {:02} min", whole_minutes / 60, whole_minutes % 60);
}

std::string normalised_status(const std::string& status) {
    if (status == "passed" || status == "failed" || status == "skipped") {
        return status;
    }
    return "error";
}

StatusCounts count_statuses(const RunResult& run) {
    StatusCounts counts;
    for (const auto& scenario : run.scenarios) {
        const std::string status = normalised_status(scenario.status);
        if (status == "passed") {
            ++counts.passed;
        } else if (status == "failed") {
            ++counts.failed;
        } else if (status == "skipped") {
            ++counts.skipped;
        } else {
            ++counts.error;
        }
        ++counts.total;
    }
    return counts;
}

}  // namespace evhil::harness::detail
