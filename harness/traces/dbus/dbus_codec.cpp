// The D-Bus trace codec (dbus_codec.hpp). Tests: tests/unit/dbus_message_test.cpp.

#include "harness/traces/dbus/dbus_codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "harness/traces/dbus/dbus_message.hpp"

namespace evhil::harness {
namespace {

using Type = DbusMessage::Type;

constexpr std::uint16_t linktype_dbus = 231;
constexpr std::uint8_t no_reply_expected = 0x1;
// A longer return body is data (GetItems, GetValue of a text), which follows the run; a short one is an answer.
constexpr std::size_t max_baseline_return_body = 40;

// A variant returned is a GetValue's answer, whose value follows the physics and the run's timing (a session's
// energy, a power): the baseline keeps its type ("v d"), not its value. Other short returns are answers that stay
// (SetValue's "i 0", RequestName's "u 1").
std::string return_body(const std::string& body) {
    if (body.starts_with("v ")) {
        auto type_end = body.find(' ', 2);
        return body.substr(0, type_end);
    }
    return body;
}

void append(std::string& line, std::string_view word) {
    if (word.empty()) {
        return;
    }
    if (!line.empty()) {
        line += ' ';
    }
    line += word;
}

std::string_view kind_of(Type type) {
    switch (type) {
        case Type::method_call:
            return "call";
        case Type::method_return:
            return "return";
        case Type::error:
            return "error";
        case Type::signal:
            return "signal";
        default:
            return "invalid";
    }
}

// The bus hands out unique names (":1.23") in connection order, which a run does not fix.
bool is_unique_name(std::string_view name) {
    return name.starts_with(':');
}

// "sender → destination", "→ destination", or "from sender" for a broadcast signal, which names no destination.
std::string endpoints(const DbusMessage& message, bool keep_unique_names) {
    const auto kept = [&](const std::string& name) {
        return keep_unique_names || !is_unique_name(name) ? name : std::string();
    };
    const std::string sender = kept(message.sender);
    const std::string destination = kept(message.destination);
    if (destination.empty()) {
        return sender.empty() ? "" : "from " + sender;
    }
    return sender.empty() ? "→ " + destination : sender + " → " + destination;
}

// What the message is about: member and path (and interface) of a call or signal, the error's name.
std::string subject(const DbusMessage& message, bool with_interface) {
    std::string line;
    if (message.type == Type::error) {
        append(line, message.error_name);
    } else if (message.type == Type::method_call || message.type == Type::signal) {
        append(line, message.member);
        append(line, message.path);
        append(line, with_interface ? message.interface : "");
    }
    return line;
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

bool is_unique_name_text(std::string_view text) {
    return text.size() > 1 && is_unique_name(text) && std::all_of(text.begin() + 1, text.end(), is_name_char);
}

// Where the string that opens at `open` closes, past its escapes; npos if it does not.
std::size_t closing_quote(std::string_view body, std::size_t open) {
    for (std::size_t at = open + 1; at < body.size(); ++at) {
        if (body[at] == '\\') {
            ++at;
        } else if (body[at] == '"') {
            return at;
        }
    }
    return std::string_view::npos;
}

// Unique names inside a body (Hello's reply, GetNameOwner's) vary with connection order as the header's do.
std::string without_unique_names(std::string_view body) {
    std::string out;
    std::size_t at = 0;
    while (at < body.size()) {
        const std::size_t open = body.find('"', at);
        const std::size_t close = open == std::string_view::npos ? open : closing_quote(body, open);
        if (close == std::string_view::npos) {
            out += body.substr(at);
            break;
        }
        out += body.substr(at, open - at);
        const auto text = body.substr(open + 1, close - open - 1);
        out += is_unique_name_text(text) ? std::string_view("\":unique\"") : body.substr(open, close + 1 - open);
        at = close + 1;
    }
    return out;
}

// The body's length on the wire, from the fixed header of a message that parsed.
std::uint32_t body_length(FrameBytes frame) {
    std::uint32_t length = 0;
    for (std::size_t k = 0; k < 4; ++k) {
        length = (length << 8) | frame[4 + (frame[0] == 'B' ? k : 3 - k)];
    }
    return length;
}

// Calls keep their bodies: what the driver asks for is the protocol. Signals lose theirs: they carry measurements.
std::string baseline_body(const DbusMessage& message, FrameBytes frame) {
    switch (message.type) {
        case Type::method_call:
            return without_unique_names(message.body);
        case Type::method_return:
            return message.body.size() <= max_baseline_return_body ? return_body(without_unique_names(message.body))
                                                                   : fmt::format("({} bytes)", body_length(frame));
        case Type::error:
            return message.body.size() <= max_baseline_return_body ? without_unique_names(message.body)
                                                                   : fmt::format("({} bytes)", body_length(frame));
        default:
            return "";
    }
}

class DbusCodec final : public FrameCodec {
public:
    std::string_view protocol() const override { return "dbus"; }

    // "call SetValue /SetCurrent com.victronenergy.BusItem :1.4 → com.victronenergy.evcharger.garage serial 7:
    // v i 10". Hex would be too long to read for a message; the decoded header and body say all of it.
    std::string_view frame_legend() const override {
        return "message type, member and path, sender and destination, serial, then the body";
    }
    std::string text_line(FrameBytes frame, bool /*to_device*/) const override {
        const auto message = parse_dbus_message(frame);
        if (!message) {
            return "unparsed: " + hex_bytes(frame);
        }
        std::string line(kind_of(message->type));
        append(line, subject(*message, true));
        append(line, endpoints(*message, true));
        append(line, fmt::format("serial {}", message->serial));
        if (message->reply_serial) {
            append(line, fmt::format("reply to {}", *message->reply_serial));
        }
        if (message->type == Type::method_call && message->flags != 0) {
            append(line, fmt::format("flags 0x{:02x}", message->flags));  // the flags only mean something on calls
        }
        if (!message->body.empty()) {
            line += ": " + message->body;
        }
        return line;
    }

    // "call SetValue /SetCurrent v i 10", "return i 0", "signal ItemsChanged /": no serials, no unique names.
    std::string baseline_line(FrameBytes frame, bool /*to_device*/) const override {
        const auto message = parse_dbus_message(frame);
        if (!message) {
            return "malformed D-Bus message";
        }
        std::string line(kind_of(message->type));
        append(line, subject(*message, false));
        append(line, endpoints(*message, false));
        append(line, baseline_body(*message, frame));
        return line;
    }

    // A call that asks for no reply gets none, so nothing should wait for one.
    std::optional<std::uint32_t> pairing_key(FrameBytes frame, bool /*to_device*/) const override {
        const auto message = parse_dbus_message(frame);
        if (!message) {
            return std::nullopt;
        }
        if (message->type == Type::method_call) {
            return (message->flags & no_reply_expected) != 0 ? std::nullopt : std::optional(message->serial);
        }
        return message->type == Type::signal ? std::nullopt : message->reply_serial;
    }

    // A method return cannot tell which call it answers (SetValue's 0 or not): only an error refuses.
    bool is_refusal(FrameBytes response) const override {
        const auto message = parse_dbus_message(response);
        return message && message->type == Type::error;
    }

    std::optional<double> setpoint_in(FrameBytes /*request*/) const override { return std::nullopt; }

    PcapEncapsulation pcap() const override { return {0, linktype_dbus}; }
};

}  // namespace

std::shared_ptr<const FrameCodec> make_dbus_codec() {
    return std::make_shared<DbusCodec>();
}

}  // namespace evhil::harness
