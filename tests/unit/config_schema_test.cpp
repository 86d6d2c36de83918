// evchargerd's configuration schema (drivers/daemon/config_schema.hpp) and the checker that walks a YAML file with it
// (drivers/core/schema_check.hpp): every example passes, the schema allows exactly the keys the typed loaders allow
// (their "unknown key" messages are the same, key for key and in the same order), every default is a value the
// loaders accept, and each kind of mistake gives the loaders' own FILE:LINE:COL message.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "drivers/core/config.hpp"
#include "drivers/core/schema_check.hpp"
#include "drivers/daemon/config_schema.hpp"
#include "drivers/daemon/daemon_config.hpp"
#include "drivers/homeassistant/home_assistant.hpp"
#include "drivers/prices/price_feed.hpp"
#include "drivers/station/station_config.hpp"
#include "drivers/transport/mqtt/mqtt_settings.hpp"
#include "drivers/venus/evcharger_settings.hpp"
#include "drivers/web/web_settings.hpp"

namespace evhil {
namespace {

using nlohmann::ordered_json;
using Loader = std::function<void(const ConfigNode& root)>;

const std::string file_name = "evchargerd.yaml";

std::string error_of(const std::function<void()>& run) {
    try {
        run();
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

std::string schema_error(const std::string& yaml) {
    return error_of(
        [&] { check_against_schema(ConfigNode::load_string(yaml, file_name), daemon::daemon_config_schema()); });
}

std::string daemon_error(const std::string& yaml) {
    return error_of([&] { daemon::load_daemon_config_text(yaml, file_name); });
}

// The typed loaders alone, without the schema in front of them.
std::string loader_error(const std::string& yaml, const Loader& loader) {
    return error_of([&] { loader(ConfigNode::load_string(yaml, file_name)); });
}

const char* no_environment(const char*) {
    return nullptr;
}

const Loader station_loader = [](const ConfigNode& root) {
    auto station = station::parse_station_config(root, {.extra_device_keys = {}, .endpoint_required = true});
    venus::parse_station_evchargers(station.chargers);
};
const Loader prices_loader = [](const ConfigNode& root) { prices::parse_price_feed_config(root.required("prices")); };
const Loader homeassistant_loader = [](const ConfigNode& root) {
    auto section = root.required("homeassistant");
    section.allow_keys(homeassistant::home_assistant_setting_keys());
    homeassistant::parse_home_assistant_settings(section);
    mqtt::parse_mqtt_settings(section.required("broker"), {});
};
const Loader venus_mqtt_broker_loader = [](const ConfigNode& root) {
    mqtt::parse_mqtt_settings(root.required("venus_mqtt").required("broker"), {});
};
const Loader web_loader = [](const ConfigNode& root) { web::parse_web_settings(root.required("web"), no_environment); };

const std::string device_head = R"(devices:
  garage:
    type: alfen
    endpoint: {host: 127.0.0.1}
)";
const std::string valid = device_head + "controller: {type: manual}\n";

TEST(ConfigSchema, EveryExampleLoads) {
    const auto folder = std::filesystem::path(EVHIL_SOURCE_DIR) / "drivers/daemon/examples";
    int examples = 0;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.path().extension() != ".yaml") {
            continue;
        }
        ++examples;
        const auto path = entry.path().string();
        EXPECT_EQ(error_of([&] { check_against_schema(ConfigNode::load_file(path), daemon::daemon_config_schema()); }),
                  "no error");
        EXPECT_EQ(error_of([&] { daemon::load_daemon_config(path); }), "no error");
    }
    EXPECT_GE(examples, 7);
}

// Each section with allow_keys: a key the loader refuses, refused by the schema with the same message (the same keys
// in the same order), at the same place.
TEST(ConfigSchema, UnknownKeysAreRefusedAsTheLoadersRefuseThem) {
    struct Case {
        const char* section;
        std::string yaml;
        Loader loader;
    };
    const std::vector<Case> cases{
        {"device", device_head + "    bogus: 1\ncontroller: {type: manual}\n", station_loader},
        {"limits", device_head + "    limits: {max_current: 16, bogus: 1}\ncontroller: {type: manual}\n",
         station_loader},
        {"device venus", device_head + "    venus: {name: garage, bogus: 1}\ncontroller: {type: manual}\n",
         station_loader},
        {"circuit", valid + "circuits:\n  house: {max_current: 25, bogus: 1}\n", station_loader},
        {"controller", device_head + "controller: {type: manual, bogus: 1}\n", station_loader},
        {"solar", device_head + "controller:\n  type: manual\n  solar: {enable_delay: 1m, bogus: 1}\n", station_loader},
        {"schedule", device_head + "controller:\n  type: manual\n  schedule: {timezone: UTC, bogus: 1}\n",
         station_loader},
        {"window",
         device_head + "controller:\n  type: manual\n  schedule:\n    timezone: UTC\n"
                       "    windows: [{from: \"01:00\", to: \"05:00\", bogus: 1}]\n",
         station_loader},
        {"strategy",
         device_head + "controller:\n  type: manual\n  schedule:\n    timezone: UTC\n"
                       "    strategy: {type: level, bogus: 1}\n",
         station_loader},
        {"plan",
         device_head + "controller:\n  type: manual\n  schedule:\n    timezone: UTC\n"
                       "    plan: {energy: 10, by: \"07:00\", bogus: 1}\n",
         station_loader},
        {"prices", valid + "prices: {provider: tibber, token: t, bogus: 1}\n", prices_loader},
        {"homeassistant", valid + "homeassistant: {broker: {host: 127.0.0.1}, bogus: 1}\n", homeassistant_loader},
        {"broker", valid + "homeassistant: {broker: {host: 127.0.0.1, bogus: 1}}\n", homeassistant_loader},
        {"broker tls", valid + "homeassistant: {broker: {tls: {ca_file: ca.pem, bogus: 1}}}\n", homeassistant_loader},
        {"broker reconnect", valid + "homeassistant: {broker: {reconnect: {initial: 1s, bogus: 1}}}\n",
         homeassistant_loader},
        {"venus_mqtt broker", valid + "venus: {}\nvenus_mqtt: {broker: {host: 127.0.0.1, bogus: 1}}\n",
         venus_mqtt_broker_loader},
        {"web", valid + "web: {port: 8088, bogus: 1}\n", web_loader},
        {"web auth", valid + "web: {auth: {bogus: 1}}\n", web_loader},
        {"web tls", valid + "web: {tls: {certificate: c.pem, key: k.pem, bogus: 1}}\n", web_loader},
        {"web rate", valid + "web: {rate: {burst: 10, bogus: 1}}\n", web_loader},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.section);
        const auto expected = loader_error(c.yaml, c.loader);
        EXPECT_NE(expected.find("unknown key 'bogus' (allowed: "), std::string::npos) << expected;
        EXPECT_EQ(schema_error(c.yaml), expected);
        EXPECT_EQ(daemon_error(c.yaml), expected);
    }
}

