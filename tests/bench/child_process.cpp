#include "tests/bench/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "drivers/core/clock.hpp"

namespace evhil::bench {

using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A field of /proc/PID/status in kB, as MiB; nullopt when the process is gone.
std::optional<double> status_mib(pid_t pid, const std::string& key) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string word;
    while (status >> word) {
        if (word == key + ":") {
            double kib = 0;
            status >> kib;
            return kib / 1024.0;
        }
        status.ignore(4096, '\n');
    }
    return std::nullopt;
}

// utime + stime of the whole process (threads that exited included), in seconds.
std::optional<double> tick_cpu_s(pid_t pid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto end_of_name = stat.rfind(')');  // the command name may hold spaces and parentheses
    if (end_of_name == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat.substr(end_of_name + 1));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    // After the name: state is field 3 of proc(5), utime 14 and stime 15.
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) {
            utime = std::stoull(field);
        } else if (i == 15) {
            stime = std::stoull(field);
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Summed run time of the process's current threads, in seconds, to the nanosecond.
double sched_cpu_s(pid_t pid) {
    double total = 0;
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
        std::ifstream schedstat(task.path() / "schedstat");
        unsigned long long run_ns = 0;
        if (schedstat >> run_ns) {
            total += static_cast<double>(run_ns) * 1e-9;
        }
    }
    return total;
}

// Whether `pid` holds an established TCP connection to 127.0.0.1:`port`: the daemon talking to the simulator.
bool connected_to(pid_t pid, std::uint16_t port) {
    std::set<std::string> inodes;
    std::ifstream tcp("/proc/net/tcp");
    std::string line;
    std::getline(tcp, line);  // column titles
    char wanted[16];
    std::snprintf(wanted, sizeof(wanted), "0100007F:%04X", port);
    while (std::getline(tcp, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
        if (remote == wanted && state == "01") {
            inodes.insert("socket:[" + inode + "]");
        }
    }
    std::error_code error;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
        std::error_code link_error;
        if (inodes.count(std::filesystem::read_symlink(fd.path(), link_error).string()) != 0) {
            return true;
        }
    }
    return false;
}

Child::Child(std::vector<std::string> args, const std::string& output) : output_(output) {
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    int out = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out == -1) {
        throw std::runtime_error("cannot create " + output + ": " + std::strerror(errno));
    }
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
        // Only async-signal-safe calls between fork and exec. A benchmark that dies must not leave a daemon
        // behind, hence the death signal (and the check for a parent gone before it was set).
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int fork_error = errno;
    close(out);
    if (pid_ == -1) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(fork_error));
    }
}

Child::~Child() {
    if (running()) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

bool Child::running() {
    if (exit_status_) {
        return false;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status_ = status;
        return false;
    }
    return true;
}

int Child::terminate(std::chrono::milliseconds timeout) {
    if (running()) {
        kill(pid_, SIGTERM);
    }
    evhil::WallStopwatch wall;
    while (running() && wall.elapsed_s() < std::chrono::duration<double>(timeout).count()) {
        std::this_thread::sleep_for(10ms);
    }
    if (running()) {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
        exit_status_ = status;
    }
    return WIFEXITED(*exit_status_) ? WEXITSTATUS(*exit_status_) : -WTERMSIG(*exit_status_);
}

std::optional<std::string> Child::wait_for_output(const std::regex& pattern, double seconds) {
    evhil::WallStopwatch wall;
    while (wall.elapsed_s() < seconds && running()) {
        std::smatch match;
        std::string text = output();
        if (std::regex_search(text, match, pattern)) {
            return match[1].str();
        }
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

TempFolder::TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bench-evchargerd-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    path_ = pattern;
}

TempFolder::~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

// Whether `name` is owned on the bus at `address`, as busctl lists it.
bool on_bus(const std::string& address, const std::string& name) {
    std::string command = "DBUS_SYSTEM_BUS_ADDRESS='" + address + "' busctl --system --no-legend list 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return false;
    }
    std::string listing;
    char buffer[4096];
    while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
        listing += buffer;
    }
    pclose(pipe);
    return listing.find(name + " ") != std::string::npos;
}

}  // namespace evhil::bench
