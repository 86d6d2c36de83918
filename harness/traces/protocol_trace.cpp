#include "harness/traces/protocol_trace.hpp"

#include "drivers/core/atomic_file.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace evhil::harness {

namespace {

using Kind = FrameEvent::Kind;
using Bytes = std::span<const std::uint8_t>;

// ---- text -------------------------------------------------------------------------------------------------------

const FrameCodec& codec_of(const ProtocolTrace& trace) {
    if (!trace.codec) {
        throw std::logic_error("protocol trace of " + trace.device + " has no codec");
    }
    return *trace.codec;
}

std::string describe_event(const FrameCodec& codec, const FrameEvent& event) {
    switch (event.kind) {
        case Kind::opened:
            return fmt::format("+ client {} device {}", event.client_endpoint, event.device_endpoint);
        case Kind::closed:
            return "- " + event.note;
        case Kind::to_device:
            return "> " + codec.text_line(event.bytes, true);
        case Kind::from_device:
            return "< " + codec.text_line(event.bytes, false);
        case Kind::unframed:
            return fmt::format("! {}  ; unframed, {} bytes from {}", hex_bytes(event.bytes), event.bytes.size(),
                               event.from_client ? "client" : "device");
    }
    return "?";
}

// ---- pcapng -----------------------------------------------------------------------------------------------------
// Blocks are written little-endian; readers learn the byte order from the section header's magic.

constexpr std::uint32_t section_header_block = 0x0A0D0D0A;
constexpr std::uint32_t interface_description_block = 0x00000001;
constexpr std::uint32_t enhanced_packet_block = 0x00000006;
constexpr std::uint32_t byte_order_magic = 0x1A2B3C4D;
constexpr std::uint16_t linktype_ipv4 = 228;
constexpr std::uint16_t opt_comment = 1;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_name = 2;

// Synthetic addresses: Wireshark's dissector picks up the protocol's port (the codec's, 502 for Modbus TCP) by
// itself, and request and response are told apart by which side has it.
constexpr std::array<std::uint8_t, 4> client_address{127, 0, 0, 2};
constexpr std::array<std::uint8_t, 4> device_address{127, 0, 0, 1};
constexpr std::uint16_t first_client_port = 40000;
constexpr std::uint8_t ip_protocol_tcp = 6;
// RFC 3692's protocol number for experiments. Unframed bytes travel under it, outside the TCP stream: inside, a
// garbled MBAP length would make Wireshark's reassembly swallow every later frame of the connection.
constexpr std::uint8_t ip_protocol_unframed = 253;
constexpr std::uint32_t client_isn = 0x01000000;
constexpr std::uint32_t device_isn = 0x02000000;

namespace tcp_flag {
constexpr std::uint8_t fin = 0x01;
constexpr std::uint8_t syn = 0x02;
constexpr std::uint8_t rst = 0x04;
constexpr std::uint8_t psh = 0x08;
constexpr std::uint8_t ack = 0x10;
}  // namespace tcp_flag

void put_le(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) {
        out += static_cast<char>((value >> (8 * i)) & 0xFF);
    }
}

void put_be(std::vector<std::uint8_t>& out, std::uint32_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) {
        out.push_back(static_cast<std::uint8_t>((value >> (8 * i)) & 0xFF));
    }
}

void pad_to_4(std::string& out) {
    while (out.size() % 4 != 0) {
        out += '\0';
    }
}

std::string option(std::uint16_t code, std::string_view value) {
    std::string out;
    put_le(out, code, 2);
    put_le(out, value.size(), 2);
    out += value;
    pad_to_4(out);
    return out;
}

std::string end_of_options() {
    return std::string(4, '\0');
}

std::string block(std::uint32_t type, std::string body) {
    pad_to_4(body);
    auto total = static_cast<std::uint32_t>(body.size() + 12);
    std::string out;
    put_le(out, type, 4);
    put_le(out, total, 4);
    out += body;
    put_le(out, total, 4);
    return out;
}

