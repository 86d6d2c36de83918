#pragma once
// The protocol trace of one device in one wire or bench run, and its two file formats:
//  - text (`DIR/traces/<scenario>.trace`): one line per event, for people and for diff;
//  - pcapng (`DIR/traces/<scenario>.pcapng`): each ADU wrapped in synthetic IPv4/TCP headers with the device
//    side on port 502, so Wireshark's and tshark's Modbus/TCP dissector decodes it without "Decode As".

#include <filesystem>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/transport/modbus/tcp_tap.hpp"

namespace evhil::harness {

struct ProtocolTrace {
    std::string scenario;
    std::string device;  // device id in the scenario
    std::string target;  // wire | bench
    TimePoint start{};   // times in the files are relative to this
    std::vector<modbus::TapEvent> events;
};

std::string format_text_trace(const ProtocolTrace& trace);
// Both throw std::runtime_error naming the path when the file cannot be written.
void write_text_trace(const ProtocolTrace& trace, const std::filesystem::path& path);
void write_pcapng(const ProtocolTrace& trace, const std::filesystem::path& path);

}  // namespace evhil::harness
