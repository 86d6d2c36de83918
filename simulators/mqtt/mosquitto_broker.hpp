#pragma once
// A real Mosquitto broker for the wire target, the tests and `evhil sim gx`: a generated configuration in a temporary
// folder, loopback only, on ports picked free at start, no persistence (so a restart loses sessions and retained
// messages, as the sim target's in-process broker does).
//
//   MosquittoOptions options;
//   options.users = {{"evchargerd", "secret"}};   // a password file (mosquitto_passwd); anonymous refused
//   options.tls = true;                             // a second listener with a certificate of a test CA (below)
//   MosquittoBroker broker(options);                // throws std::runtime_error with the reason when it cannot start
//   broker.port(); broker.tls_port(); broker.certificates().ca_file;
//   broker.stop(); broker.start();                  // a broker restart on the same ports
//
// Stopped (SIGTERM, then reaped) when the object goes. Covered by tests/integration/mqtt_paho_test.cpp.

#include <sys/types.h>

#include <map>
#include <string>

namespace evhil::sim::mqtt {

// A throw-away CA and a server certificate it signed for 127.0.0.1, ::1 and localhost; and a second CA that signed
// nothing here, for "a certificate that does not match". Made with the openssl command line.
struct TestCertificates {
    std::string ca_file;
    std::string server_cert_file;
    std::string server_key_file;
    std::string other_ca_file;
};
TestCertificates make_test_certificates(const std::string& folder);

struct MosquittoOptions {
    std::map<std::string, std::string> users;  // empty: anonymous clients allowed
    bool tls = false;
    // Mosquitto acl_file text; empty: no ACL (everyone may publish and subscribe everywhere).
    std::string acl;
    // The dynamic security plugin's JSON (venus_broker_security.hpp); empty: no plugin.
    std::string dynamic_security;
};

class MosquittoBroker {
public:
    explicit MosquittoBroker(MosquittoOptions options = {});
    ~MosquittoBroker();
    MosquittoBroker(const MosquittoBroker&) = delete;
    MosquittoBroker& operator=(const MosquittoBroker&) = delete;

    int port() const { return port_; }
    int tls_port() const { return tls_port_; }  // 0 without TLS
    const TestCertificates& certificates() const { return certificates_; }
    const std::string& folder() const { return folder_; }
    bool running() const { return pid_ > 0; }

    // The broker process ends (SIGTERM): every client loses its connection and connects are refused until start().
    void stop();
    // Starts it again on the same ports, with no state from before.
    void start();
    // What the broker logged, for error messages and test output.
    std::string log() const;

private:
    void write_config() const;
    bool launch();

    MosquittoOptions options_;
    std::string folder_;
    TestCertificates certificates_;
    int port_ = 0;
    int tls_port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace evhil::sim::mqtt