// The sections whose loader is parse_daemon_config itself: the schema's lists are its allow_keys lists.
TEST(ConfigSchema, DaemonSectionsListTheirKeys) {
    EXPECT_EQ(schema_error(valid + "colour: red\n"),
              "evchargerd.yaml:6:1: unknown key 'colour' (allowed: devices, circuits, controller, log, state, "
              "shutdown_timeout, venus, venus_mqtt, homeassistant, prices, web)");
    EXPECT_EQ(schema_error(valid + "log: {level: info, colour: red}\n"),
              "evchargerd.yaml:6:20: log: unknown key 'colour' (allowed: level, status_interval)");
    EXPECT_EQ(schema_error(valid + "state: {file: s.json, colour: red}\n"),
              "evchargerd.yaml:6:23: state: unknown key 'colour' (allowed: file, interval)");
    EXPECT_EQ(schema_error(valid + "venus: {colour: red}\n"),
              "evchargerd.yaml:6:9: venus: unknown key 'colour' (allowed: bus)");
    EXPECT_EQ(schema_error(valid + "venus: {}\nvenus_mqtt: {broker: {}, colour: red}\n"),
              "evchargerd.yaml:7:26: venus_mqtt: unknown key 'colour' (allowed: broker, portal_id)");
}

// A charger's driver: and endpoint: are its kind's: the schema lets any key through and the kind's loader decides.
TEST(ConfigSchema, KindSpecificSectionsAreLeftToTheKind) {
    const auto yaml = device_head + "    driver: {poll_interval: 1s, bogus: 1}\ncontroller: {type: manual}\n";
    EXPECT_EQ(schema_error(yaml), "no error");
    EXPECT_NE(daemon_error(yaml).find("evchargerd.yaml:5:33: devices.garage.driver: unknown key 'bogus' (allowed: "
                                      "station_unit, socket_unit, poll_interval"),
              std::string::npos)
        << daemon_error(yaml);
    const auto& device = daemon::daemon_config_schema()["properties"]["devices"]["additionalProperties"];
    for (const char* key : {"driver", "endpoint"}) {
        EXPECT_EQ(device["properties"][key]["x-kind-specific"], true) << key;
        EXPECT_EQ(device["properties"][key]["additionalProperties"], true) << key;
    }
    EXPECT_EQ(
        schema_error("devices:\n  garage:\n    type: alfen\n    endpoint: 127.0.0.1\ncontroller: {type: manual}\n"),
        "evchargerd.yaml:4:15: devices.garage.endpoint: expected a mapping of keys to values");
}

