#pragma once
// One thing a recording tap saw on a link, whatever the protocol: a connection opening or closing, a complete frame
// in either direction, or bytes that do not frame. The bytes are the protocol's own; `protocol` says which codec
// reads them (harness/traces/frame_codec.hpp), so traces, baselines, latencies and pcapng need no protocol type.

#include <cstdint>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"

namespace evhil {

struct FrameEvent {
    enum class Kind {
        opened,       // a client connected and the tap reached the device
        closed,       // the pair is gone; `note` says who closed it and why
        to_device,    // one complete frame from the driver
        from_device,  // one complete frame from the device
        unframed,     // bytes that do not parse as a frame (a bad length, leftovers at close)
    };
    Kind kind = Kind::opened;
    TimePoint time{};
    std::string protocol;             // the codec's tag, e.g. "modbus_tcp"
    std::uint32_t connection = 0;     // 1, 2, ... in accept order
    std::vector<std::uint8_t> bytes;  // frames and unframed bytes only
    std::string client_endpoint;      // "127.0.0.1:40312"
    std::string device_endpoint;      // "127.0.0.1:1502"
    std::string note;                 // closed: "device closed", "client closed", "link down", "connect failed: ..."
    bool from_client = true;          // unframed: which side sent the bytes
};

}  // namespace evhil
