// The D-Bus wire format decoder (dbus_message.hpp). Tests: tests/unit/dbus_message_test.cpp.

#include "harness/traces/dbus/dbus_message.hpp"

#include "harness/traces/dbus/dbus_signature.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <string_view>

namespace evhil::harness {
namespace {

using Bytes = std::span<const std::uint8_t>;

// The specification's limits. A length past them is garbage read as a length, not a large message.
constexpr std::uint64_t max_message_length = std::uint64_t{1} << 27;
constexpr std::uint32_t max_array_length = std::uint32_t{1} << 26;
constexpr int max_container_depth = 64;  // arrays, structs and variants together, variants being unbounded otherwise
constexpr std::size_t fixed_header_length = 16;
constexpr std::size_t fields_length_offset = 12;

// ---- the wire ---------------------------------------------------------------------------------------------------

// Reads values at their alignment from the message's first byte. A failed read sticks: later reads return zeros
// and empty strings and the caller checks ok() once, which keeps every decoding step free of error plumbing.
class WireReader {
public:
    WireReader(Bytes bytes, bool big_endian, std::size_t at = 0) : bytes_(bytes), big_endian_(big_endian), at_(at) {}

    bool ok() const { return ok_; }
    std::size_t offset() const { return at_; }
    void fail() { ok_ = false; }

    // Padding must be zeros; anything else there means the reader has lost its place.
    void align(std::size_t alignment) {
        while (ok_ && at_ % alignment != 0) {
            if (byte() != 0) {
                fail();
            }
        }
    }

    std::uint8_t byte() {
        if (!ok_ || at_ >= bytes_.size()) {
            fail();
            return 0;
        }
        return bytes_[at_++];
    }

    std::uint64_t number(std::size_t size) {
        align(size);
        if (!ok_ || bytes_.size() - at_ < size) {
            fail();
            return 0;
        }
        std::uint64_t value = 0;
        for (std::size_t k = 0; k < size; ++k) {
            value = (value << 8) | bytes_[at_ + (big_endian_ ? k : size - 1 - k)];
        }
        at_ += size;
        return value;
    }

    std::uint32_t u32() { return static_cast<std::uint32_t>(number(4)); }

    // s and o carry a 32-bit length, g an 8-bit one; all end in a NUL the length leaves out, and hold no other.
    std::string string() { return text(u32()); }
    std::string signature() { return text(byte()); }

private:
    std::string text(std::size_t length) {
        if (!ok_ || bytes_.size() - at_ <= length) {
            fail();
            return {};
        }
        const auto chars = bytes_.subspan(at_, length);
        if (bytes_[at_ + length] != 0 || std::find(chars.begin(), chars.end(), 0) != chars.end()) {
            fail();
            return {};
        }
        at_ += length + 1;
        return {chars.begin(), chars.end()};
    }

    Bytes bytes_;
    bool big_endian_;
    std::size_t at_;
    bool ok_ = true;
};

// A string-like value with the check its type demands.
std::string read_text(WireReader& wire, char code) {
    std::string text = code == 'g' ? wire.signature() : wire.string();
    const bool valid = code == 'o' ? is_object_path(text) : code == 'g' ? is_valid_signature(text) : is_utf8(text);
    if (!valid) {
        wire.fail();
    }
    return text;
}

// ---- values as text ---------------------------------------------------------------------------------------------

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out += c;
        }
    }
    return out + '"';
}

// Writes values busctl's way: a value whose type the reader cannot know yet (top level, inside a variant) after
// its signature, everything inside a container bare.
class ValueText {
public:
    explicit ValueText(WireReader& wire) : wire_(wire) {}

    void typed_value(std::string_view type, int depth) {
        word(type);
        value(type, depth);
    }

    // `depth`: the containers around the value.
    void value(std::string_view type, int depth) {
        const bool container = type[0] == 'a' || type[0] == '(' || type[0] == '{' || type[0] == 'v';
        if (!wire_.ok() || (container && depth >= max_container_depth)) {
            wire_.fail();
            return;
        }
        switch (type[0]) {
            case 'a':
                return array(type.substr(1), depth + 1);
            case '(':
                wire_.align(8);
                word("(");
                fields(type.substr(1, type.size() - 2), depth + 1);
                return word(")");
            case '{':
                wire_.align(8);  // a dict entry's key and value follow each other, the array says what they are
                return fields(type.substr(1, type.size() - 2), depth + 1);
            case 'v':
                return variant(depth + 1);
            default:
                return basic(type[0]);
        }
    }