// Fills every property that has a default with it, in every section present in `config`.
void fill_defaults(const ordered_json& schema, ordered_json& config) {
    if (!schema.contains("properties") || !config.is_object()) {
        return;
    }
    for (const auto& [key, property] : schema["properties"].items()) {
        if (property.contains("default") && !config.contains(key)) {
            config[key] = property["default"];
        }
        if (config.contains(key) && config[key].is_array() && property.contains("items")) {
            for (auto& item : config[key]) {
                fill_defaults(property["items"], item);
            }
        } else if (config.contains(key)) {
            fill_defaults(property, config[key]);
        }
    }
    if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
        for (auto& [key, value] : config.items()) {
            fill_defaults(schema["additionalProperties"], value);
        }
    }
}

TEST(ConfigSchema, EveryDefaultIsAcceptedByTheLoaders) {
    auto config = ordered_json::parse(R"({
      "devices": {"garage": {"type": "alfen", "endpoint": {"host": "127.0.0.1"}, "limits": {}, "venus": {}}},
      "circuits": {"house": {"max_current": 25}},
      "controller": {"type": "auto", "solar": {}, "schedule": {"timezone": "Europe/Berlin",
        "windows": [{"from": "01:00", "to": "05:00"}], "strategy": {"type": "level"},
        "plan": {"energy": 10, "by": "07:00"}}},
      "log": {}, "state": {"file": "state.json"}, "venus": {},
      "venus_mqtt": {"broker": {"reconnect": {}}, "portal_id": "0123456789ab"},
      "homeassistant": {"broker": {"reconnect": {}}},
      "prices": {"provider": "tibber", "token": "t"},
      "web": {"auth": {}, "rate": {}}
    })");
    fill_defaults(daemon::daemon_config_schema(), config);
    EXPECT_EQ(config["controller"]["solar"]["enable_delay"], "1m");
    EXPECT_EQ(config["web"]["rate"]["burst"], 40);
    EXPECT_EQ(config["controller"]["schedule"]["windows"][0]["days"], "all");
    const auto yaml = config.dump(2);  // JSON is YAML
    EXPECT_EQ(schema_error(yaml), "no error");
    EXPECT_EQ(daemon_error(yaml), "no error") << yaml;
}

