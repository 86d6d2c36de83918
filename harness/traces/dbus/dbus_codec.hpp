#pragma once
// The trace codec of D-Bus: each frame is one whole message as the bus daemon passed it (dbus_message.hpp), paired
// by serial and reply serial, refused by an error message, and written to pcapng as LINKTYPE_DBUS, the link type
// dbus-monitor --pcap writes and Wireshark's D-Bus dissector reads. Tests: tests/unit/dbus_message_test.cpp.

#include <memory>

#include "harness/traces/frame_codec.hpp"

namespace evhil::harness {

std::shared_ptr<const FrameCodec> make_dbus_codec();

}  // namespace evhil::harness