    std::string take() { return std::move(out_); }

private:
    void word(std::string_view text) {
        if (!out_.empty()) {
            out_ += ' ';
        }
        out_ += text;
    }

    // `a<element> N <elements>`: the count is what a reader looks for first, so it comes before them.
    void array(std::string_view element, int depth) {
        const std::uint32_t length = wire_.u32();
        wire_.align(alignment_of(element[0]));  // there even when the array is empty
        if (length > max_array_length) {
            wire_.fail();
            return;
        }
        const std::size_t end = wire_.offset() + length;
        ValueText elements(wire_);
        std::size_t count = 0;
        while (wire_.ok() && wire_.offset() < end) {
            elements.value(element, depth);
            ++count;
        }
        if (wire_.offset() != end) {
            wire_.fail();  // the last element ran past the array's length
        }
        word(std::to_string(count));
        if (!elements.out_.empty()) {
            word(elements.out_);
        }
    }

    void fields(std::string_view types, int depth) {
        while (!types.empty() && wire_.ok()) {
            const auto type = first_type(types);
            value(type, depth);
            types.remove_prefix(type.size());
        }
    }

    void variant(int depth) {
        const std::string type = wire_.signature();
        if (!wire_.ok() || !is_single_complete_type(type)) {
            wire_.fail();
            return;
        }
        typed_value(type, depth);
    }

    void basic(char code) {
        switch (code) {
            case 'y':
                return word(std::to_string(wire_.byte()));
            case 'b':
                return boolean();
            case 'n':
                return word(std::to_string(static_cast<std::int16_t>(wire_.number(2))));
            case 'q':
                return word(std::to_string(wire_.number(2)));
            case 'i':
                return word(std::to_string(static_cast<std::int32_t>(wire_.number(4))));
            case 'x':
                return word(std::to_string(static_cast<std::int64_t>(wire_.number(8))));
            case 'd':
                return word(fmt::format("{}", std::bit_cast<double>(wire_.number(8))));  // shortest round trip
            case 's':
            case 'g':
                return word(quoted(read_text(wire_, code)));
            case 'o':
                return word(read_text(wire_, code));
            default:
                return word(std::to_string(wire_.number(alignment_of(code))));  // u, t, h (an fd's index)
        }
    }

    void boolean() {
        const std::uint32_t value = wire_.u32();
        if (value > 1) {
            wire_.fail();
        }
        word(value == 1 ? "true" : "false");
    }

    WireReader& wire_;
    std::string out_;
};

std::string body_text(WireReader& wire, std::string_view signature) {
    ValueText text(wire);
    while (!signature.empty() && wire.ok()) {
        const auto type = first_type(signature);
        text.typed_value(type, 0);
        signature.remove_prefix(type.size());
    }
    return text.take();
}

// ---- the header -------------------------------------------------------------------------------------------------

struct FixedHeader {
    bool big_endian = false;
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::uint32_t body_length = 0;
    std::uint32_t serial = 0;
    std::uint32_t fields_length = 0;
};

std::optional<FixedHeader> fixed_header(Bytes bytes) {
    if (bytes.size() < fixed_header_length || (bytes[0] != 'l' && bytes[0] != 'B') || bytes[3] != 1) {
        return std::nullopt;  // too short, no endianness, or a protocol version other than the only one
    }
    FixedHeader header;
    header.big_endian = bytes[0] == 'B';
    header.type = bytes[1];
    header.flags = bytes[2];
    WireReader wire(bytes.first(fixed_header_length), header.big_endian, 4);
    header.body_length = wire.u32();
    header.serial = wire.u32();
    header.fields_length = wire.u32();
    return header;
}

std::optional<DbusMessage::Type> type_of(std::uint8_t code) {
    switch (code) {
        case 1:
            return DbusMessage::Type::method_call;
        case 2:
            return DbusMessage::Type::method_return;
        case 3:
            return DbusMessage::Type::error;
        case 4:
            return DbusMessage::Type::signal;
        default:
            return std::nullopt;  // 0 is invalid by the specification; others are no message we could describe
    }
}

