// evchargerd's schema: the station's sections (config_schema_station.cpp) and what only the daemon has
// (daemon_config.cpp, drivers/transport/mqtt/mqtt_settings.cpp, drivers/homeassistant/home_assistant.cpp,
// drivers/prices/price_feed.cpp, drivers/web/web_settings.cpp). Properties are in the order of each loader's
// allow_keys.

#include "drivers/daemon/config_schema.hpp"

namespace evhil::daemon {
namespace {

// The root, without devices:, circuits: and controller:, which come first (schema_parts::station_properties).
constexpr const char* daemon_text = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "description": "evchargerd's configuration file",
  "additionalProperties": false,
  "required": ["devices", "controller"],
  "properties": {
    "log": {
      "type": "object",
      "description": "what goes to the log (stderr)",
      "additionalProperties": false,
      "properties": {
        "level": {"type": "string", "enum": ["trace", "debug", "info", "warn", "error"], "default": "info",
                  "description": "the least important messages logged"},
        "status_interval": {"type": ["string", "number"], "format": "duration", "minimum": 1, "maximum": 86400,
                            "default": "5m", "description": "every device's state and counters are logged this often"}
      }
    },
    "state": {
      "type": "object",
      "description": "where the user's settings and running sessions are kept across restarts",
      "additionalProperties": false,
      "required": ["file"],
      "properties": {
        "file": {"type": "string", "description": "the state file, written atomically"},
        "interval": {"type": ["string", "number"], "format": "duration", "minimum": 0.01, "maximum": 86400,
                     "default": "1m", "description": "how often the state is saved"}
      }
    },
    "shutdown_timeout": {"type": ["string", "number"], "format": "duration", "minimum": 0, "maximum": 10,
                         "default": "1500ms",
                         "description": "how long a stop waits for every charger to acknowledge its safe state"},
    "venus": {
      "type": "object",
      "description": "publish every charger as a Victron evcharger service on D-Bus",
      "additionalProperties": false,
      "properties": {
        "bus": {"type": "string", "default": "system", "description": "system (the system bus) or a D-Bus address"}
      }
    },
    "venus_mqtt": {
      "type": "object",
      "description": "mirror the Venus bus onto a broker as a GX's Venus MQTT does (needs venus:)",
      "additionalProperties": false,
      "required": ["broker"],
      "properties": {
        "broker": "mqtt broker",
        "portal_id": {"type": "string",
                      "description": "the portal id in the topics (default: this machine's, as on a GX)"}
      }
    },
    "homeassistant": {
      "type": "object",
      "description": "Home Assistant MQTT discovery of every charger",
      "additionalProperties": false,
      "required": ["broker"],
      "properties": {
        "broker": "mqtt broker",
        "discovery_prefix": {"type": "string", "default": "homeassistant",
                             "description": "Home Assistant's discovery topic prefix"},
        "base_topic": {"type": "string", "default": "evchargerd",
                       "description": "the topic under which states and commands go"},
        "node_id": {"type": "string", "default": "evchargerd",
                    "description": "the first part of every unique id: letters, digits, _ and -"},
        "state_interval": {"type": ["string", "number"], "format": "duration", "minimum": 1, "maximum": 3600,
                           "default": "30s", "description": "every state is published again this often"}
      }
    },
    "prices": {
      "type": "object",
      "description": "energy prices for Scheduled and Auto, from Tibber or Octopus",
      "additionalProperties": false,
      "required": ["provider"],
      "properties": {
        "provider": {"type": "string", "enum": ["tibber", "octopus"], "description": "where the prices come from"},
        "url": {"type": "string", "description": "the API's address, https:// only (default: the provider's)"},
        "token": {"type": "string", "x-secret": true,
                  "description": "Tibber: the personal token from developer.tibber.com (required)"},
        "home_id": {"type": "string", "description": "Tibber: the home (default: the first)"},
        "resolution": {"type": "string", "enum": ["hourly", "quarter_hourly"], "default": "hourly",
                       "description": "Tibber: hourly or 15-minute prices"},
        "product": {"type": "string", "default": "AGILE-24-10-01", "description": "Octopus: the product code"},
        "tariff": {"type": "string", "default": "E-1R-AGILE-24-10-01-C",
                   "description": "Octopus: the tariff code (its last letter is the region)"},
        "ca_file": {"type": "string", "description": "the CA of the API's certificate (default: the system's)"},
        "insecure": {"type": "boolean", "default": false, "description": "skip the certificate check (tests only)"},
        "timeout": {"type": ["string", "number"], "format": "duration", "minimum": 1, "maximum": 120,
                    "default": "15s", "description": "one request, from connect to the last byte"},
        "retry": {"type": ["string", "number"], "format": "duration", "minimum": 1, "maximum": 3600,
                  "default": "60s", "description": "the first wait after a failed request (it doubles up to 15m)"},
        "feed_in_price": {"type": "number", "minimum": -1000000, "maximum": 1000000,
                          "description": "what exporting pays per kWh, in the import prices' unit"}
      }
    },
    "web": {
      "type": ["object", "null"],
      "description": "the web UI and REST API",
      "additionalProperties": false,
      "properties": {
        "host": {"type": "string", "default": "127.0.0.1",
                 "description": "the address to listen on (beyond loopback it needs auth)"},
        "port": {"type": "integer", "minimum": 0, "maximum": 65535, "default": 8088,
                 "description": "the TCP port (0: any free one)"},
        "auth": {
          "type": "object",
          "description": "who may use the UI and API",
          "additionalProperties": false,
          "properties": {
            "password_hash": {"type": "string", "x-secret": true,
                              "description": "the login password's Argon2id hash (evchargerd --hash-password)"},
            "token_hash": {"type": "string", "x-secret": true,
                           "description": "the API token's hash, for scripts (evchargerd --new-token)"}
          }
        },
        "allowed_hosts": {"type": "array", "items": {"type": "string"},
                          "description": "host names the UI may be reached by, besides its address and loopback"},
        "tls": {
          "type": "object",
          "description": "serve HTTPS",
          "additionalProperties": false,
          "required": ["certificate", "key"],
          "properties": {
            "certificate": {"type": "string", "description": "the certificate chain file (PEM)"},
            "key": {"type": "string", "description": "the private key file (PEM)"}
          }
        },
        "history": {"type": ["string", "number"], "format": "duration", "minimum": 60, "maximum": 86400,
                    "default": "60m", "description": "how far back the graphs go"},
        "max_body": {"type": "integer", "minimum": 1024, "maximum": 16777216, "default": 262144,
                     "description": "the largest request body, bytes"},
        "rate": {
          "type": "object",
          "description": "request limits per client",
          "additionalProperties": false,
          "properties": {
            "requests_per_second": {"type": "number", "minimum": 1, "maximum": 10000, "default": 20,
                                    "description": "requests a second, on average"},
            "burst": {"type": "number", "minimum": 1, "maximum": 100000, "default": 40,
                      "description": "requests at once above the average"},
            "login_attempts_per_minute": {"type": "number", "minimum": 1, "maximum": 1000, "default": 5,
                                          "description": "login attempts a minute"}
          }
        }
      }
    }
  }
})json";

