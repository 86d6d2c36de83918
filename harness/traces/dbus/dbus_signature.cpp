// D-Bus type signatures and the text checks the wire format demands (dbus_signature.hpp). Tests:
// tests/unit/dbus_message_test.cpp.

#include "harness/traces/dbus/dbus_signature.hpp"

#include <optional>

namespace evhil::harness {
namespace {

// The specification bounds arrays and structs separately, each at 32 deep.
constexpr int max_array_nesting = 32;
constexpr int max_struct_nesting = 32;

struct Nesting {
    int arrays = 0;
    int structs = 0;
};

std::optional<std::size_t> complete_type_length(std::string_view signature, Nesting nesting);

bool is_path_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_basic(char code) {
    return std::string_view("ybnqiuxtdsogh").find(code) != std::string_view::npos;
}

// A dict entry is only ever an array's element: a basic key, exactly one value.
std::optional<std::size_t> dict_entry_length(std::string_view signature, Nesting nesting) {
    if (++nesting.structs > max_struct_nesting || signature.size() < 4 || !is_basic(signature[1])) {
        return std::nullopt;
    }
    const auto value = complete_type_length(signature.substr(2), nesting);
    if (!value || 2 + *value >= signature.size() || signature[2 + *value] != '}') {
        return std::nullopt;
    }
    return 3 + *value;
}

std::optional<std::size_t> array_type_length(std::string_view signature, Nesting nesting) {
    if (++nesting.arrays > max_array_nesting) {
        return std::nullopt;
    }
    const auto element = signature.substr(1);
    const auto length =
        element.starts_with('{') ? dict_entry_length(element, nesting) : complete_type_length(element, nesting);
    return length ? std::optional<std::size_t>(1 + *length) : std::nullopt;
}

std::optional<std::size_t> struct_type_length(std::string_view signature, Nesting nesting) {
    if (++nesting.structs > max_struct_nesting) {
        return std::nullopt;
    }
    std::size_t at = 1;
    while (at < signature.size() && signature[at] != ')') {
        const auto field = complete_type_length(signature.substr(at), nesting);
        if (!field) {
            return std::nullopt;
        }
        at += *field;
    }
    const bool closed_with_fields = at > 1 && at < signature.size();
    return closed_with_fields ? std::optional<std::size_t>(at + 1) : std::nullopt;
}

// How many characters the one complete type at the start of `signature` takes; nullopt if it starts none.
std::optional<std::size_t> complete_type_length(std::string_view signature, Nesting nesting) {
    if (signature.empty()) {
        return std::nullopt;
    }
    if (is_basic(signature[0]) || signature[0] == 'v') {
        return 1;
    }
    if (signature[0] == 'a') {
        return array_type_length(signature, nesting);
    }
    if (signature[0] == '(') {
        return struct_type_length(signature, nesting);
    }
    return std::nullopt;  // '{' outside an array, a closer without its opener, an unknown type code
}

}  // namespace

bool is_utf8(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size()) {
        const auto lead = static_cast<unsigned char>(text[at]);
        const std::size_t extra = lead < 0x80           ? 0
                                  : (lead >> 5) == 0x6  ? 1
                                  : (lead >> 4) == 0xe  ? 2
                                  : (lead >> 3) == 0x1e ? 3
                                                        : 4;
        if (extra == 4 || text.size() - at - 1 < extra) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(text[at + k]) & 0xc0) != 0x80) {
                return false;
            }
        }
        at += extra + 1;
    }
    return true;
}

// "/" alone, or elements of [A-Za-z0-9_] each after one slash.
bool is_object_path(std::string_view path) {
    if (path.empty() || path[0] != '/') {
        return false;
    }
    if (path.size() == 1) {
        return true;
    }
    if (path.back() == '/') {
        return false;
    }
    for (std::size_t at = 1; at < path.size(); ++at) {
        const bool empty_element = path[at] == '/' && path[at - 1] == '/';
        if (empty_element || (path[at] != '/' && !is_path_char(path[at]))) {
            return false;
        }
    }
    return true;
}

bool is_valid_signature(std::string_view signature) {
    std::size_t at = 0;
    while (at < signature.size()) {
        const auto length = complete_type_length(signature.substr(at), {});
        if (!length) {
            return false;
        }
        at += *length;
    }
    return signature.size() <= 255;
}

bool is_single_complete_type(std::string_view signature) {
    return complete_type_length(signature, {}) == signature.size();
}

// For a signature already validated: its first complete type.
std::string_view first_type(std::string_view signature) {
    return signature.substr(0, complete_type_length(signature, {}).value_or(signature.size()));
}

std::size_t alignment_of(char code) {
    switch (code) {
        case 'y':
        case 'g':
        case 'v':
            return 1;
        case 'n':
        case 'q':
            return 2;
        case 'x':
        case 't':
        case 'd':
        case '(':
        case '{':
            return 8;
        default:
            return 4;  // b i u h s o a
    }
}

}  // namespace evhil::harness