// RFC 1071 ones' complement sum, shared by the IPv4 header and the TCP checksum.
std::uint32_t ones_sum(Bytes bytes, std::uint32_t sum = 0) {
    for (std::size_t at = 0; at < bytes.size(); at += 2) {
        std::uint32_t high = bytes[at];
        std::uint32_t low = at + 1 < bytes.size() ? bytes[at + 1] : 0;
        sum += (high << 8) | low;
    }
    return sum;
}

std::uint16_t fold(std::uint32_t sum) {
    while ((sum >> 16) != 0) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

struct Segment {
    bool from_client = true;
    std::uint16_t client_port = 0;
    std::uint16_t device_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    Bytes payload;
};

std::vector<std::uint8_t> tcp_header(const Segment& segment, const std::array<std::uint8_t, 4>& source,
                                     const std::array<std::uint8_t, 4>& destination) {
    std::vector<std::uint8_t> tcp;
    put_be(tcp, segment.from_client ? segment.client_port : segment.device_port, 2);
    put_be(tcp, segment.from_client ? segment.device_port : segment.client_port, 2);
    put_be(tcp, segment.seq, 4);
    put_be(tcp, segment.ack, 4);
    tcp.push_back(5 << 4);  // data offset: 5 words, no options
    tcp.push_back(segment.flags);
    put_be(tcp, 65535, 2);  // window
    put_be(tcp, 0, 4);      // checksum (filled below), urgent pointer
    std::vector<std::uint8_t> pseudo(source.begin(), source.end());
    pseudo.insert(pseudo.end(), destination.begin(), destination.end());
    put_be(pseudo, ip_protocol_tcp, 2);
    put_be(pseudo, static_cast<std::uint32_t>(tcp.size() + segment.payload.size()), 2);
    std::uint16_t checksum = fold(ones_sum(segment.payload, ones_sum(tcp, ones_sum(pseudo))));
    tcp[16] = static_cast<std::uint8_t>(checksum >> 8);
    tcp[17] = static_cast<std::uint8_t>(checksum & 0xFF);
    return tcp;
}

// `transport` is the IP payload: a TCP segment, or raw bytes under `protocol`.
std::vector<std::uint8_t> ipv4_packet(bool from_client, std::uint8_t protocol, Bytes transport,
                                      std::uint16_t identification) {
    const auto& source = from_client ? client_address : device_address;
    const auto& destination = from_client ? device_address : client_address;
    std::vector<std::uint8_t> ip;
    ip.push_back(0x45);  // IPv4, 5-word header
    ip.push_back(0);
    put_be(ip, static_cast<std::uint32_t>(20 + transport.size()), 2);
    put_be(ip, identification, 2);
    put_be(ip, 0x4000, 2);  // don't fragment
    ip.push_back(64);       // TTL
    ip.push_back(protocol);
    put_be(ip, 0, 2);  // checksum, filled below
    ip.insert(ip.end(), source.begin(), source.end());
    ip.insert(ip.end(), destination.begin(), destination.end());
    std::uint16_t checksum = fold(ones_sum(ip));
    ip[10] = static_cast<std::uint8_t>(checksum >> 8);
    ip[11] = static_cast<std::uint8_t>(checksum & 0xFF);
    ip.insert(ip.end(), transport.begin(), transport.end());
    return ip;
}

std::vector<std::uint8_t> tcp_packet(const Segment& segment, std::uint16_t identification) {
    const auto& source = segment.from_client ? client_address : device_address;
    const auto& destination = segment.from_client ? device_address : client_address;
    std::vector<std::uint8_t> tcp = tcp_header(segment, source, destination);
    tcp.insert(tcp.end(), segment.payload.begin(), segment.payload.end());
    return ipv4_packet(segment.from_client, ip_protocol_tcp, tcp, identification);
}

// Turns tap events into TCP segments with consistent sequence numbers per connection, so Wireshark's TCP
// analysis finds no gaps and reassembles ADUs like any capture.
class PcapngBuilder {
public:
    explicit PcapngBuilder(const ProtocolTrace& trace)
        : device_port_(codec_of(trace).pcap().device_port), link_type_(codec_of(trace).pcap().link_type) {
        std::string body;
        put_le(body, byte_order_magic, 4);
        put_le(body, 1, 2);  // version 1.0
        put_le(body, 0, 2);
        put_le(body, ~std::uint64_t{0}, 8);  // section length not given
        body +=
            option(opt_comment,
                   raw() ? fmt::format("evhil protocol trace: scenario {}, device {}, target {}. Each packet is one "
                                       "message as the bus daemon passed it.",
                                       trace.scenario, trace.device, trace.target)
                         : fmt::format("evhil protocol trace: scenario {}, device {}, target {}. Synthetic "
                                       "addresses: client 127.0.0.2:{}+N for connection cN, device "
                                       "127.0.0.1:{}; real endpoints are in the packet comments.",
                                       trace.scenario, trace.device, trace.target, first_client_port, device_port_));
        body += option(shb_userappl, "evhil");
        body += end_of_options();
        out_ += block(section_header_block, body);

        body.clear();
        put_le(body, link_type_, 2);
        put_le(body, 0, 2);  // reserved
        put_le(body, 0, 4);  // snap length: no limit
        body += option(if_name, "evhil-tap " + trace.device);
        body += end_of_options();  // if_tsresol left at its default: microseconds
        out_ += block(interface_description_block, body);
    }

    void add(const FrameEvent& event) {
        if (raw()) {
            // A message protocol with a link type of its own (D-Bus): each frame is a packet, nothing around it.
            if (event.kind == Kind::to_device || event.kind == Kind::from_device) {
                packet(event.time, event.bytes, std::nullopt);
            }
            return;
        }
        Flow& flow = flow_of(event.connection);
        switch (event.kind) {
            case Kind::opened:
                handshake(event, flow);
                break;
            case Kind::to_device:
            case Kind::from_device:
            case Kind::unframed:
                data(event, flow);
                break;
            case Kind::closed:
                teardown(event, flow);
                break;
        }
    }

    std::string take() { return std::move(out_); }

private:
    struct Flow {
        std::uint16_t client_port = 0;
        std::uint32_t client_next = client_isn;
        std::uint32_t device_next = device_isn;
        bool seen = false;  // any segment written yet
    };

    Flow& flow_of(std::uint32_t connection) {
        Flow& flow = flows_[connection];
        flow.client_port = static_cast<std::uint16_t>(first_client_port + connection % (65536 - first_client_port));
        return flow;
    }

    void handshake(const FrameEvent& event, Flow& flow) {
        std::string note = fmt::format("c{} opened: client {}, device {}", event.connection, event.client_endpoint,
                                       event.device_endpoint);
        send(event.time, flow, true, tcp_flag::syn, {}, note);
        send(event.time, flow, false, tcp_flag::syn | tcp_flag::ack, {}, {});
        send(event.time, flow, true, tcp_flag::ack, {}, {});
    }

    void data(const FrameEvent& event, Flow& flow) {
        if (event.kind == Kind::unframed) {
            std::string note =
                fmt::format("c{} unframed: {} bytes from {}, kept out of the TCP stream", event.connection,
                            event.bytes.size(), event.from_client ? "client" : "device");
            packet(event.time, ipv4_packet(event.from_client, ip_protocol_unframed, event.bytes, ++ip_identification_),
                   note);
            return;
        }
        send(event.time, flow, event.kind == Kind::to_device, tcp_flag::psh | tcp_flag::ack, event.bytes, std::nullopt);
    }

    void teardown(const FrameEvent& event, Flow& flow) {
        std::string note = fmt::format("c{} closed: {} (client {}, device {})", event.connection, event.note,
                                       event.client_endpoint, event.device_endpoint);
        if (!flow.seen) {
            // Never reached the device (connect failed, link down): show it as a refused connection.
            send(event.time, flow, true, tcp_flag::syn, {}, note);
            send(event.time, flow, false, tcp_flag::rst | tcp_flag::ack, {}, {});
            return;
        }
        bool client_first = event.note.rfind("client", 0) == 0;
        send(event.time, flow, client_first, tcp_flag::fin | tcp_flag::ack, {}, note);
        send(event.time, flow, !client_first, tcp_flag::fin | tcp_flag::ack, {}, {});
        send(event.time, flow, client_first, tcp_flag::ack, {}, {});
    }

    // SYN and FIN take one sequence number each, as on a real connection.
    void send(TimePoint time, Flow& flow, bool from_client, std::uint8_t flags, Bytes payload,
              const std::optional<std::string>& comment) {
        flow.seen = true;
        std::uint32_t& own = from_client ? flow.client_next : flow.device_next;
        std::uint32_t peer = from_client ? flow.device_next : flow.client_next;
        Segment segment{from_client, flow.client_port, device_port_, own, (flags & tcp_flag::ack) != 0 ? peer : 0,
                        flags,       payload};
        own += static_cast<std::uint32_t>(payload.size()) + ((flags & (tcp_flag::syn | tcp_flag::fin)) != 0 ? 1 : 0);
        packet(time, tcp_packet(segment, ++ip_identification_), comment);
    }

    void packet(TimePoint time, const std::vector<std::uint8_t>& bytes, const std::optional<std::string>& comment) {
        auto micros =
            static_cast<std::uint64_t>(std::chrono::floor<std::chrono::microseconds>(time.time_since_epoch()).count());
        std::string body;
        put_le(body, 0, 4);  // interface 0
        put_le(body, micros >> 32, 4);
        put_le(body, micros & 0xFFFFFFFF, 4);
        put_le(body, bytes.size(), 4);  // captured
        put_le(body, bytes.size(), 4);  // original
        body.append(bytes.begin(), bytes.end());
        pad_to_4(body);
        if (comment) {
            body += option(opt_comment, *comment);
            body += end_of_options();
        }
        out_ += block(enhanced_packet_block, std::move(body));
    }

    bool raw() const { return link_type_ != linktype_ipv4; }

    std::uint16_t device_port_;
    std::uint16_t link_type_;
    std::string out_;
    std::map<std::uint32_t, Flow> flows_;
    std::uint16_t ip_identification_ = 0;
};

// ---- files ------------------------------------------------------------------------------------------------------

[[noreturn]] void cannot_write(const std::filesystem::path& path, const std::string& reason) {
    throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), reason));
}