// A broker (drivers/transport/mqtt/mqtt_settings.cpp): venus_mqtt.broker and homeassistant.broker.
constexpr const char* broker_text = R"json({
  "type": "object",
  "description": "the MQTT broker",
  "additionalProperties": false,
  "properties": {
    "host": {"type": "string", "default": "127.0.0.1", "description": "the broker's address"},
    "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 1883,
             "description": "the broker's port (default 1883, 8883 with tls)"},
    "client_id": {"type": "string", "description": "the MQTT client id (default: evchargerd-...)"},
    "clean_session": {"type": "boolean", "default": true,
                      "description": "false: the broker keeps subscriptions and messages while away"},
    "username": {"type": "string", "description": "the user name"},
    "password": {"type": "string", "x-secret": true, "description": "the password"},
    "password_file": {"type": "string", "description": "a file whose first line is the password (not with password)"},
    "tls": {
      "type": ["object", "boolean"],
      "default": false,
      "description": "TLS: true, or the CA and client certificate to use",
      "additionalProperties": false,
      "properties": {
        "ca_file": {"type": "string", "description": "the CA of the broker's certificate (default: the system's)"},
        "cert_file": {"type": "string", "description": "a client certificate (with key_file)"},
        "key_file": {"type": "string", "description": "the client certificate's key (with cert_file)"},
        "insecure": {"type": "boolean", "default": false, "description": "skip the certificate check (tests only)"}
      }
    },
    "keepalive": {"type": ["string", "number"], "format": "duration", "minimum": 5, "maximum": 3600,
                  "default": "30s", "description": "the MQTT keep-alive"},
    "connect_timeout": {"type": ["string", "number"], "format": "duration", "minimum": 1, "maximum": 300,
                        "default": "10s", "description": "how long a connection attempt may take"},
    "reconnect": {
      "type": "object",
      "description": "the back-off between connection attempts",
      "additionalProperties": false,
      "properties": {
        "initial": {"type": ["string", "number"], "format": "duration", "minimum": 0.1, "maximum": 600,
                    "default": "1s", "description": "the first wait"},
        "maximum": {"type": ["string", "number"], "format": "duration", "default": "60s",
                    "description": "the longest wait (from initial up to 1h)"}
      }
    }
  }
})json";

nlohmann::ordered_json build() {
    auto root = nlohmann::ordered_json::parse(daemon_text);
    const auto broker = nlohmann::ordered_json::parse(broker_text);
    auto properties = schema_parts::station_properties();
    for (auto& [key, section] : root["properties"].items()) {
        if (section.contains("properties") && section["properties"].contains("broker")) {
            section["properties"]["broker"] = broker;
        }
        properties[key] = std::move(section);
    }
    root["properties"] = std::move(properties);
    return root;
}

}  // namespace

const nlohmann::ordered_json& daemon_config_schema() {
    static const nlohmann::ordered_json schema = build();
    return schema;
}

}  // namespace evhil::daemon
