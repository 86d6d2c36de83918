#include "drivers/web/credentials.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace evhil::web {
namespace {

void initialise() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
    std::string hex(size * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes, size);
    hex.pop_back();
    return hex;
}

}  // namespace

std::string hash_password(std::string_view password) {
    initialise();
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str(out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        throw std::runtime_error("not enough memory to hash the password");
    }
    return out.data();
}

bool verify_password(const std::string& stored_hash, std::string_view password) {
    initialise();
    if (stored_hash.empty()) {
        return false;
    }
    return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_token() {
    initialise();
    std::array<unsigned char, 32> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    return to_hex(bytes.data(), bytes.size());
}

std::string token_digest(std::string_view token) {
    initialise();
    std::array<unsigned char, crypto_generichash_BYTES> digest{};
    crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                       nullptr, 0);
    return "blake2b:" + to_hex(digest.data(), digest.size());
}

bool verify_token(const std::string& stored_digest, std::string_view token) {
    return !stored_digest.empty() && equal_secrets(token_digest(token), stored_digest);
}

bool equal_secrets(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    initialise();
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace evhil::web
