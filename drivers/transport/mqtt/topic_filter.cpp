#include "drivers/transport/mqtt/topic_filter.hpp"

#include <vector>

namespace evhil::mqtt {
namespace {

std::vector<std::string_view> levels(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        std::size_t slash = text.find('/', start);
        if (slash == std::string_view::npos) {
            out.push_back(text.substr(start));
            return out;
        }
        out.push_back(text.substr(start, slash - start));
        start = slash + 1;
    }
}

}  // namespace

bool topic_matches(std::string_view filter, std::string_view topic) {
    if (!topic.empty() && topic.front() == '$' && !filter.empty() && (filter.front() == '+' || filter.front() == '#')) {
        return false;
    }
    std::vector<std::string_view> wanted = levels(filter);
    std::vector<std::string_view> given = levels(topic);
    std::size_t i = 0;
    for (; i < wanted.size(); ++i) {
        if (wanted[i] == "#") {
            return true;  // "a/#" matches "a" too
        }
        if (i >= given.size()) {
            return false;
        }
        if (wanted[i] != "+" && wanted[i] != given[i]) {
            return false;
        }
    }
    return i == given.size();
}

std::optional<std::string> topic_name_error(std::string_view topic) {
    if (topic.empty()) {
        return "a topic cannot be empty";
    }
    if (topic.find_first_of("+#") != std::string_view::npos) {
        return "a topic to publish to cannot hold the wildcards + or #: '" + std::string(topic) + "'";
    }
    if (topic.find('\0') != std::string_view::npos) {
        return "a topic cannot hold a NUL character";
    }
    return std::nullopt;
}

std::optional<std::string> topic_filter_error(std::string_view filter) {
    if (filter.empty()) {
        return "a topic filter cannot be empty";
    }
    std::vector<std::string_view> parts = levels(filter);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string_view level = parts[i];
        if (level.find('#') != std::string_view::npos && (level != "#" || i + 1 != parts.size())) {
            return "'#' must be the whole last level of a filter: '" + std::string(filter) + "'";
        }
        if (level.find('+') != std::string_view::npos && level != "+") {
            return "'+' must be a whole level of a filter: '" + std::string(filter) + "'";
        }
    }
    return std::nullopt;
}

}  // namespace evhil::mqtt
