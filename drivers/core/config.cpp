#include "drivers/core/config.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace evhil {

ConfigError::ConfigError(const std::string& file, int line, int column, const std::string& message,
                         const std::string& key_path)
    : std::runtime_error(fmt::format("{}:{}:{}: {}", file, line, column, message)),
      file_(file),
      line_(line),
      column_(column),
      message_(message),
      key_path_(key_path) {}

ConfigNode::ConfigNode(const YAML::Node& node, std::shared_ptr<const std::string> file, std::string path)
    : node_(node), file_(std::move(file)), path_(std::move(path)) {}

// YAML::Node::operator= writes through to the node it refers to (it edits the document); reset() rebinds.
ConfigNode& ConfigNode::operator=(const ConfigNode& other) {
    if (this != &other) {
        node_.reset(other.node_);
        file_ = other.file_;
        path_ = other.path_;
    }
    return *this;
}

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& name) {
    auto file = std::make_shared<const std::string>(name);
    try {
        YAML::Node root = YAML::Load(text);
        return ConfigNode(root, file, "");
    } catch (const YAML::ParserException& e) {
        throw ConfigError(name, e.mark.line + 1, e.mark.column + 1, e.msg);
    }
}

ConfigNode ConfigNode::load_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw ConfigError(path, 1, 1, "cannot open file");
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return load_string(buffer.str(), path);
}

void ConfigNode::fail(const std::string& message) const {
    std::string where = path_.empty() ? message : fmt::format("{}: {}", path_, message);
    throw ConfigError(*file_, line(), column(), where, path_);
}

void ConfigNode::expect_map() const {
    if (!node_.IsMap()) {
        fail("expected a mapping of keys to values");
    }
}

void ConfigNode::allow_keys(std::initializer_list<std::string_view> allowed) const {
    allow_keys(std::vector<std::string>(allowed.begin(), allowed.end()));
}

void ConfigNode::allow_keys(const std::vector<std::string>& allowed) const {
    expect_map();
    for (const auto& entry : node_) {
        auto key = entry.first.as<std::string>();
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string list;
            for (const auto& a : allowed) {
                list += (list.empty() ? "" : ", ") + a;
            }
            ConfigNode(entry.first, file_, path_).fail(fmt::format("unknown key '{}' (allowed: {})", key, list));
        }
    }
}

bool ConfigNode::has(const std::string& key) const {
    return node_.IsMap() && node_[key];
}

ConfigNode ConfigNode::required(const std::string& key) const {
    expect_map();
    auto child = node_[key];
    if (!child) {
        fail(fmt::format("missing required field '{}'", key));
    }
    return ConfigNode(child, file_, path_.empty() ? key : path_ + "." + key);
}

std::optional<ConfigNode> ConfigNode::optional(const std::string& key) const {
    if (!has(key)) {
        return std::nullopt;
    }
    return required(key);
}

std::vector<std::string> ConfigNode::keys() const {
    expect_map();
    std::vector<std::string> result;
    for (const auto& entry : node_) {
        result.push_back(entry.first.as<std::string>());
    }
    return result;
}

std::vector<ConfigNode> ConfigNode::as_list() const {
    if (!node_.IsSequence()) {
        fail("expected a list");
    }
    std::vector<ConfigNode> items;
    for (std::size_t i = 0; i < node_.size(); ++i) {
        items.emplace_back(node_[i], file_, fmt::format("{}[{}]", path_, i));
    }
    return items;
}

std::string ConfigNode::scalar_text(const char* expected) const {
    if (!node_.IsScalar()) {
        fail(fmt::format("expected {}", expected));
    }
    return node_.Scalar();
}

std::string ConfigNode::as_string() const {
    return scalar_text("a string");
}

bool ConfigNode::as_bool() const {
    auto text = scalar_text("true or false");
    if (text == "true" || text == "yes" || text == "on") {
        return true;
    }
    if (text == "false" || text == "no" || text == "off") {
        return false;
    }
    fail(fmt::format("expected true or false, got '{}'", text));
}

double ConfigNode::as_double(double min, double max) const {
    auto text = scalar_text("a number");
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        fail(fmt::format("expected a number, got '{}'", text));
    }
    if (value < min || value > max) {
        fail(fmt::format("{} is out of range [{}, {}]", text, min, max));
    }
    return value;
}

