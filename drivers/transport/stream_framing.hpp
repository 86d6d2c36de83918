#pragma once
// How a recording tap cuts one protocol's byte stream into frames: the protocol's tag for the trace
// (FrameEvent::protocol) and the size of the frame at the head of the bytes buffered so far. The tap's relay is
// the same for every protocol over TCP; each protocol brings only this (Modbus TCP: tcp_adu.hpp, MQTT:
// mqtt/mqtt_packet.hpp).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace evhil {

struct StreamFraming {
    std::string protocol;
    // The whole size of the first frame in `buffered` (header included, possibly more than is buffered yet); 0
    // while too few bytes have arrived to know it; nullopt when the bytes cannot be this protocol (the stream lost
    // sync and no later boundary can be trusted).
    std::function<std::optional<std::size_t>(std::span<const std::uint8_t> buffered)> frame_size;
    // Rewrites a complete frame before it is recorded (never before it is forwarded): blanks secrets such as an
    // MQTT password, keeping every length so the trace still decodes. Empty: recorded as seen.
    std::function<void(std::vector<std::uint8_t>& frame)> redact;
};

}  // namespace evhil
