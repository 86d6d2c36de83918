#include "simulators/victron/private_bus.hpp"

#include "simulators/victron/private_bus_conf.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace evhil::sim::victron {

PrivateBus::PrivateBus() {
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
    {
        std::ofstream conf(folder_ + "/bus.conf");
        conf << private_bus_conf;
        if (!conf) {
            throw std::runtime_error("cannot write the private bus configuration into " + folder_);
        }
    }
    std::string config = "--config-file=" + folder_ + "/bus.conf";
    std::string address = "--address=" + address_;
    std::string print = "--print-address=3";
    std::array<char*, 6> argv{const_cast<char*>("dbus-daemon"), config.data(), address.data(), print.data(),
                              const_cast<char*>("--nofork"),    nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // The daemon gets the pipe's write end as fd 3 and nothing else of ours: asio opens its sockets without
    // close-on-exec, and a listening socket the daemon inherited would keep its port after we close it (a tap's
    // listener that could not listen again after a link_down fault).
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 3);
    // Its chatter (monitors joining, an fd limit it may not raise) goes to a log beside the socket, quoted when the
    // daemon fails to start.
    std::string log = folder_ + "/daemon.log";
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
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
        std::ifstream daemon_log(log);
        std::string said((std::istreambuf_iterator<char>(daemon_log)), std::istreambuf_iterator<char>());
        throw std::runtime_error("dbus-daemon exited or did not listen within 10 s: " +
                                 (said.empty() ? std::string("it said nothing") : said));
    }
}

PrivateBus::~PrivateBus() {
    stop();
}

void PrivateBus::stop() {
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

}  // namespace evhil::sim::victron
