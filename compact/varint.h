#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

// LEB128 varints for the packed encodings: 7 bits per byte, least significant group first. The
// backward form (Redis listpack's "backlen") can be read from its last byte towards the front, so
// that a packed sequence can be walked in both directions.
namespace eddy::compact {

inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

inline void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline uint64_t get_varint(const char*& p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
}

inline uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// The backward form: most significant group first, every byte but the first flagged, so that a
// reader starting at the last byte knows whether more bytes precede it.
inline void put_backlen(std::string& out, uint64_t v) {
  const size_t n = varint_size(v);
  for (size_t i = n; i-- > 0;) {
    auto group = static_cast<char>((v >> (7 * i)) & 0x7f);
    out.push_back(i + 1 == n ? group : static_cast<char>(group | 0x80));
  }
}

// Reads the backward form ending just before `end`; returns the value and moves `end` to its
// first byte.
inline uint64_t get_backlen(const char*& end) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(*--end);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
}

}  // namespace eddy::compact
