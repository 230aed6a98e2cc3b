#pragma once

#include <string>
#include <string_view>

namespace eddy::compact {

// SHA-256 of `data` as 64 lower-case hex digits, the form Redis stores ACL passwords in (and the
// form a hub keeps edge tokens in). Mbed TLS does the hashing; this is its only caller.
std::string sha256_hex(std::string_view data);

// Compares two strings in time that depends only on their lengths, so that checking a password
// hash leaks nothing about how many leading bytes matched.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace eddy::compact
