#include "harness/links/modbus_link.hpp"

#include <fmt/format.h>

#include "drivers/transport/modbus/in_process.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "drivers/transport/modbus/tcp_tap.hpp"

namespace evhil::harness {
namespace {

class InProcessLink final : public ModbusLink {
public:
    InProcessLink(modbus::ModbusDevice& device, Executor& executor, const std::string& name,
                  modbus::PortTimeouts timeouts, std::shared_ptr<const FrameCodec> codec)
        : server_(device, executor.clock(), name), client_(executor, server_, timeouts), codec_(std::move(codec)) {}

    modbus::ModbusPort& port() override { return client_; }
    void stop() override {}
    void step() override { server_.expire_idle(); }

    bool set_fault(const Action& action, bool on) override {
        auto& faults = server_.faults();
        if (action.fault == "link_down") {
            faults.link_down = on;
        } else if (action.fault == "close") {
            if (on) {
                server_.drop_all_connections();
            }
        } else if (action.fault == "hang") {
            faults.hang = on;
        } else if (action.fault == "exception") {
            faults.exception = on ? std::optional(exception_code(action)) : std::nullopt;
        } else {
            return false;
        }
        return true;
    }
    void drop_all_connections() override { server_.drop_all_connections(); }
    double open_connections() const override { return static_cast<double>(server_.sessions().open_count()); }
    std::map<std::string, double> metrics() const override {
        return {
            {"charger.requests_served", static_cast<double>(server_.requests_served())},
            {"charger.connections_refused", static_cast<double>(server_.sessions().refused_count())},
            {"charger.idle_disconnects", static_cast<double>(server_.sessions().idle_closed_count())},
        };
    }

    static modbus::ExceptionCode exception_code(const Action& action) {
        auto code = action.fault_params.find("code");
        if (code == action.fault_params.end()) {
            return modbus::ExceptionCode::server_device_busy;
        }
        return modbus::parse_exception_code(code->second).value_or(modbus::ExceptionCode::server_device_failure);
    }

    LinkTrace take_trace() override { return {codec_, {}}; }  // nothing goes over a socket

private:
    modbus::InProcessServer server_;
    modbus::InProcessClient client_;
    std::shared_ptr<const FrameCodec> codec_;
};

// Wire (a simulator's TcpServer behind the tap) and bench (a real device behind the tap), all on the run's
// executor.
class SocketLink final : public ModbusLink {
public:
    SocketLink(Executor& executor, const WireLinkSettings& settings) : codec_(settings.codec) {
        std::string device_host = settings.device_host;
        std::uint16_t device_port = settings.device_port;
        if (settings.device != nullptr) {
            server_ = std::make_unique<modbus::TcpServer>(executor, *settings.device, "127.0.0.1", 0);
            server_->start();
            device_host = "127.0.0.1";
            device_port = server_->port();
        }
        modbus::TcpTapSettings tap_settings;
        tap_settings.device_host = device_host;
        tap_settings.device_port = device_port;
        tap_settings.connect_timeout = settings.client.connect_timeout;
        tap_ = std::make_unique<modbus::TcpTap>(executor, tap_settings,
                                                [this](FrameEvent event) { events_.push_back(std::move(event)); });
        tap_->start();
        auto client_settings = settings.client;
        client_settings.host = "127.0.0.1";
        client_settings.port = tap_->port();
        client_ = std::make_unique<modbus::TcpClient>(executor, client_settings);
    }
    ~SocketLink() override { SocketLink::stop(); }

    modbus::ModbusPort& port() override { return *client_; }
    void stop() override {
        tap_->stop();
        if (server_) {
            server_->stop();
        }
        client_->disconnect();
    }

    bool set_fault(const Action& action, bool on) override {
        const auto& name = action.fault;
        if (name == "link_down") {  // the tap is the cable, on the bench as on the wire
            tap_->set_link_down(on);
            return true;
        }
        if (!server_) {
            return false;  // everything else needs the device to misbehave: only a simulator can
        }
        if (name == "close") {
            if (on) {
                server_->close_all_connections();
            }
            return true;
        }
        auto change = [this](auto apply) { apply(server_->faults()); };
        if (name == "hang") {
            change([on](modbus::WireFaults& f) { f.hang = on; });
        } else if (name == "exception") {
            auto code = InProcessLink::exception_code(action);
            change([on, code](modbus::WireFaults& f) { f.exception = on ? std::optional(code) : std::nullopt; });
        } else if (name == "late") {
            auto delay = on ? action.fault_delay : Duration{0};
            change([delay](modbus::WireFaults& f) { f.reply_delay = delay; });
        } else if (name == "corrupt") {
            auto byte = action.fault_byte;
            change([on, byte](modbus::WireFaults& f) { f.corrupt_byte_at = on ? std::optional(byte) : std::nullopt; });
        } else if (name == "split") {
            auto at = action.fault_split_at;
            auto gap = action.fault_gap;
            change([on, at, gap](modbus::WireFaults& f) {
                f.split_reply_at = on ? std::optional(at) : std::nullopt;
                f.split_gap = gap;
            });
        } else {
            return false;
        }
        return true;
    }