TEST(ConfigSchema, WrongTypeGivesTheLoadersMessage) {
    EXPECT_EQ(schema_error(device_head + "controller: {type: manual, enabled: maybe}\n"),
              "evchargerd.yaml:5:37: controller.enabled: expected true or false, got 'maybe'");
    EXPECT_EQ(schema_error(device_head + "controller: {type: manual, current: lots}\n"),
              "evchargerd.yaml:5:37: controller.current: expected a number, got 'lots'");
    EXPECT_EQ(schema_error(valid + "web: {port: 80.5}\n"),
              "evchargerd.yaml:6:13: web.port: expected a whole number, got '80.5'");
    EXPECT_EQ(schema_error(valid + "state: {file: [a, b]}\n"), "evchargerd.yaml:6:15: state.file: expected a string");
    EXPECT_EQ(schema_error(valid + "web: {allowed_hosts: gx.local}\n"),
              "evchargerd.yaml:6:22: web.allowed_hosts: expected a list");
    EXPECT_EQ(schema_error(valid + "log: verbose\n"), "evchargerd.yaml:6:6: log: expected a mapping of keys to values");
    EXPECT_EQ(schema_error("just text\n"), "evchargerd.yaml:1:1: expected a mapping of keys to values");
    EXPECT_EQ(schema_error(""), loader_error("", station_loader));  // an empty file
    // A list of types: tls is true/false or a block; days a list or "all"; web: may be empty.
    EXPECT_EQ(schema_error(valid + "homeassistant: {broker: {tls: maybe}}\n"),
              "evchargerd.yaml:6:31: homeassistant.broker.tls: expected true or false, got 'maybe'");
    EXPECT_EQ(schema_error(valid + "homeassistant: {broker: {tls: [a]}}\n"),
              "evchargerd.yaml:6:31: homeassistant.broker.tls: expected a mapping of keys to values");
    EXPECT_EQ(schema_error(valid + "homeassistant: {broker: {tls: true}}\n"), "no error");
    EXPECT_EQ(schema_error(valid + "web:\n"), "no error");
    EXPECT_EQ(schema_error(valid + "web: on\n"), "evchargerd.yaml:6:6: web: expected a mapping of keys to values");
    const auto schedule = device_head + "controller:\n  type: manual\n  schedule:\n    timezone: UTC\n    windows:\n";
    EXPECT_EQ(schema_error(schedule + "      - {days: all, from: \"01:00\", to: \"05:00\"}\n"), "no error");
    EXPECT_EQ(schema_error(schedule + "      - {days: {mon: 1}, from: \"01:00\", to: \"05:00\"}\n"),
              "evchargerd.yaml:10:16: controller.schedule.windows[0].days: expected a list");
}

TEST(ConfigSchema, OutOfRangeGivesTheLoadersMessage) {
    EXPECT_EQ(schema_error(device_head + "    limits: {cable_max_current: 200}\ncontroller: {type: manual}\n"),
              "evchargerd.yaml:5:33: devices.garage.limits.cable_max_current: 200 is out of range [0, 80]");
    EXPECT_EQ(schema_error(valid + "web: {port: 70000}\n"),
              "evchargerd.yaml:6:13: web.port: 70000 is out of range [0, 65535]");
    EXPECT_EQ(schema_error(device_head + "controller: {type: manual, solar: {residual_power: -200000}}\n"),
              "evchargerd.yaml:5:52: controller.solar.residual_power: -200000 is out of range [-100000, 100000]");
    EXPECT_EQ(schema_error(valid + "state: {file: s.json, interval: 1ms}\n"),
              "evchargerd.yaml:6:33: state.interval: 1ms is out of range [10ms, 24h]");
    EXPECT_EQ(schema_error(valid + "shutdown_timeout: 1m\n"),
              "evchargerd.yaml:6:19: shutdown_timeout: 1m is out of range [0s, 10s]");
    // A range that depends on another value is the loader's: min_current goes up to max_current.
    const auto above = device_head + "controller: {type: manual, max_current: 16, min_current: 20}\n";
    EXPECT_EQ(schema_error(above), "no error");
    EXPECT_EQ(daemon_error(above), "evchargerd.yaml:5:58: controller.min_current: 20 is out of range [6, 16]");
}

