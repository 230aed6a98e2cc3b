#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace eddy::compact {

// A fast 64-bit string hash (multiply-mix over 8-byte words, in the spirit of wyhash), seeded per
// process so that keys chosen by a client cannot be aimed at one bucket.
inline uint64_t mix64(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t hash_bytes(std::string_view s, uint64_t seed) {
  constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = seed ^ (n * k0);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = mix64(h ^ w, k1);
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  return mix64(h ^ tail ^ k0, k1 ^ (static_cast<uint64_t>(n) << 56));
}

uint64_t process_hash_seed();

}  // namespace eddy::compact
