#pragma once
// Child processes and what /proc says about them, for the benchmarks that measure the real binaries from outside
// (bench_evchargerd): start a binary with its output in a file, wait for a line it prints, read its memory, CPU and
// TCP connections, stop it as a user would.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace evhil::bench {

std::string read_file(const std::string& path);
// A field of /proc/PID/status in kB, as MiB; nullopt when the process is gone.
std::optional<double> status_mib(pid_t pid, const std::string& key);
// utime + stime of the whole process (threads that exited included), in seconds.
std::optional<double> tick_cpu_s(pid_t pid);
// Summed run time of the process's current threads, in seconds, to the nanosecond.
double sched_cpu_s(pid_t pid);
// Whether `pid` holds an established TCP connection to 127.0.0.1:`port`.
bool connected_to(pid_t pid, std::uint16_t port);
// Whether `name` is owned on the bus at `address`, as busctl lists it.
bool on_bus(const std::string& address, const std::string& name);

// A child process, its stdout and stderr in one file. Killed and reaped if still running when destroyed.
class Child {
public:
    Child(std::vector<std::string> args, const std::string& output);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    std::string output() const { return read_file(output_); }
    bool running();
    // SIGTERM, then up to `timeout` for it to exit (SIGKILL after that). The exit code, or -signal.
    int terminate(std::chrono::milliseconds timeout);
    // The first group of `pattern` in what the child printed, once it appears within `seconds`; nullopt when it
    // does not, or the child exits first.
    std::optional<std::string> wait_for_output(const std::regex& pattern, double seconds);

private:
    std::string output_;
    pid_t pid_ = -1;
    std::optional<int> exit_status_;
};

// A fresh folder for one run's configuration and logs, removed afterwards.
class TempFolder {
public:
    TempFolder();
    ~TempFolder();
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

}  // namespace evhil::bench
