#pragma once
// A private dbus-daemon for one test: its own socket in a temporary folder and the allow-all policy of
// simulators/victron/private-bus.conf. Stopped (SIGTERM, then reaped) when the object goes.

#include <sys/types.h>
#include <string>

namespace evhil::test {

class PrivateDbus {
public:
    PrivateDbus();
    ~PrivateDbus();
    PrivateDbus(const PrivateDbus&) = delete;
    PrivateDbus& operator=(const PrivateDbus&) = delete;

    const std::string& address() const { return address_; }
    void stop();

private:
    std::string folder_;
    std::string address_;
    pid_t pid_ = -1;
};

// Runs a shell command and returns what it wrote to stdout (stderr goes to the test log); the exit status in `status`.
std::string run_command(const std::string& command, int* status = nullptr);

}  // namespace evhil::test
