#include "crdt/series_chunk.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace eddy::crdt {
namespace {

constexpr uint64_t kLogicalMask = (uint64_t{1} << kHlcLogicalBits) - 1;
constexpr int64_t kMaxHlcMillis = (int64_t{1} << (64 - kHlcLogicalBits)) - 1;

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t z) { return static_cast<int64_t>((z >> 1) ^ (0 - (z & 1))); }

// Wrapping arithmetic: deltas of arbitrary int64 timestamps never overflow in a way the decoder
// cannot undo.
int64_t wrap_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrap_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// Delta-of-delta buckets: a '1' per bucket passed, a '0' to stop, then the zigzag value in the
// bucket's width. Regular intervals take the first bucket: one bit.
constexpr int kDodWidths[] = {0, 7, 12, 20, 32, 64};

}  // namespace

bool operator==(const SeriesSample& a, const SeriesSample& b) {
  return a.ts == b.ts && std::bit_cast<uint64_t>(a.value) == std::bit_cast<uint64_t>(b.value) &&
         a.dot == b.dot;
}

void SampleChunk::put(uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) {
    if (bit_length_ % 8 == 0) bits_.push_back(0);
    if ((v >> i) & 1) bits_.back() = static_cast<char>(bits_.back() | (0x80 >> (bit_length_ % 8)));
    ++bit_length_;
  }
}

void SampleChunk::put_dod(int64_t dod) {
  const uint64_t z = zigzag(dod);
  constexpr int kBuckets = static_cast<int>(std::size(kDodWidths));
  for (int b = 0; b < kBuckets; ++b) {
    const int width = kDodWidths[b];
    if (b == kBuckets - 1 || (width < 64 && z < (uint64_t{1} << width))) {
      // b ones, then a zero unless this is the last bucket.
      put((uint64_t{1} << b) - 1, b);
      if (b < kBuckets - 1) put(0, 1);
      put(z, width);
      return;
    }
  }
}

uint32_t SampleChunk::place_of(NodeIndex node) {
  auto it = std::find(nodes_.begin(), nodes_.end(), node);
  if (it != nodes_.end()) return static_cast<uint32_t>(it - nodes_.begin());
  nodes_.push_back(node);
  return static_cast<uint32_t>(nodes_.size() - 1);
}

void SampleChunk::append(const SeriesSample& s) {
  const uint64_t value_bits = std::bit_cast<uint64_t>(s.value);
  const int64_t offset = wrap_sub(hlc_millis(s.dot.hlc), s.ts);
  const uint32_t place = place_of(s.dot.node);
  if (count_ == 0) {
    first_ts_ = s.ts;
    put(static_cast<uint64_t>(s.ts), 64);
    put(value_bits, 64);
    tail_.ts_delta = 0;
    tail_.offset_delta = 0;
    put(static_cast<uint64_t>(offset), 64);
  } else {
    const int64_t delta = wrap_sub(s.ts, tail_.ts);
    put_dod(wrap_sub(delta, tail_.ts_delta));
    tail_.ts_delta = delta;
    const uint64_t x = value_bits ^ tail_.value_bits;
    if (x == 0) {
      put(0, 1);
    } else {
      const int leading = std::min(std::countl_zero(x), 31);
      const int trailing = std::countr_zero(x);
      if (tail_.leading != 0xff && leading >= tail_.leading && trailing >= tail_.trailing) {
        put(0b10, 2);
        put(x >> tail_.trailing, 64 - tail_.leading - tail_.trailing);
      } else {
        const int meaningful = 64 - leading - trailing;
        put(0b11, 2);
        put(static_cast<uint64_t>(leading), 5);
        put(static_cast<uint64_t>(meaningful - 1), 6);
        put(x >> trailing, meaningful);
        tail_.leading = static_cast<uint8_t>(leading);
        tail_.trailing = static_cast<uint8_t>(trailing);
      }
    }
    const int64_t offset_delta = wrap_sub(offset, tail_.offset);
    put_dod(wrap_sub(offset_delta, tail_.offset_delta));
    tail_.offset_delta = offset_delta;
  }
  if (place == tail_.place) {
    put(0, 1);
  } else {
    put(1, 1);
    put(place, 32);
  }
  const uint64_t logical = s.dot.hlc & kLogicalMask;
  if (logical == 0) {
    put(0, 1);
  } else {
    put(1, 1);
    put(logical, kHlcLogicalBits);
  }
  tail_.ts = s.ts;
  tail_.value_bits = value_bits;
  tail_.offset = offset;
  tail_.place = place;
  tail_.dot = s.dot;
  context_.add(s.dot);
  ++count_;
}

SampleChunk SampleChunk::from(std::span<const SeriesSample> samples) {
  SampleChunk chunk;
  for (const SeriesSample& s : samples) chunk.append(s);
  chunk.bits_.shrink_to_fit();
  return chunk;
}

