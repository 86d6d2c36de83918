#pragma once
// The access rule of a GX's broker: only the Venus MQTT bridge publishes on N/<portal>/. dbus-flashmq, a broker
// plugin, refuses the others itself; evhil's bridge is a client, so the Mosquitto that `evhil sim gx` (and the wire
// target) starts enforces it with Mosquitto's dynamic security plugin: anonymous clients may do anything but publish
// under N/<portal>/ (they still read it), and the bridge logs in as a user of its own. A plain acl_file cannot say
// this: its "deny" takes reading away too.

#include <string>

namespace evhil::sim::mqtt {

struct VenusBrokerCredentials {
    std::string username = "venus-bridge";
    std::string password;  // made at random by make_venus_broker_credentials()
};
VenusBrokerCredentials make_venus_broker_credentials();

// The dynamic security plugin's JSON configuration for that rule (PBKDF2-SHA512 password hash, as the plugin keeps).
std::string venus_dynsec_config(const std::string& portal_id, const VenusBrokerCredentials& bridge);

// The installed plugin, or empty when Mosquitto's dynamic security plugin is not there.
std::string dynamic_security_plugin_path();

}  // namespace evhil::sim::mqtt