struct TextField {
    std::uint8_t code;
    char type;
    std::string DbusMessage::*member;
};

constexpr std::array text_fields{
    TextField{1, 'o', &DbusMessage::path},        TextField{2, 's', &DbusMessage::interface},
    TextField{3, 's', &DbusMessage::member},      TextField{4, 's', &DbusMessage::error_name},
    TextField{6, 's', &DbusMessage::destination}, TextField{7, 's', &DbusMessage::sender},
    TextField{8, 'g', &DbusMessage::signature},
};
constexpr std::uint8_t invalid_field = 0;
constexpr std::uint8_t reply_serial_field = 5;
constexpr std::uint8_t unix_fds_field = 9;

// One (code, variant) of the header's a(yv). A known code must hold its type; an unknown one is read past, as the
// specification asks, so that a newer sender's fields do not make its messages unreadable.
void read_header_field(WireReader& wire, DbusMessage& message) {
    wire.align(8);
    const std::uint8_t code = wire.byte();
    const std::string type = wire.signature();
    if (!wire.ok() || code == invalid_field || !is_single_complete_type(type)) {
        return wire.fail();
    }
    const auto text = std::find_if(text_fields.begin(), text_fields.end(), [&](auto f) { return f.code == code; });
    if (text != text_fields.end()) {
        if (type.size() != 1 || type[0] != text->type) {
            return wire.fail();
        }
        message.*(text->member) = read_text(wire, text->type);
    } else if (code == reply_serial_field || code == unix_fds_field) {
        if (type != "u") {
            return wire.fail();
        }
        const std::uint32_t value = wire.u32();
        if (code == reply_serial_field) {
            message.reply_serial = value;
        }
    } else {
        ValueText(wire).value(type, 3);  // inside the fields array, its struct and the variant
    }
}

void read_header_fields(WireReader& wire, DbusMessage& message) {
    const std::uint32_t length = wire.u32();
    const std::size_t end = wire.offset() + length;  // the fields start aligned at 16: no padding before them
    while (wire.ok() && wire.offset() < end) {
        read_header_field(wire, message);
    }
    if (wire.offset() != end) {
        wire.fail();
    }
    wire.align(8);  // the body starts at a multiple of 8, even when there is none
}

// What each type must carry for the bus to route it and for a reader to know what it is.
bool has_required_fields(const DbusMessage& message) {
    switch (message.type) {
        case DbusMessage::Type::method_call:
            return !message.path.empty() && !message.member.empty();
        case DbusMessage::Type::signal:
            return !message.path.empty() && !message.interface.empty() && !message.member.empty();
        case DbusMessage::Type::error:
            return !message.error_name.empty() && message.reply_serial.has_value();
        case DbusMessage::Type::method_return:
            return message.reply_serial.has_value();
        default:
            return false;
    }
}

}  // namespace

std::optional<std::size_t> dbus_message_length(std::span<const std::uint8_t> bytes) {
    const auto header = fixed_header(bytes);
    if (!header || header->fields_length > max_array_length) {
        return std::nullopt;
    }
    const std::uint64_t header_length = (fixed_header_length + std::uint64_t{header->fields_length} + 7) / 8 * 8;
    const std::uint64_t total = header_length + header->body_length;
    if (total > max_message_length) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(total);
}

std::optional<DbusMessage> parse_dbus_message(std::span<const std::uint8_t> bytes) {
    const auto header = fixed_header(bytes);
    const auto type = header ? type_of(header->type) : std::nullopt;
    if (!type || header->serial == 0 || dbus_message_length(bytes) != bytes.size()) {
        return std::nullopt;
    }
    DbusMessage message;
    message.type = *type;
    message.flags = header->flags;
    message.serial = header->serial;
    WireReader wire(bytes, header->big_endian, fields_length_offset);
    read_header_fields(wire, message);
    if (!wire.ok() || !has_required_fields(message)) {
        return std::nullopt;
    }
    message.body = body_text(wire, message.signature);
    if (!wire.ok() || wire.offset() != bytes.size()) {
        return std::nullopt;  // a value ran past the body, or the body has bytes its signature does not explain
    }
    return message;
}

}  // namespace evhil::harness
