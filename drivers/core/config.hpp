#pragma once
// Typed, validated reading of YAML configuration (scenarios, device settings, bench files).
// Every problem is reported as a ConfigError whose what() reads "FILE:LINE:COL: message", pointing at the
// offending key or value, so the user can jump straight to it. Callers turn it into exit code 2.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/core/clock.hpp"

namespace evhil {

class ConfigError : public std::runtime_error {
public:
    ConfigError(const std::string& file, int line, int column, const std::string& message,
                const std::string& key_path = "");
    const std::string& file() const { return file_; }
    int line() const { return line_; }
    int column() const { return column_; }
    const std::string& message() const { return message_; }
    // The dotted path of the offending key ("devices[0].driver.port"), where the error knows it.
    const std::string& key_path() const { return key_path_; }

private:
    std::string file_;
    int line_;
    int column_;
    std::string message_;
    std::string key_path_;
};

class ConfigNode {
public:
    ConfigNode() : file_(std::make_shared<const std::string>("")) {}
    ConfigNode(const YAML::Node& node, std::shared_ptr<const std::string> file, std::string path);
    ConfigNode(const ConfigNode&) = default;
    // Rebinds to the other node; never edits the document (see config.cpp).
    ConfigNode& operator=(const ConfigNode& other);

    // Reads and parses a file; a syntax error becomes a ConfigError at the parser's position.
    static ConfigNode load_file(const std::string& path);
    static ConfigNode load_string(const std::string& text, const std::string& name);

    [[noreturn]] void fail(const std::string& message) const;
    const std::string& file() const { return *file_; }
    const std::string& path() const { return path_; }
    int line() const { return node_.Mark().line + 1; }
    int column() const { return node_.Mark().column + 1; }

    bool is_map() const { return node_.IsMap(); }
    bool is_sequence() const { return node_.IsSequence(); }
    bool is_scalar() const { return node_.IsScalar(); }
    // A scalar written in quotes ("16" is text, 16 a number): yaml-cpp gives such a scalar the tag "!".
    bool is_quoted() const { return node_.IsScalar() && node_.Tag() == "!"; }
    bool is_null() const { return node_.IsNull(); }

    // Map access. Any key outside `allowed` is an error at that key.
    void expect_map() const;
    void allow_keys(std::initializer_list<std::string_view> allowed) const;
    void allow_keys(const std::vector<std::string>& allowed) const;
    bool has(const std::string& key) const;
    ConfigNode required(const std::string& key) const;
    std::optional<ConfigNode> optional(const std::string& key) const;
    std::vector<std::string> keys() const;

    std::vector<ConfigNode> as_list() const;
    std::string as_string() const;
    bool as_bool() const;
    double as_double(double min, double max) const;
    std::int64_t as_int(std::int64_t min, std::int64_t max) const;
    // "250ms", "90s", "2m", "1h30m", "1d" or a plain number of seconds.
    Duration as_duration(Duration min, Duration max) const;
    // One of `choices`, else an error listing them.
    std::string as_enum(std::initializer_list<std::string_view> choices) const;
    std::string as_enum(const std::vector<std::string>& choices) const;

    // Shorthands for optional fields with defaults.
    std::string get_string(const std::string& key, const std::string& fallback) const;
    bool get_bool(const std::string& key, bool fallback) const;
    double get_double(const std::string& key, double fallback, double min, double max) const;
    std::int64_t get_int(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
    Duration get_duration(const std::string& key, Duration fallback, Duration min, Duration max) const;

    const YAML::Node& raw() const { return node_; }

private:
    std::string scalar_text(const char* expected) const;

    YAML::Node node_;
    std::shared_ptr<const std::string> file_;
    std::string path_;
};

// Parses "1h30m" style durations; std::nullopt when the text is not one.
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration d);

}  // namespace evhil
