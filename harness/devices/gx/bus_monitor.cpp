#include "harness/devices/gx/bus_monitor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstring>
#include <stdexcept>

#include "harness/traces/dbus/dbus_message.hpp"

extern char** environ;

namespace evhil::harness {
namespace {

constexpr std::uint32_t pcap_magic = 0xa1b2c3d4;
constexpr std::uint32_t pcap_magic_swapped = 0xd4c3b2a1;
constexpr std::size_t pcap_header_size = 24;
constexpr std::size_t pcap_record_header_size = 16;

std::uint32_t u32_at(const std::vector<std::uint8_t>& bytes, std::size_t at, bool swapped) {
    std::uint32_t value = 0;
    std::memcpy(&value, bytes.data() + at, sizeof(value));
    return swapped ? __builtin_bswap32(value) : value;
}

// The match rules: what is sent to each charger's name, what its owner sends, and the instance claims.
std::vector<std::string> match_rules(const std::vector<std::string>& names) {
    std::vector<std::string> rules;
    for (const auto& name : names) {
        rules.push_back("destination='" + name + "'");
        rules.push_back("sender='" + name + "'");
    }
    rules.emplace_back("type='method_call',interface='com.victronenergy.Settings',member='AddSettings'");
    return rules;
}

}  // namespace

struct BusMonitor::Stream {
    explicit Stream(boost::asio::io_context& io, int fd) : descriptor(io, fd) {}
    boost::asio::posix::stream_descriptor descriptor;
    std::array<std::uint8_t, 65536> buffer{};
};

BusMonitor::BusMonitor(Executor& executor, const std::string& address, const std::vector<std::string>& names)
    : executor_(executor), names_(names) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    std::vector<std::string> args{"dbus-monitor", "--address", address, "--pcap"};
    for (auto& rule : match_rules(names)) {
        args.push_back(std::move(rule));
    }
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // none of our sockets
    int spawned = posix_spawnp(&pid_, "dbus-monitor", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (spawned != 0) {
        close(pipe_fds[0]);
        pid_ = -1;
        throw std::runtime_error("cannot start dbus-monitor (is the dbus-bin package installed?)");
    }
    stream_ = std::make_unique<Stream>(executor_.io(), pipe_fds[0]);
    // One "connection" from the start of the run: the baseline's time buckets count from here, with the scenario's
    // actions, rather than from when dbus-monitor happened to be ready.
    FrameEvent opened;
    opened.kind = FrameEvent::Kind::opened;
    opened.time = executor_.now();
    opened.protocol = "dbus";
    opened.connection = 1;
    opened.client_endpoint = "dbus-monitor";
    opened.device_endpoint = address;
    events_.push_back(std::move(opened));
    read_more();
}

BusMonitor::~BusMonitor() {
    stop();
}

void BusMonitor::stop() {
    alive_ = std::make_shared<int>(0);
    if (stream_) {
        boost::system::error_code ignored;
        stream_->descriptor.close(ignored);
        stream_.reset();
    }
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);  // dbus-monitor exits at once on SIGTERM
        pid_ = -1;
    }
}

void BusMonitor::read_more() {
    stream_->descriptor.async_read_some(
        boost::asio::buffer(stream_->buffer),
        [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& error, std::size_t length) {
            if (alive.expired()) {
                return;
            }
            if (error) {
                return;  // dbus-monitor has gone: what it recorded is kept
            }
            pending_.insert(pending_.end(), stream_->buffer.begin(), stream_->buffer.begin() + length);
            consume();
            read_more();
        });
}

// Whole records only; a partial one waits for the rest.
void BusMonitor::consume() {
    std::size_t at = 0;
    if (!header_seen_) {
        if (pending_.size() < pcap_header_size) {
            return;
        }
        std::uint32_t magic = u32_at(pending_, 0, false);
        swapped_ = magic == pcap_magic_swapped;
        header_seen_ = true;
        at = pcap_header_size;
        if (magic == pcap_magic || swapped_) {
            if (on_ready_) {
                executor_.post([ready = on_ready_] { ready(); });
            }
        }
    }
    while (pending_.size() - at >= pcap_record_header_size) {
        std::uint32_t captured = u32_at(pending_, at + 8, swapped_);
        if (pending_.size() - at - pcap_record_header_size < captured) {
            break;
        }
        auto begin = pending_.begin() + static_cast<std::ptrdiff_t>(at + pcap_record_header_size);
        FrameEvent event;
        event.time = executor_.now();
        event.protocol = "dbus";
        event.connection = 1;
        event.bytes.assign(begin, begin + captured);
        auto message = parse_dbus_message(event.bytes);
        bool to_station = message && std::find(names_.begin(), names_.end(), message->destination) != names_.end();
        event.kind = to_station ? FrameEvent::Kind::to_device : FrameEvent::Kind::from_device;
        events_.push_back(std::move(event));
        at += pcap_record_header_size + captured;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(at));
}

}  // namespace evhil::harness
