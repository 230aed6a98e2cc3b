#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "crdt/stamp.h"

namespace eddy::crdt {

// A register write that lost to a concurrent one (neither writer had seen the other), as this
// replica saw it arrive: what EDGE.CONFLICTS shows. The state keeps both until a later write
// observes them; the winner is the one readers see.
struct Conflict {
  int db = 0;
  std::string key;
  std::string field;  // the hash field; empty for a string key
  Stamp winner;
  Stamp loser;
  std::string winner_value;  // at most kValueBytes of each value
  std::string loser_value;
  size_t winner_size = 0;  // the values' whole sizes
  size_t loser_size = 0;
  int64_t seen_ms = 0;  // when this replica applied the second of the two writes
};

// The newest conflicts, in a bounded ring, and how many there were in all.
class ConflictLog {
 public:
  static constexpr size_t kCapacity = 128;
  static constexpr size_t kValueBytes = 64;

  void record(int db, std::string_view key, std::string_view field, const Stamp& a,
              std::string_view a_value, const Stamp& b, std::string_view b_value, int64_t now_ms);
  // Newest first.
  const std::deque<Conflict>& entries() const { return entries_; }
  uint64_t total() const { return total_; }

 private:
  std::deque<Conflict> entries_;
  uint64_t total_ = 0;
};

}  // namespace eddy::crdt
