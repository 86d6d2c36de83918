#pragma once
// The web UI's secrets, on libsodium: a password stored as an Argon2id hash (crypto_pwhash_str, salt and cost in
// the string), an API token stored as its BLAKE2b digest (a random 32-byte token needs no slow hash), and the random
// session ids the login hands out. Comparisons are constant-time. Nothing here logs.
//
// Covered by tests/web/web_access_test.cpp (WebCredentials).

#include <string>
#include <string_view>

namespace evhil::web {

// Argon2id with libsodium's "interactive" cost (2 passes, 64 MiB): about 0.1 s on a PC, a second or two on a GX,
// paid once per login, not per request.
std::string hash_password(std::string_view password);
bool verify_password(const std::string& stored_hash, std::string_view password);

// 32 random bytes as 64 hex digits.
std::string random_token();
// "blake2b:" + 64 hex digits.
std::string token_digest(std::string_view token);
bool verify_token(const std::string& stored_digest, std::string_view token);

// Constant-time for strings of equal length.
bool equal_secrets(std::string_view a, std::string_view b);

}  // namespace evhil::web