void write_file(const std::filesystem::path& path, std::string_view contents) {
    std::error_code error;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), error);
        if (error) {
            cannot_write(path, error.message());
        }
    }
    write_file_atomically(path, contents);  // as every report file: renamed into place, never half written
}

}  // namespace

std::string hex_bytes(FrameBytes bytes) {
    std::string out;
    for (auto byte : bytes) {
        out += fmt::format("{}{:02x}", out.empty() ? "" : " ", byte);
    }
    return out;
}

std::string format_text_trace(const ProtocolTrace& trace) {
    std::string out;
    out += "# evhil protocol trace\n";
    out += fmt::format("# scenario:  {}\n", trace.scenario);
    out += fmt::format("# device:    {}\n", trace.device);
    out += fmt::format("# target:    {}\n", trace.target);
    out += fmt::format("# start:     {}\n", format_utc(trace.start));
    out += "# columns:   seconds since start, connection, direction, bytes (hex), decoded\n";
    out += "# direction: > to device  < from device  ! unframed  + opened  - closed\n";
    const auto& codec = codec_of(trace);
    out += fmt::format("# frames:    {}\n", codec.frame_legend());
    for (const auto& event : trace.events) {
        out += fmt::format("{:12.6f} c{} {}\n", to_seconds(event.time - trace.start), event.connection,
                           describe_event(codec, event));
    }
    return out;
}

void write_text_trace(const ProtocolTrace& trace, const std::filesystem::path& path) {
    write_file(path, format_text_trace(trace));
}

void write_pcapng(const ProtocolTrace& trace, const std::filesystem::path& path) {
    PcapngBuilder builder(trace);
    for (const auto& event : trace.events) {
        builder.add(event);
    }
    write_file(path, builder.take());
}

}  // namespace evhil::harness