std::int64_t ConfigNode::as_int(std::int64_t min, std::int64_t max) const {
    auto text = scalar_text("a whole number");
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        fail(fmt::format("expected a whole number, got '{}'", text));
    }
    if (value < min || value > max) {
        fail(fmt::format("{} is out of range [{}, {}]", text, min, max));
    }
    return value;
}

Duration ConfigNode::as_duration(Duration min, Duration max) const {
    auto text = scalar_text("a duration such as 90s, 2m or 1h30m");
    auto value = parse_duration(text);
    if (!value) {
        fail(fmt::format("expected a duration such as 500ms, 90s, 2m or 1h30m, got '{}'", text));
    }
    if (*value < min || *value > max) {
        fail(fmt::format("{} is out of range [{}, {}]", text, format_duration(min), format_duration(max)));
    }
    return *value;
}

std::string ConfigNode::as_enum(std::initializer_list<std::string_view> choices) const {
    return as_enum(std::vector<std::string>(choices.begin(), choices.end()));
}

std::string ConfigNode::as_enum(const std::vector<std::string>& choices) const {
    auto text = scalar_text("a name");
    std::string list;
    for (const auto& choice : choices) {
        if (choice == text) {
            return text;
        }
        list += fmt::format("{}{}", list.empty() ? "" : ", ", choice);
    }
    fail(fmt::format("'{}' is not one of: {}", text, list));
}

std::string ConfigNode::get_string(const std::string& key, const std::string& fallback) const {
    auto child = optional(key);
    return child ? child->as_string() : fallback;
}

bool ConfigNode::get_bool(const std::string& key, bool fallback) const {
    auto child = optional(key);
    return child ? child->as_bool() : fallback;
}

double ConfigNode::get_double(const std::string& key, double fallback, double min, double max) const {
    auto child = optional(key);
    return child ? child->as_double(min, max) : fallback;
}

std::int64_t ConfigNode::get_int(const std::string& key, std::int64_t fallback, std::int64_t min,
                                 std::int64_t max) const {
    auto child = optional(key);
    return child ? child->as_int(min, max) : fallback;
}

Duration ConfigNode::get_duration(const std::string& key, Duration fallback, Duration min, Duration max) const {
    auto child = optional(key);
    return child ? child->as_duration(min, max) : fallback;
}

std::optional<Duration> parse_duration(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    double plain = 0;
    auto [plain_end, plain_ec] = std::from_chars(text.data(), text.data() + text.size(), plain);
    if (plain_ec == std::errc() && plain_end == text.data() + text.size()) {
        return plain >= 0 ? std::optional(from_seconds(plain)) : std::nullopt;
    }
    Duration total{0};
    const char* cursor = text.data();
    const char* end = text.data() + text.size();
    while (cursor < end) {
        double amount = 0;
        auto [after, ec] = std::from_chars(cursor, end, amount);
        if (ec != std::errc() || after == end || amount < 0) {
            return std::nullopt;
        }
        cursor = after;
        std::string_view rest(cursor, static_cast<std::size_t>(end - cursor));
        double unit_seconds = 0;
        std::size_t unit_length = 1;
        if (rest.starts_with("ms")) {
            unit_seconds = 0.001;
            unit_length = 2;
        } else if (rest.starts_with("s")) {
            unit_seconds = 1;
        } else if (rest.starts_with("m")) {
            unit_seconds = 60;
        } else if (rest.starts_with("h")) {
            unit_seconds = 3600;
        } else if (rest.starts_with("d")) {
            unit_seconds = 86400;
        } else {
            return std::nullopt;
        }
        total += from_seconds(amount * unit_seconds);
        cursor += unit_length;
    }
    return total;
}

std::string format_duration(Duration d) {
    double seconds = to_seconds(d);
    if (seconds >= 3600 && std::fmod(seconds, 3600) == 0) {
        return fmt::format("{}h", seconds / 3600);
    }
    if (seconds >= 60 && std::fmod(seconds, 60) == 0) {
        return fmt::format("{}m", seconds / 60);
    }
    if (seconds < 1 && seconds > 0) {
        return fmt::format("{}ms", seconds * 1000);
    }
    return fmt::format("{}s", seconds);
}

}  // namespace evhil
