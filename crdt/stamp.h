#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace eddy::crdt {

// A replica's 64-bit identity is interned to a small per-process index so that per-element
// metadata stays small. Index 0 is "nobody" (an absent stamp).
using NodeIndex = uint32_t;

class NodeRegistry {
 public:
  // A fresh random identity (never 0, which means "nobody").
  static uint64_t new_replica_id();
  static NodeIndex intern(uint64_t replica_id);
  static uint64_t id(NodeIndex index);
  static size_t size();
};

// A stamp is at once the identity of a write (a dot), an entry of a causal context and an LWW
// timestamp. Ordered by (HLC, replica id); the id, not the process-local index, breaks ties so
// that every replica orders stamps the same way. Packed to 12 bytes.
struct __attribute__((packed, aligned(4))) Stamp {
  uint64_t hlc = 0;
  NodeIndex node = 0;

  bool empty() const { return hlc == 0; }
  friend bool operator==(const Stamp& a, const Stamp& b) { return a.hlc == b.hlc && a.node == b.node; }
  friend bool operator<(const Stamp& a, const Stamp& b) {
    if (a.hlc != b.hlc) return a.hlc < b.hlc;
    return a.node != b.node && NodeRegistry::id(a.node) < NodeRegistry::id(b.node);
  }
  friend bool operator>(const Stamp& a, const Stamp& b) { return b < a; }
  friend bool operator<=(const Stamp& a, const Stamp& b) { return !(b < a); }
};
static_assert(sizeof(Stamp) == 12);

// HLC layout: 48 bits of Unix milliseconds, 16 bits of logical counter.
inline constexpr int kHlcLogicalBits = 16;
inline int64_t hlc_millis(uint64_t hlc) { return static_cast<int64_t>(hlc >> kHlcLogicalBits); }
inline uint64_t hlc_from_millis(int64_t ms) { return static_cast<uint64_t>(ms) << kHlcLogicalBits; }

}  // namespace eddy::crdt
