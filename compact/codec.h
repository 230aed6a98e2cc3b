#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "compact/varint.h"

// The byte codec of everything eddy writes outside memory: journal records, snapshots and (with
// sync) the frames on the wire. Varints keep records small on flash; the decoder checks every
// length against the bytes it has, so that a corrupt or hostile input is an error value, never a
// read past the end or an allocation of whatever a length field claims.
namespace eddy::compact {

// Fixed-width little-endian fields patched in place (record and frame headers).
inline uint32_t load_le32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
inline void store_le32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(uint64_t v) { put_varint(out_, v); }
  void svarint(int64_t v) { put_varint(out_, zigzag(v)); }
  void fixed32(uint32_t v) { fixed(v, 4); }
  void fixed64(uint64_t v) { fixed(v, 8); }
  // A length-prefixed byte string.
  void bytes(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  std::string& out() { return out_; }

 private:
  void fixed(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string& out_;
};

// Reads what Encoder wrote. Every read returns false (and leaves the decoder failed) when the
// input is too short or malformed; callers check once at the end or bail out at the first false.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  bool ok() const { return ok_; }
  bool done() const { return ok_ && p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool fail() { return ok_ = false; }

  bool u8(uint8_t& v) {
    if (!ok_ || p_ == end_) return fail();
    v = static_cast<uint8_t>(*p_++);
    return true;
  }
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!u8(b)) return false;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return fail();
  }
  bool svarint(int64_t& v) {
    uint64_t z;
    if (!varint(z)) return false;
    v = unzigzag(z);
    return true;
  }
  // A count of items that each take at least `min_item_bytes`: refused when the input cannot
  // hold that many, so a corrupt count never drives a huge reservation.
  bool count(uint64_t& n, size_t min_item_bytes = 1) {
    if (!varint(n)) return false;
    if (min_item_bytes > 0 && n > remaining() / min_item_bytes) return fail();
    return true;
  }
  bool fixed32(uint32_t& v) {
    uint64_t w;
    if (!fixed(w, 4)) return false;
    v = static_cast<uint32_t>(w);
    return true;
  }
  bool fixed64(uint64_t& v) { return fixed(v, 8); }
  bool bytes(std::string_view& s) {
    uint64_t n;
    if (!varint(n)) return false;
    return raw(n, s);
  }
  bool bytes(std::string& s) {
    std::string_view view;
    if (!bytes(view)) return false;
    s.assign(view);
    return true;
  }
  bool raw(size_t n, std::string_view& s) {
    if (!ok_ || n > remaining()) return fail();
    s = std::string_view(p_, n);
    p_ += n;
    return true;
  }

 private:
  bool fixed(uint64_t& v, int n) {
    if (!ok_ || remaining() < static_cast<size_t>(n)) return fail();
    v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p_[i])) << (8 * i);
    p_ += n;
    return true;
  }

  const char* p_;
  const char* end_;
  bool ok_ = true;
};

}  // namespace eddy::compact
