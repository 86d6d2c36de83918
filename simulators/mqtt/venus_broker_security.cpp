#include "simulators/mqtt/venus_broker_security.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

namespace evhil::sim::mqtt {
namespace {

std::string base64(const unsigned char* data, std::size_t size) {
    std::vector<unsigned char> out(4 * ((size + 2) / 3) + 1);
    int written = EVP_EncodeBlock(out.data(), data, static_cast<int>(size));
    return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(written));
}

std::array<unsigned char, 12> random_salt() {
    std::array<unsigned char, 12> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        throw std::runtime_error("OpenSSL has no random bytes for a password salt");
    }
    return salt;
}

}  // namespace

VenusBrokerCredentials make_venus_broker_credentials() {
    auto bytes = random_salt();
    VenusBrokerCredentials credentials;
    for (unsigned char byte : bytes) {
        constexpr const char* hex = "0123456789abcdef";
        credentials.password += hex[byte >> 4];
        credentials.password += hex[byte & 0xF];
    }
    return credentials;
}

std::string venus_dynsec_config(const std::string& portal_id, const VenusBrokerCredentials& bridge) {
    constexpr int iterations = 101;  // the plugin's own default
    auto salt = random_salt();
    std::array<unsigned char, 64> hash{};
    if (PKCS5_PBKDF2_HMAC(bridge.password.data(), static_cast<int>(bridge.password.size()), salt.data(),
                          static_cast<int>(salt.size()), iterations, EVP_sha512(), static_cast<int>(hash.size()),
                          hash.data()) != 1) {
        throw std::runtime_error("OpenSSL could not hash the bridge's password");
    }
    // The plugin's default is to deny publishing: allow everything, then take N/<portal>/ away from anonymous clients.
    nlohmann::json config = {
        {"defaultACLAccess",
         {{"publishClientSend", true}, {"publishClientReceive", true}, {"subscribe", true}, {"unsubscribe", true}}},
        {"clients",
         {{{"username", bridge.username},
           {"password", base64(hash.data(), hash.size())},
           {"salt", base64(salt.data(), salt.size())},
           {"iterations", iterations},
           {"roles", {{{"rolename", "venus-bridge"}}}}}}},
        {"groups", {{{"groupname", "anonymous"}, {"roles", {{{"rolename", "not-the-bridge"}}}}}}},
        {"anonymousGroup", "anonymous"},
        {"roles",
         {{{"rolename", "not-the-bridge"},
           {"acls", {{{"acltype", "publishClientSend"}, {"topic", "N/" + portal_id + "/#"}, {"allow", false}}}}},
          {{"rolename", "venus-bridge"}, {"acls", nlohmann::json::array()}}}}};
    return config.dump(2);
}

std::string dynamic_security_plugin_path() {
    std::error_code absent;
    for (const char* folder : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                               "/usr/lib/arm-linux-gnueabihf", "/usr/lib", "/usr/local/lib"}) {
        std::filesystem::path candidate = std::filesystem::path(folder) / "mosquitto_dynamic_security.so";
        if (std::filesystem::exists(candidate, absent)) {
            return candidate.string();
        }
    }
    return "";
}

}  // namespace evhil::sim::mqtt