TEST(ConfigSchema, BadDurationGivesTheLoadersMessage) {
    EXPECT_EQ(schema_error(valid + "log: {status_interval: soon}\n"),
              "evchargerd.yaml:6:24: log.status_interval: expected a duration such as 500ms, 90s, 2m or 1h30m, got "
              "'soon'");
    EXPECT_EQ(schema_error(valid + "log: {status_interval: [1m]}\n"),
              "evchargerd.yaml:6:24: log.status_interval: expected a duration such as 90s, 2m or 1h30m");
    EXPECT_EQ(schema_error(valid + "log: {status_interval: 90}\n"), "no error");  // seconds
    EXPECT_EQ(schema_error(valid + "log: {status_interval: 1h30m}\n"), "no error");
}

TEST(ConfigSchema, NotOneOfTheChoicesGivesTheLoadersMessage) {
    EXPECT_EQ(schema_error(valid + "log: {level: loud}\n"),
              "evchargerd.yaml:6:14: log.level: 'loud' is not one of: trace, debug, info, warn, error");
    EXPECT_EQ(schema_error(device_head + "controller: {type: turbo}\n"),
              "evchargerd.yaml:5:20: controller.type: 'turbo' is not one of: manual, auto, scheduled");
    EXPECT_EQ(schema_error(device_head + "    on_shutdown: [pause]\ncontroller: {type: manual}\n"),
              "evchargerd.yaml:5:18: devices.garage.on_shutdown: expected a name");
    const auto yaml = device_head +
                      "controller:\n  type: manual\n  schedule:\n    timezone: UTC\n"
                      "    windows: [{days: [mon, funday], from: \"01:00\", to: \"05:00\"}]\n";
    EXPECT_EQ(schema_error(yaml),
              "evchargerd.yaml:9:28: controller.schedule.windows[0].days[1]: 'funday' is not one of: sun, mon, tue, "
              "wed, thu, fri, sat");
    EXPECT_EQ(daemon_error(yaml), schema_error(yaml));
}

TEST(ConfigSchema, MissingRequiredFieldGivesTheLoadersMessage) {
    EXPECT_EQ(schema_error(valid + "state: {interval: 1m}\n"),
              "evchargerd.yaml:6:8: state: missing required field 'file'");
    EXPECT_EQ(schema_error("devices:\n  garage:\n    type: alfen\ncontroller: {type: manual}\n"),
              "evchargerd.yaml:3:5: devices.garage: missing required field 'endpoint'");
    EXPECT_EQ(schema_error("controller: {type: manual}\n"), "evchargerd.yaml:1:1: missing required field 'devices'");
    EXPECT_EQ(schema_error(device_head), "evchargerd.yaml:1:1: missing required field 'controller'");
    EXPECT_EQ(schema_error(valid + "prices: {token: t}\n"),
              "evchargerd.yaml:6:9: prices: missing required field 'provider'");
    EXPECT_EQ(schema_error(valid + "web: {tls: {certificate: c.pem}}\n"),
              "evchargerd.yaml:6:12: web.tls: missing required field 'key'");
    EXPECT_EQ(schema_error(valid + "circuits:\n  house: {parent: main}\n"),
              "evchargerd.yaml:7:10: circuits.house: missing required field 'max_current'");
}

// The messages the CLI test checks (tests/cli/evchargerd_test.sh) come out of the schema unchanged.
TEST(ConfigSchema, UnknownKeyAndTypeAsEvchargerdReportsThem) {
    EXPECT_EQ(schema_error("devices:\n  garage:\n    colour: red\n    type: alfen\n    endpoint: {host: 127.0.0.1}\n"
                           "controller: {type: manual}\n"),
              "evchargerd.yaml:3:5: devices.garage: unknown key 'colour' (allowed: type, endpoint, driver, limits, "
              "circuit, on_shutdown, venus, phase_switching)");
    const auto unknown_type =
        "devices:\n  garage:\n    type: tesla\n    endpoint: {host: 127.0.0.1}\n"
        "controller: {type: manual}\n";
    EXPECT_EQ(schema_error(unknown_type), "no error");  // the charger table's message is the loader's
    EXPECT_NE(daemon_error(unknown_type).find("evchargerd.yaml:3:11: devices.garage.type: unknown device type 'tesla'"),
              std::string::npos);
}

