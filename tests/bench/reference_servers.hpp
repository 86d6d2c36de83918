#pragma once
// The reference servers of the Modbus TCP server benchmark (modbus_server_bench.cpp), each on its own thread pinned
// to CPU 0: libmodbus' own loop (modbus_tcp_accept, then modbus_receive / modbus_reply on a mapping) and a minimal
// hand-written blocking server. Both serve one block of holding registers, byte for byte what the simulator
// answers, to one master connection.

#include <pthread.h>
#include <time.h>

#include <cstdint>
#include <memory>
#include <span>
#include <thread>

namespace evhil::bench {

inline bool pin_to_cpu0(pthread_t thread) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    return pthread_setaffinity_np(thread, sizeof(set), &set) == 0;
}

class Server {
public:
    virtual ~Server() = default;
    virtual std::uint16_t port() const = 0;
    // Pinned to CPU 0, with a CPU clock to read.
    bool ready() const { return ready_; }
    // CPU time of the server thread, user and system: its cost per request whatever else the core is doing.
    double cpu_seconds() const {
        timespec now{};
        clock_gettime(cpu_clock_, &now);
        return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
    }

protected:
    void started(std::thread& thread, const char* name) {
        pthread_setname_np(thread.native_handle(), name);
        bool pinned = pin_to_cpu0(thread.native_handle());
        ready_ = pinned && pthread_getcpuclockid(thread.native_handle(), &cpu_clock_) == 0;
    }

private:
    bool ready_ = false;
    clockid_t cpu_clock_ = CLOCK_THREAD_CPUTIME_ID;
};

// One master connection; FC3 inside the block is answered, anything else gets an exception.
std::unique_ptr<Server> make_libmodbus_server(std::span<const std::uint16_t> block, std::uint8_t unit,
                                              std::uint16_t block_address);
std::unique_ptr<Server> make_minimal_server(std::span<const std::uint16_t> block, std::uint8_t unit,
                                            std::uint16_t block_address);

}  // namespace evhil::bench
