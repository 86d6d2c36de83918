#include "drivers/transport/mqtt/mqtt_settings.hpp"

#include <fstream>

namespace evhil::mqtt {
namespace {

MqttTls parse_tls(const ConfigNode& node) {
    MqttTls tls;
    if (node.is_scalar()) {
        tls.enabled = node.as_bool();
        return tls;
    }
    node.expect_map();
    node.allow_keys({"ca_file", "cert_file", "key_file", "insecure"});
    tls.enabled = true;
    tls.ca_file = node.get_string("ca_file", "");
    tls.cert_file = node.get_string("cert_file", "");
    tls.key_file = node.get_string("key_file", "");
    tls.insecure = node.get_bool("insecure", false);
    if (tls.cert_file.empty() != tls.key_file.empty()) {
        node.fail("a client certificate needs both cert_file and key_file");
    }
    return tls;
}

std::string read_password_file(const ConfigNode& node) {
    std::string path = node.as_string();
    std::ifstream file(path);
    std::string line;
    if (!file || !std::getline(file, line)) {
        node.fail("cannot read the password from '" + path + "'");
    }
    return line;
}

}  // namespace

MqttSettings parse_mqtt_settings(const ConfigNode& node, MqttSettings defaults) {
    node.expect_map();
    node.allow_keys({"host", "port", "client_id", "clean_session", "username", "password", "password_file", "tls",
                     "keepalive", "connect_timeout", "reconnect"});
    MqttSettings settings = std::move(defaults);
    settings.host = node.get_string("host", settings.host);
    if (settings.host.empty()) {
        node.required("host").fail("the broker's host cannot be empty");
    }
    if (auto tls = node.optional("tls")) {
        settings.tls = parse_tls(*tls);
    }
    settings.port = static_cast<int>(node.get_int("port", settings.tls.enabled ? 8883 : settings.port, 1, 65535));
    settings.client_id = node.get_string("client_id", settings.client_id);
    settings.clean_session = node.get_bool("clean_session", settings.clean_session);
    settings.username = node.get_string("username", settings.username);
    if (node.has("password") && node.has("password_file")) {
        node.required("password_file").fail("give either password or password_file, not both");
    }
    settings.password = node.get_string("password", settings.password);
    if (auto file = node.optional("password_file")) {
        settings.password = read_password_file(*file);
    }
    settings.keepalive =
        node.get_duration("keepalive", settings.keepalive, std::chrono::seconds(5), std::chrono::hours(1));
    settings.connect_timeout = node.get_duration("connect_timeout", settings.connect_timeout, std::chrono::seconds(1),
                                                 std::chrono::minutes(5));
    if (auto reconnect = node.optional("reconnect")) {
        reconnect->expect_map();
        reconnect->allow_keys({"initial", "maximum"});
        settings.reconnect.initial = reconnect->get_duration("initial", settings.reconnect.initial,
                                                             std::chrono::milliseconds(100), std::chrono::minutes(10));
        settings.reconnect.maximum = reconnect->get_duration("maximum", settings.reconnect.maximum,
                                                             settings.reconnect.initial, std::chrono::hours(1));
    }
    return settings;
}

}  // namespace evhil::mqtt
