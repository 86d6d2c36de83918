#pragma once
// D-Bus type signatures and the checks the wire format puts on text: what the message decoder (dbus_message.hpp)
// needs to know about a type before it reads a value of it. Tests: tests/unit/dbus_message_test.cpp.

#include <cstddef>
#include <string_view>

namespace evhil::harness {

bool is_utf8(std::string_view text);
// "/" alone, or elements of [A-Za-z0-9_] each after one slash.
bool is_object_path(std::string_view path);
// A sequence of complete types within the specification's nesting limits and 255 characters.
bool is_valid_signature(std::string_view signature);
bool is_single_complete_type(std::string_view signature);
// For a signature already validated: its first complete type.
std::string_view first_type(std::string_view signature);
// Where a value of the type that starts with `code` begins on the wire.
std::size_t alignment_of(char code);

}  // namespace evhil::harness