void collect_secrets(const ordered_json& schema, const std::string& path, std::set<std::string>& secrets) {
    if (!schema.is_object()) {
        return;
    }
    if (schema.value("x-secret", false)) {
        secrets.insert(path);
    }
    if (schema.contains("properties")) {
        for (const auto& [key, property] : schema["properties"].items()) {
            collect_secrets(property, path.empty() ? key : path + "." + key, secrets);
        }
    }
    if (schema.contains("additionalProperties")) {
        collect_secrets(schema["additionalProperties"], path + ".*", secrets);
    }
    if (schema.contains("items")) {
        collect_secrets(schema["items"], path + "[]", secrets);
    }
}

TEST(ConfigSchema, SecretsAreMarked) {
    std::set<std::string> secrets;
    collect_secrets(daemon::daemon_config_schema(), "", secrets);
    EXPECT_EQ(secrets,
              (std::set<std::string>{"prices.token", "venus_mqtt.broker.password", "homeassistant.broker.password",
                                     "web.auth.password_hash", "web.auth.token_hash"}));
}

// Only the keywords the UI and the checker know; every property described; bounds both or neither.
void check_shape(const ordered_json& schema, const std::string& path) {
    static const std::set<std::string> keywords{
        "$schema",     "type",   "properties", "required",       "additionalProperties",
        "items",       "enum",   "minimum",    "maximum",        "default",
        "description", "format", "x-secret",   "x-kind-specific"};
    static const std::set<std::string> types{"string", "number", "integer", "boolean", "object", "array", "null"};
    ASSERT_TRUE(schema.is_object()) << path;
    for (const auto& [key, value] : schema.items()) {
        EXPECT_TRUE(keywords.contains(key)) << path << ": " << key;
    }
    ASSERT_TRUE(schema.contains("type")) << path;
    for (const auto& type : schema["type"].is_array() ? schema["type"] : ordered_json::array({schema["type"]})) {
        EXPECT_TRUE(types.contains(type.get<std::string>())) << path << ": " << type;
    }
    EXPECT_EQ(schema.contains("minimum"), schema.contains("maximum")) << path;
    if (schema.contains("format")) {
        EXPECT_EQ(schema["format"], "duration") << path;
        EXPECT_EQ(schema["type"], ordered_json::array({"string", "number"})) << path;
    }
    if (schema.contains("description")) {
        const auto text = schema["description"].get<std::string>();
        EXPECT_TRUE(!text.empty() && text.size() <= 110 && text.find('\n') == std::string::npos) << path;
    }
    if (schema.contains("properties")) {
        for (const auto& [key, property] : schema["properties"].items()) {
            EXPECT_TRUE(property.contains("description")) << path << "." << key;
            check_shape(property, path + "." + key);
        }
        for (const auto& key : schema.value("required", ordered_json::array())) {
            EXPECT_TRUE(schema["properties"].contains(key)) << path << ": required " << key;
        }
    }
    if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
        check_shape(schema["additionalProperties"], path + ".*");
    }
    if (schema.contains("items")) {
        check_shape(schema["items"], path + "[]");
    }
}

TEST(ConfigSchema, UsesOnlyTheDocumentedSubset) {
    const auto& schema = daemon::daemon_config_schema();
    check_shape(schema, "");
    std::vector<std::string> sections;
    for (const auto& [key, value] : schema["properties"].items()) {
        sections.push_back(key);
    }
    EXPECT_EQ(sections,
              (std::vector<std::string>{"devices", "circuits", "controller", "log", "state", "shutdown_timeout",
                                        "venus", "venus_mqtt", "homeassistant", "prices", "web"}));
    EXPECT_EQ(schema["properties"]["devices"]["additionalProperties"]["properties"]["type"]["description"],
              "the charger's kind: alfen, mqtt_json");
}

}  // namespace
}  // namespace evhil
