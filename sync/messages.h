#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "crdt/effect.h"

// The messages of the edge/hub protocol as plain values: the protocol's logic (sync/hub.h,
// sync/edge.h) and its simulator use them as they are; sync/frame.h puts them on the wire.
namespace eddy::sync {

inline constexpr uint32_t kProtoVersion = 1;

// Applying a batch of units (a push at the hub, a pull at an edge), the keys of the unit this
// many ahead are prefetched: far enough for a cache miss to land, near enough for the line to
// still be there.
inline constexpr size_t kPrefetchAhead = 8;

// How an edge catches up with its hub (DESIGN.md section 6).
enum class CatchUp : uint8_t { kIncremental = 0, kStateSince = 1, kFullMerge = 2 };

// EDGE.HELLO: who the edge is and how far it got, both ways.
struct Hello {
  uint64_t replica_id = 0;
  uint32_t proto_version = 0;
  uint64_t last_seq = 0;    // the edge's last journaled seq
  uint64_t acked_seq = 0;   // the last seq the hub acknowledged to it
  uint64_t hub_cursor = 0;  // the hub position the edge has pulled and fsynced
  uint64_t hlc = 0;
  int64_t wall_ms = 0;
  std::string node_name;
  std::string auth_token;
  friend bool operator==(const Hello&, const Hello&) = default;
};

struct HelloReply {
  uint64_t hub_replica_id = 0;
  uint64_t acked_seq = 0;  // what the hub holds of this edge's units
  uint64_t head = 0;       // the hub journal's last position
  uint64_t horizon = 0;    // its first position still kept
  uint64_t hub_hlc = 0;
  int64_t hub_wall_ms = 0;
  CatchUp mode = CatchUp::kIncremental;
  friend bool operator==(const HelloReply&, const HelloReply&) = default;
};

// EDGE.PUSH: the edge's own units, seq ascending.
struct Push {
  std::vector<crdt::Unit> units;
  friend bool operator==(const Push&, const Push&) = default;
};

// EDGE.PULL: a long poll for the hub positions after `cursor`.
struct Pull {
  uint64_t cursor = 0;
  uint64_t max_bytes = 0;
  uint64_t wait_ms = 0;
  friend bool operator==(const Pull&, const Pull&) = default;
};

// The units at hub positions (from, to].
struct PullReply {
  uint64_t from = 0;
  uint64_t to = 0;
  std::vector<crdt::Unit> units;
  friend bool operator==(const PullReply&, const PullReply&) = default;
};

// EDGE.ACK: the edge has fsynced what it pulled up to `cursor`.
struct Ack {
  uint64_t cursor = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};

}  // namespace eddy::sync