    void drop_all_connections() override {
        if (server_) {
            server_->close_all_connections();
        }
    }
    double open_connections() const override {
        return static_cast<double>(server_ ? server_->connection_count() : tap_->connection_count());
    }
    std::map<std::string, double> metrics() const override {
        if (!server_) {
            return {};
        }
        auto stats = server_->stats();
        return {
            {"charger.requests_served", static_cast<double>(stats.requests_served)},
            {"charger.connections_accepted", static_cast<double>(stats.connections_accepted)},
            {"charger.connections_refused", static_cast<double>(stats.connections_refused)},
            {"charger.idle_disconnects", static_cast<double>(stats.connections_closed_idle)},
            {"charger.bad_frame_disconnects", static_cast<double>(stats.connections_closed_bad_frame)},
        };
    }
    LinkTrace take_trace() override { return {codec_, std::move(events_)}; }

private:
    std::shared_ptr<const FrameCodec> codec_;
    std::unique_ptr<modbus::TcpServer> server_;
    std::unique_ptr<modbus::TcpTap> tap_;
    std::unique_ptr<modbus::TcpClient> client_;
    std::vector<FrameEvent> events_;
};

using namespace std::chrono_literals;
using Owner = FaultSpec::Owner;
using Kind = FaultSpec::Kind;

void parse_exception_code(const ConfigNode& node, Action& action) {
    if (auto code = node.optional("code")) {
        if (!modbus::parse_exception_code(code->as_string())) {
            code->fail(fmt::format("unknown Modbus exception code '{}'", code->as_string()));
        }
        action.fault_params["code"] = code->as_string();
    }
}

void parse_delay(const ConfigNode& node, Action& action) {
    if (auto delay = node.optional("delay")) {
        action.fault_delay = delay->as_duration(1ms, 1h);
    } else if (action.what == "fault") {
        node.fail("fault 'late' needs 'delay' (how late each reply is, e.g. 1500ms)");
    }
}

// An ADU is 7 header bytes plus at most 253 PDU bytes.
void parse_corrupt(const ConfigNode& node, Action& action) {
    action.fault_byte = static_cast<std::size_t>(node.get_int("byte", 7, 0, 259));
}

void parse_split(const ConfigNode& node, Action& action) {
    action.fault_split_at = static_cast<std::size_t>(node.get_int("split_at", 4, 1, 259));
    if (auto gap = node.optional("gap")) {
        action.fault_gap = gap->as_duration(1ms, 1h);
    }
}

}  // namespace

const std::vector<FaultSpec>& modbus_link_faults() {
    static const std::vector<FaultSpec> faults{
        {.name = "link_down",
         .owner = Owner::link,
         .kind = Kind::sustained,
         .restores_link = true,
         .description = "the cable is pulled: connections drop and new ones are refused"},
        {.name = "close",
         .owner = Owner::link,
         .kind = Kind::instant,
         .restores_link = true,
         .prompt_on = "make {device} close its Modbus connections (e.g. restart its network)",
         .description = "the device closes every connection once"},
        {.name = "hang",
         .owner = Owner::link,
         .kind = Kind::sustained,
         .restores_link = true,
         .description = "the device stops answering: requests time out"},
        {.name = "exception",
         .owner = Owner::link,
         .kind = Kind::sustained,
         .restores_link = true,
         .params = {"code"},
         .parse = parse_exception_code,
         .description = "every request is answered with a Modbus exception (code:)"},
        {.name = "late",
         .owner = Owner::link,
         .kind = Kind::sustained,
         .needs_wire = true,
         .restores_link = true,
         .params = {"delay"},
         .parse = parse_delay,
         .description = "every reply is sent `delay` late"},
        {.name = "corrupt",
         .owner = Owner::link,
         .kind = Kind::sustained,
         .needs_wire = true,
         .restores_link = true,
         .params = {"byte"},
         .parse = parse_corrupt,
         .description = "byte `byte` of every reply (MBAP included) is inverted"},
        {.name = "split",
         .owner = Owner::link,
         .kind = Kind::sustained,
         .needs_wire = true,
         .restores_link = true,
         .params = {"split_at", "gap"},
         .parse = parse_split,
         .description = "every reply is sent in two parts with a gap"},
    };
    return faults;
}

std::unique_ptr<ModbusLink> make_in_process_link(modbus::ModbusDevice& device, Executor& executor,
                                                 const std::string& name, modbus::PortTimeouts timeouts,
                                                 std::shared_ptr<const FrameCodec> codec) {
    return std::make_unique<InProcessLink>(device, executor, name, timeouts, std::move(codec));
}

std::unique_ptr<ModbusLink> make_socket_link(Executor& executor, const WireLinkSettings& settings) {
    return std::make_unique<SocketLink>(executor, settings);
}

}  // namespace evhil::harness
