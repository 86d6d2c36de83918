#pragma once
// What the trace tooling needs to know about one protocol's frames, so that traces, baselines, latencies and
// pcapng are written once for every protocol: a link's recording tap tags each frame with its protocol, and the
// link's codec reads them. A codec is built for one device (it knows which of the device's writes carry the
// charging setpoint); a new protocol adds one codec, a new device of a known protocol only its setpoint field.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace evhil::harness {

using FrameBytes = std::span<const std::uint8_t>;

// "0a 1b 2c": bytes as the text trace shows them, for codecs and for unframed bytes (protocol_trace.cpp).
std::string hex_bytes(FrameBytes bytes);

// How pcapng carries the protocol's frames: inside synthetic IPv4/TCP segments to and from `device_port`, so that
// Wireshark's dissector for the protocol picks them up without "Decode As".
struct PcapEncapsulation {
    std::uint16_t device_port = 0;
    std::uint16_t link_type = 228;  // LINKTYPE_IPV4: synthetic IPv4/TCP around each frame; 231 (LINKTYPE_DBUS): each
                                    // packet is one raw D-Bus message, as dbus-monitor --pcap writes them
};

class FrameCodec {
public:
    virtual ~FrameCodec() = default;

    // The tag the protocol's taps put on their frames (FrameEvent::protocol).
    virtual std::string_view protocol() const = 0;
    // The text trace's header line that says how a frame's column reads.
    virtual std::string_view frame_legend() const = 0;
    // The text trace's column: the frame's bytes in hex, grouped by field, and what they mean.
    virtual std::string text_line(FrameBytes frame, bool to_device) const = 0;
    // The baseline's line: what the protocol did, with everything that varies from run to run (transaction ids,
    // polled values) left out. Empty for a frame that is only timing, such as a keep-alive ping whose moment follows
    // the client's idle clock: the baseline leaves it out.
    virtual std::string baseline_line(FrameBytes frame, bool to_device) const = 0;
    // What pairs a response with its request on one connection; nullopt for a frame that cannot be paired. The
    // direction matters where both sides start exchanges (an MQTT broker publishes to the driver too): only the
    // driver's requests and the device's answers to them pair.
    virtual std::optional<std::uint32_t> pairing_key(FrameBytes frame, bool to_device) const = 0;
    // Whether a response refuses its request (a Modbus exception, for instance).
    virtual bool is_refusal(FrameBytes response) const = 0;
    // The charging setpoint in amperes a request from the driver writes, if it is the device's setpoint write.
    virtual std::optional<double> setpoint_in(FrameBytes request) const = 0;
    virtual PcapEncapsulation pcap() const = 0;
};

}  // namespace evhil::harness
