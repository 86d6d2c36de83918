#pragma once
// GET /api/config, PUT /api/config and GET /api/config/schema: the daemon's configuration file as JSON.
//
//   GET   the file as JSON, every secret (token, password, password_hash, token_hash) replaced by "********".
//   PUT   {"config": {...}}: a masked secret left as "********" keeps the file's value; the result is written as YAML
//         and checked by the daemon's own loader first, so an error is the one `evchargerd --check-config` prints,
//         with its line, column and key path (422, nothing written). A valid file replaces the old one atomically,
//         the old one kept as FILE.bak. Sections that can change while running (log:) are applied at once; for
//         any other the answer says a restart is needed. Comments in the old file are not carried over (FILE.bak
//         keeps them).
//
// Covered by tests/web/web_api_test.cpp and tests/cli/evchargerd_web_test.sh.

#include <nlohmann/json.hpp>

#include <functional>
#include <set>
#include <string>

#include "drivers/web/http_server.hpp"

namespace evhil::web {

struct ConfigHooks {
    std::string path;  // the daemon's configuration file
    // Throws ConfigError for a file the daemon would refuse.
    std::function<void(const std::string& yaml, const std::string& name)> validate;
    // Applies what can change while running (the sections in `live_sections`) from a valid file.
    std::function<void(const std::string& yaml)> apply_live;
    std::set<std::string> live_sections{"log"};
    std::function<nlohmann::ordered_json()> schema;
};

constexpr const char* masked_secret = "********";

class ConfigApi {
public:
    explicit ConfigApi(ConfigHooks hooks) : hooks_(std::move(hooks)) {}

    Response get(const Request& request) const;
    Response put(const Request& request, const nlohmann::json& body);
    Response schema(const Request& request) const;

private:
    ConfigHooks hooks_;
};

// YAML text to JSON (scalars typed: true/false, numbers, null; a quoted scalar stays a string) and back.
nlohmann::json yaml_to_json(const std::string& yaml);
std::string json_to_yaml(const nlohmann::json& value);
bool is_secret_key(const std::string& key);
// Every secret's value replaced by masked_secret.
nlohmann::json mask_secrets(nlohmann::json value);
// Every masked_secret in `edited` replaced by the value at the same place in `current`.
nlohmann::json unmask_secrets(nlohmann::json edited, const nlohmann::json& current);

}  // namespace evhil::web
