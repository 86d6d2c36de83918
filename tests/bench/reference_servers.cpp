#include "tests/bench/reference_servers.hpp"

#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace evhil::bench {
namespace {

std::uint16_t bound_port(int socket) {
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    if (getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return 0;
    }
    return ntohs(address.sin_port);
}

// A server thread that blocks in accept() and then serves one connection until the master closes it.
class BlockingServer : public Server {
public:
    ~BlockingServer() override {
        stop();
        close(listener_);
    }
    std::uint16_t port() const override { return port_; }

protected:
    // Derived classes call this at the end of their constructor: the thread must not start on a half-built object.
    void start(int listener, const char* name) {
        listener_ = listener;
        port_ = bound_port(listener);
        if (port_ == 0) {
            throw std::runtime_error(std::string(name) + ": no bound port");
        }
        thread_ = std::thread([this] { serve(listener_); });
        started(thread_, name);
    }
    // Derived destructors call this first, so that the thread is gone before their members are. Returns once
    // the master has closed its connection: the benchmarks destroy the master first.
    void stop() {
        if (!thread_.joinable()) {
            return;
        }
        // Nothing interrupts a blocked accept() portably, so a throwaway connection ends it if no master came;
        // when one did, this one waits in the backlog unseen and goes with the listener.
        int poke = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port_);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(poke, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
            // Refused or failed: accept() was not waiting, so the thread is already on its way out.
        }
        close(poke);
        thread_.join();
    }
    virtual void serve(int listener) = 0;

private:
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

class LibmodbusServer final : public BlockingServer {
public:
    LibmodbusServer(std::span<const std::uint16_t> block, std::uint8_t unit, std::uint16_t block_address)
        : context_(modbus_new_tcp("127.0.0.1", 0)),
          mapping_(
              modbus_mapping_new_start_address(0, 0, 0, 0, block_address, static_cast<unsigned>(block.size()), 0, 0)) {
        if (context_ == nullptr || mapping_ == nullptr) {
            release();
            throw std::runtime_error("libmodbus: cannot create the context or the mapping");
        }
        std::copy(block.begin(), block.end(), mapping_->tab_registers);
        modbus_set_slave(context_, unit);
        int listener = modbus_tcp_listen(context_, 1);
        if (listener == -1) {
            std::string reason = modbus_strerror(errno);
            release();
            throw std::runtime_error("libmodbus: cannot listen: " + reason);
        }
        try {
            start(listener, "srv-libmodbus");
        } catch (...) {
            release();
            throw;
        }
    }
    ~LibmodbusServer() override {
        stop();
        release();
    }

private:
    void release() {
        if (context_ != nullptr) {
            modbus_close(context_);  // the accepted connection; the listener is the base's
            modbus_free(context_);
        }
        if (mapping_ != nullptr) {
            modbus_mapping_free(mapping_);
        }
    }
    void serve(int listener) override {
        if (modbus_tcp_accept(context_, &listener) == -1) {
            return;
        }
        std::array<std::uint8_t, MODBUS_TCP_MAX_ADU_LENGTH> request{};
        while (true) {
            int length = modbus_receive(context_, request.data());
            if (length == -1) {
                return;  // the master closed the connection
            }
            if (length > 0) {
                modbus_reply(context_, request.data(), length, mapping_);
            }
        }
    }

    modbus_t* context_;
    modbus_mapping_t* mapping_;
};

// The least a blocking server can do: two recv() calls for the request (header, then as much PDU as the header
// announces) and one send() for the reply. FC3 on the block only; anything else gets an exception.
class MinimalServer final : public BlockingServer {
public:
    MinimalServer(std::span<const std::uint16_t> block, std::uint16_t block_address)
        : block_address_(block_address), block_count_(block.size()), block_bytes_(2 * block.size()) {
        for (std::size_t i = 0; i < block_count_; ++i) {
            block_bytes_[2 * i] = static_cast<std::uint8_t>(block[i] >> 8);
            block_bytes_[2 * i + 1] = static_cast<std::uint8_t>(block[i] & 0xFF);
        }
        int listener = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = 0;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (listener == -1 || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            listen(listener, 1) != 0) {
            std::string reason = std::strerror(errno);
            close(listener);
            throw std::runtime_error("minimal server: cannot listen: " + reason);
        }
        start(listener, "srv-minimal");
    }
    ~MinimalServer() override { stop(); }

private:
    static bool receive(int connection, std::uint8_t* bytes, std::size_t size) {
        while (size > 0) {
            ssize_t n = recv(connection, bytes, size, MSG_WAITALL);
            if (n <= 0) {
                return false;
            }
            bytes += n;
            size -= static_cast<std::size_t>(n);
        }
        return true;
    }

    void serve(int listener) override {
        int connection = accept(listener, nullptr, nullptr);
        if (connection == -1) {
            return;
        }
        int one = 1;
        setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // as the evhil server does
        std::array<std::uint8_t, 7 + 253> request{};
        std::array<std::uint8_t, 7 + 253> reply{};
        while (receive(connection, request.data(), 7)) {
            std::size_t length = (std::size_t{request[4]} << 8) | request[5];
            if (request[2] != 0 || request[3] != 0 || length < 2 || length > 254 ||
                !receive(connection, request.data() + 7, length - 1)) {
                break;
            }
            std::uint8_t function = request[7];
            std::size_t address = (std::size_t{request[8]} << 8) | request[9];
            std::size_t count = (std::size_t{request[10]} << 8) | request[11];
            std::size_t pdu_size = 0;
            if (function == 0x03 && length == 6 && address >= block_address_ && count >= 1 &&
                address + count <= block_address_ + block_count_) {
                reply[7] = function;
                reply[8] = static_cast<std::uint8_t>(2 * count);
                std::memcpy(&reply[9], &block_bytes_[2 * (address - block_address_)], 2 * count);
                pdu_size = 2 + 2 * count;
            } else {
                reply[7] = static_cast<std::uint8_t>(function | 0x80);
                reply[8] = function == 0x03 ? 0x02 : 0x01;  // illegal data address : illegal function
                pdu_size = 2;
            }
            std::memcpy(reply.data(), request.data(), 4);  // transaction and protocol id
            reply[4] = static_cast<std::uint8_t>((pdu_size + 1) >> 8);
            reply[5] = static_cast<std::uint8_t>((pdu_size + 1) & 0xFF);
            reply[6] = request[6];
            if (send(connection, reply.data(), 7 + pdu_size, MSG_NOSIGNAL) != static_cast<ssize_t>(7 + pdu_size)) {
                break;
            }
        }
        close(connection);
    }

    std::size_t block_address_;
    std::size_t block_count_;
    std::vector<std::uint8_t> block_bytes_;
};

}  // namespace

std::unique_ptr<Server> make_libmodbus_server(std::span<const std::uint16_t> block, std::uint8_t unit,
                                              std::uint16_t block_address) {
    return std::make_unique<LibmodbusServer>(block, unit, block_address);
}

// The minimal server answers whatever unit the master asks: it only has the one block.
std::unique_ptr<Server> make_minimal_server(std::span<const std::uint16_t> block, std::uint8_t /*unit*/,
                                            std::uint16_t block_address) {
    return std::make_unique<MinimalServer>(block, block_address);
}

}  // namespace evhil::bench
