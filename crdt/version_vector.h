#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "crdt/stamp.h"

namespace eddy::crdt {

// Replica → highest HLC seen from it. Kept as a small sorted vector: per key it usually has one
// or two entries. Because delivery is causal, "stamp.hlc <= vv[stamp.node]" means "seen".
class VersionVector {
 public:
  struct Entry {
    NodeIndex node;
    uint64_t hlc;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  uint64_t get(NodeIndex node) const {
    auto it = lower(node);
    return it != entries_.end() && it->node == node ? it->hlc : 0;
  }
  bool covers(const Stamp& s) const { return !s.empty() && s.hlc <= get(s.node); }
  void add(const Stamp& s) { raise(s.node, s.hlc); }
  void raise(NodeIndex node, uint64_t hlc) {
    auto it = lower(node);
    if (it != entries_.end() && it->node == node)
      it->hlc = std::max(it->hlc, hlc);
    else
      entries_.insert(it, Entry{node, hlc});
  }
  void merge(const VersionVector& other) {
    for (const Entry& e : other.entries_) raise(e.node, e.hlc);
  }
  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  void clear() { entries_.clear(); }
  friend bool operator==(const VersionVector&, const VersionVector&) = default;

 private:
  std::vector<Entry>::iterator lower(NodeIndex node) {
    return std::lower_bound(entries_.begin(), entries_.end(), node,
                            [](const Entry& e, NodeIndex n) { return e.node < n; });
  }
  std::vector<Entry>::const_iterator lower(NodeIndex node) const {
    return std::lower_bound(entries_.begin(), entries_.end(), node,
                            [](const Entry& e, NodeIndex n) { return e.node < n; });
  }

  std::vector<Entry> entries_;
};

}  // namespace eddy::crdt
