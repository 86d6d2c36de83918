#pragma once
// The protocol trace of one device in one wire or bench run, and its two file formats:
//  - text (`DIR/traces/<scenario>.trace`): one line per event, for people and for diff;
//  - pcapng (`DIR/traces/<scenario>.pcapng`): each frame wrapped in synthetic IPv4/TCP headers with the device
//    side on the protocol's port (502 for Modbus TCP), so Wireshark's and tshark's dissector decodes it without
//    "Decode As".
// Both are protocol-neutral: the trace's codec (frame_codec.hpp) reads the frames.

#include <filesystem>
#include <string>
#include <vector>

#include <memory>

#include "drivers/core/clock.hpp"
#include "drivers/transport/frame_event.hpp"
#include "harness/traces/frame_codec.hpp"

namespace evhil::harness {

struct ProtocolTrace {
    std::string scenario;
    std::string device;                       // device id in the scenario
    std::string target;                       // wire | bench
    TimePoint start{};                        // times in the files are relative to this
    std::shared_ptr<const FrameCodec> codec;  // of the protocol the link speaks; required for the files
    std::vector<FrameEvent> events;
};

std::string format_text_trace(const ProtocolTrace& trace);
// Both throw std::runtime_error naming the path when the file cannot be written.
void write_text_trace(const ProtocolTrace& trace, const std::filesystem::path& path);
void write_pcapng(const ProtocolTrace& trace, const std::filesystem::path& path);

}  // namespace evhil::harness
