#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "crdt/stamp.h"

namespace eddy::crdt {

// Replica → highest HLC seen from it, sorted by replica. Per key it usually has one or two
// entries, which live inline: building a write's observed context allocates nothing. Because
// delivery is causal, "stamp.hlc <= vv[stamp.node]" means "seen".
class VersionVector {
 public:
  struct Entry {
    NodeIndex node;
    uint64_t hlc;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  VersionVector() = default;
  VersionVector(const VersionVector& other) { *this = other; }
  VersionVector& operator=(const VersionVector& other) {
    size_ = other.size_;
    inline_ = other.inline_;
    heap_ = other.heap_;
    return *this;
  }
  VersionVector(VersionVector&& other) noexcept { *this = std::move(other); }
  VersionVector& operator=(VersionVector&& other) noexcept {
    size_ = other.size_;
    inline_ = other.inline_;
    heap_ = std::move(other.heap_);
    other.size_ = 0;
    other.heap_.clear();
    return *this;
  }

  uint64_t get(NodeIndex node) const {
    const Entry* it = lower(node);
    return it != end() && it->node == node ? it->hlc : 0;
  }
  bool covers(const Stamp& s) const { return !s.empty() && s.hlc <= get(s.node); }
  void add(const Stamp& s) { raise(s.node, s.hlc); }
  void raise(NodeIndex node, uint64_t hlc) {
    Entry* it = const_cast<Entry*>(lower(node));
    if (it != end() && it->node == node) {
      it->hlc = std::max(it->hlc, hlc);
      return;
    }
    const auto at = static_cast<size_t>(it - data());
    if (heap_.empty() && size_ < kInline) {
      std::move_backward(inline_.begin() + at, inline_.begin() + size_, inline_.begin() + size_ + 1);
      inline_[at] = Entry{node, hlc};
    } else {
      if (heap_.empty()) heap_.assign(inline_.begin(), inline_.begin() + size_);
      heap_.insert(heap_.begin() + static_cast<std::ptrdiff_t>(at), Entry{node, hlc});
    }
    ++size_;
  }
  void merge(const VersionVector& other) {
    for (const Entry& e : other.entries()) raise(e.node, e.hlc);
  }
  bool empty() const { return size_ == 0; }
  std::span<const Entry> entries() const { return {data(), size_}; }
  void clear() {
    size_ = 0;
    heap_.clear();
  }
  friend bool operator==(const VersionVector& a, const VersionVector& b) {
    return std::ranges::equal(a.entries(), b.entries());
  }

 private:
  static constexpr size_t kInline = 2;

  const Entry* data() const { return heap_.empty() ? inline_.data() : heap_.data(); }
  Entry* data() { return heap_.empty() ? inline_.data() : heap_.data(); }
  const Entry* end() const { return data() + size_; }
  const Entry* lower(NodeIndex node) const {
    return std::lower_bound(data(), end(), node,
                            [](const Entry& e, NodeIndex n) { return e.node < n; });
  }

  size_t size_ = 0;
  std::array<Entry, kInline> inline_{};
  std::vector<Entry> heap_;  // every entry, once there are more than kInline
};

}  // namespace eddy::crdt