std::vector<SeriesSample> SampleChunk::decode() const {
  std::vector<SeriesSample> out;
  out.reserve(count_);
  for_each([&](const SeriesSample& s) {
    out.push_back(s);
    return true;
  });
  return out;
}

size_t SampleChunk::heap_bytes() const {
  return (bits_.capacity() > 15 ? bits_.capacity() + 1 : 0) + nodes_.capacity() * sizeof(NodeIndex);
}

bool SampleChunk::Reader::get(int n, uint64_t& v) {
  if (length_ - pos_ < static_cast<size_t>(n)) return false;
  v = 0;
  for (int i = 0; i < n; ++i, ++pos_)
    v = v << 1 | ((static_cast<uint8_t>(bits_[pos_ / 8]) >> (7 - pos_ % 8)) & 1);
  return true;
}

bool SampleChunk::Reader::bit(bool& b) {
  uint64_t v;
  if (!get(1, v)) return false;
  b = v;
  return true;
}

bool SampleChunk::Reader::dod(int64_t& out) {
  constexpr int kBuckets = static_cast<int>(std::size(kDodWidths));
  int b = 0;
  for (; b < kBuckets - 1; ++b) {
    bool one;
    if (!bit(one)) return false;
    if (!one) break;
  }
  uint64_t z;
  if (!get(kDodWidths[b], z)) return false;
  out = unzigzag(z);
  return true;
}

bool SampleChunk::Reader::next(SeriesSample& s) {
  uint64_t v;
  int64_t offset;
  if (index_ == 0) {
    uint64_t ts, value, off;
    if (!get(64, ts) || !get(64, value) || !get(64, off)) return false;
    s.ts = static_cast<int64_t>(ts);
    tail_.value_bits = value;
    offset = static_cast<int64_t>(off);
  } else {
    int64_t dod;
    if (!this->dod(dod)) return false;
    tail_.ts_delta = wrap_add(tail_.ts_delta, dod);
    s.ts = wrap_add(tail_.ts, tail_.ts_delta);
    if (s.ts <= tail_.ts) return false;  // strictly increasing, or the bytes are not a chunk
    bool changed;
    if (!bit(changed)) return false;
    if (changed) {
      bool fresh_window;
      if (!bit(fresh_window)) return false;
      if (fresh_window) {
        uint64_t leading, meaningful;
        if (!get(5, leading) || !get(6, meaningful)) return false;
        ++meaningful;
        if (leading + meaningful > 64) return false;
        tail_.leading = static_cast<uint8_t>(leading);
        tail_.trailing = static_cast<uint8_t>(64 - leading - meaningful);
      } else if (tail_.leading == 0xff) {
        return false;
      }
      const int width = 64 - tail_.leading - tail_.trailing;
      if (!get(width, v) || v == 0) return false;
      tail_.value_bits ^= v << tail_.trailing;
    }
    if (!this->dod(offset)) return false;
    tail_.offset_delta = wrap_add(tail_.offset_delta, offset);
    offset = wrap_add(tail_.offset, tail_.offset_delta);
  }
  bool new_place;
  if (!bit(new_place)) return false;
  if (new_place) {
    if (!get(32, v) || v >= nodes_.size()) return false;
    tail_.place = static_cast<uint32_t>(v);
  } else if (tail_.place >= nodes_.size()) {
    return false;
  }
  bool has_logical;
  uint64_t logical = 0;
  if (!bit(has_logical) || (has_logical && (!get(kHlcLogicalBits, logical) || logical == 0)))
    return false;
  // The dot's milliseconds must fit the HLC's 48 bits; overflow means corrupt bytes.
  int64_t millis;
  if (__builtin_add_overflow(s.ts, offset, &millis) || millis < 0 || millis > kMaxHlcMillis)
    return false;
  s.value = std::bit_cast<double>(tail_.value_bits);
  s.dot = Stamp{hlc_from_millis(millis) | logical, nodes_[tail_.place]};
  if (s.dot.empty() || s.dot.node == 0) return false;
  tail_.ts = s.ts;
  tail_.offset = offset;
  ++index_;
  return true;
}

std::optional<std::vector<SeriesSample>> SampleChunk::parse(std::string_view bits,
                                                            size_t bit_length, size_t count,
                                                            std::span<const NodeIndex> nodes) {
  if (bit_length > bits.size() * 8 || bits.size() != (bit_length + 7) / 8) return std::nullopt;
  // Every sample takes at least five bits: refuse counts the bytes cannot hold.
  if (count == 0 || count > bit_length / 5 + 1) return std::nullopt;
  // Unused bits of the last byte are zero, so that equal chunks have equal bytes.
  if (bit_length % 8 && (static_cast<uint8_t>(bits.back()) & (0xff >> (bit_length % 8))))
    return std::nullopt;
  Reader reader(bits, bit_length, nodes);
  std::vector<SeriesSample> out(count);
  for (SeriesSample& s : out)
    if (!reader.next(s)) return std::nullopt;
  if (!reader.done()) return std::nullopt;
  return out;
}

}  // namespace eddy::crdt
