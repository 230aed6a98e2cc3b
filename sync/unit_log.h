#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "crdt/effect.h"
#include "sync/messages.h"

namespace eddy::sync {

// The hub's ordered log of every unit it applied: its own clients' units and the edges' ones,
// at positions 1, 2, 3, ... that are the hub journal's positions (a log rebuilt after a snapshot
// starts at the journal's next position). Edges pull from it in position order, which is an
// order consistent with causality: a unit reached the hub only after everything its writer had
// seen, and everything the hub had when it applied a unit sits at smaller positions.
//
// Only durable positions are served. A unit the hub applied but has not fsynced could vanish in a
// crash; if an edge had pulled it, the hub would then hand out the lost unit's seq (or, for an
// edge's unit, its position) again with other content, and replicas would diverge for good. So
// the server calls mark_durable when the journal's fsync covers a position, and read() stops
// there.
//
// Units are kept encoded (crdt::encode_unit) in 64 KiB chunks with a 4-byte end offset and a
// 4-byte origin per unit, so skipping a pulling edge's own units decodes nothing, and a trim
// frees whole chunks.
class UnitLog {
 public:
  explicit UnitLog(uint64_t first_position = 1);

  // Appends a unit the hub applied (and is journaling at the same position); returns the
  // position.
  uint64_t append(const crdt::Unit& unit);
  // The journal is fsynced through `position` (clamped to head()).
  void mark_durable(uint64_t position);

  uint64_t head() const { return next_ - 1; }  // the last position appended (horizon - 1: none)
  uint64_t durable() const { return durable_; }
  uint64_t horizon() const { return horizon_; }  // the first position still held

  // The units at positions after `after`, up to durable(), skipping those whose origin is
  // `skip_origin` (an edge never gets its own units back), within `max_bytes` of encoded units
  // but at least one when there is one. `to` is the last position examined, skipped ones
  // included, so the edge's cursor moves past them. A position before the horizon cannot be
  // served: the caller checks `after + 1 >= horizon()` first (the reply is then empty, to ==
  // after).
  PullReply read(uint64_t after, uint64_t max_bytes, crdt::NodeIndex skip_origin) const;

  // Forgets positions before `position` (never a position that is not durable yet): every edge
  // that will ever pull them has acknowledged them.
  void trim_before(uint64_t position);

  size_t units() const { return static_cast<size_t>(next_ - horizon_); }
  // Heap bytes held, chunk slack included.
  size_t memory_bytes() const;

 private:
  static constexpr size_t kChunkBytes = 64 << 10;
  struct Chunk {
    uint64_t first = 0;  // the position of its first unit
    std::string bytes;
    std::vector<uint32_t> ends;  // each unit's end offset in bytes
    std::vector<crdt::NodeIndex> origins;
    uint64_t last() const { return first + ends.size() - 1; }
  };

  std::deque<Chunk> chunks_;
  uint64_t next_;
  uint64_t horizon_;
  uint64_t durable_;
};

}  // namespace eddy::sync
