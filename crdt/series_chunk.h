#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/stamp.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

// One reading of a time series and the dot of the write that put it there (a sample is
// identified by its timestamp; the dot decides between concurrent writes of one timestamp and
// lets a TS.DEL remove only what its writer saw).
struct SeriesSample {
  int64_t ts = 0;
  double value = 0;
  Stamp dot;
  friend bool operator==(const SeriesSample& a, const SeriesSample& b);
};

// A run of samples in strictly increasing timestamp order, bit-packed as Gorilla does
// (Pelkonen et al., VLDB 2015): timestamps as deltas of deltas, values XOR-ed with the value
// before. Each sample's dot rides along cheaply: its node as "same as before" or a place in the
// chunk's small node table, and its HLC as the offset of its milliseconds from the sample's
// timestamp (a delta of deltas again: zero for live readings written with `*`, the write latency
// otherwise) plus its logical counter (one bit when zero). A sensor read once a second with
// regular timestamps costs about a bit for the timestamp, one or two for the dot, and whatever
// its value changes take.
//
// Appends at the end are incremental; anything else (an out-of-order insert, a removal)
// rebuilds the chunk from its decoded samples, as RedisTimeSeries does for compressed chunks.
class SampleChunk {
 public:
  size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  int64_t first_ts() const { return first_ts_; }
  int64_t last_ts() const { return tail_.ts; }
  // The newest sample, without decoding (appends keep it).
  SeriesSample last() const {
    return {tail_.ts, std::bit_cast<double>(tail_.value_bits), tail_.dot};
  }
  // The encoded size, what CHUNK_SIZE bounds.
  size_t bytes() const { return bits_.size(); }
  size_t bit_length() const { return bit_length_; }
  std::string_view data() const { return bits_; }
  const std::vector<NodeIndex>& nodes() const { return nodes_; }
  // The greatest dot per replica among the samples (the chunk's share of the key's context).
  const VersionVector& context() const { return context_; }

  // Appends a sample after the last one (s.ts > last_ts() unless empty).
  void append(const SeriesSample& s);
  std::vector<SeriesSample> decode() const;
  // Visits samples in order until `fn` returns false.
  template <class F>
  void for_each(F&& fn) const;

  static SampleChunk from(std::span<const SeriesSample> samples);

  // Decodes stored bytes (a snapshot's): `count` samples from `bits` (`bit_length` of them
  // used), node places mapped through `nodes` (the chunk's table, already translated). Nothing
  // when the bytes are malformed: too short, trailing bits, timestamps not strictly increasing,
  // a node place outside the table, an empty dot.
  static std::optional<std::vector<SeriesSample>> parse(std::string_view bits, size_t bit_length,
                                                        size_t count,
                                                        std::span<const NodeIndex> nodes);

  size_t heap_bytes() const;

 private:
  class Reader;
  // The encoder's memory of the last sample: what the next one is coded against.
  struct Tail {
    int64_t ts = 0;
    int64_t ts_delta = 0;
    uint64_t value_bits = 0;
    uint8_t leading = 0xff;  // 0xff: no XOR window yet
    uint8_t trailing = 0;
    int64_t offset = 0;  // dot milliseconds minus timestamp
    int64_t offset_delta = 0;
    uint32_t place = 0xffffffff;
    Stamp dot;
  };

  void put(uint64_t v, int n);
  void put_dod(int64_t dod);
  uint32_t place_of(NodeIndex node);

  std::string bits_;
  size_t bit_length_ = 0;
  uint32_t count_ = 0;
  int64_t first_ts_ = 0;
  Tail tail_;
  std::vector<NodeIndex> nodes_;
  VersionVector context_;
};

// Reads what SampleChunk wrote; every read is checked against the bit length.
class SampleChunk::Reader {
 public:
  Reader(std::string_view bits, size_t bit_length, std::span<const NodeIndex> nodes)
      : bits_(bits), length_(bit_length), nodes_(nodes) {}
  bool next(SeriesSample& out);
  bool done() const { return pos_ == length_; }

 private:
  bool get(int n, uint64_t& v);
  bool bit(bool& b);
  bool dod(int64_t& v);

  std::string_view bits_;
  size_t length_;
  size_t pos_ = 0;
  std::span<const NodeIndex> nodes_;
  uint32_t index_ = 0;
  Tail tail_;
};

template <class F>
void SampleChunk::for_each(F&& fn) const {
  Reader reader(bits_, bit_length_, nodes_);
  SeriesSample s;
  for (uint32_t i = 0; i < count_; ++i) {
    reader.next(s);
    if (!fn(s)) return;
  }
}

}  // namespace eddy::crdt
