#include "tests/support/private_dbus.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace evhil::test {

PrivateDbus::PrivateDbus() {
    std::string pattern = (std::filesystem::temp_directory_path() / "evhil-dbus-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a folder for the private bus");
    }
    folder_ = pattern;
    address_ = "unix:path=" + folder_ + "/socket";
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        throw std::runtime_error("pipe failed");
    }
    std::string config = "--config-file=" EVHIL_SOURCE_DIR "/simulators/victron/private-bus.conf";
    std::string address = "--address=" + address_;
    std::string print = "--print-address=" + std::to_string(pipe_fds[1]);
    std::array<char*, 6> argv{const_cast<char*>("dbus-daemon"), config.data(), address.data(), print.data(),
                              const_cast<char*>("--nofork"),    nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    int spawned = posix_spawnp(&pid_, "dbus-daemon", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (spawned != 0) {
        close(pipe_fds[0]);
        throw std::runtime_error("cannot start dbus-daemon (is the dbus-daemon package installed?)");
    }
    // The daemon prints its address once it listens: that line is the readiness signal.
    pollfd ready{pipe_fds[0], POLLIN, 0};
    char line[512] = {};
    bool got = poll(&ready, 1, 10000) == 1 && read(pipe_fds[0], line, sizeof(line) - 1) > 0;
    close(pipe_fds[0]);
    if (!got) {
        stop();
        throw std::runtime_error("dbus-daemon exited or did not listen within 10 s (its own message is above)");
    }
}

PrivateDbus::~PrivateDbus() {
    stop();
}

void PrivateDbus::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    if (!folder_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(folder_, ignored);
        folder_.clear();
    }
}

std::string run_command(const std::string& command, int* status) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error("cannot run: " + command);
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        out.append(buffer.data(), n);
    }
    int rc = pclose(pipe);
    if (status != nullptr) {
        *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    }
    return out;
}

}  // namespace evhil::test
