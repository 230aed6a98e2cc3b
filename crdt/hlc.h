#pragma once

#include <algorithm>
#include <cstdint>

#include "crdt/clock.h"
#include "crdt/stamp.h"

namespace eddy::crdt {

// Hybrid logical clock: strictly increasing per replica, close to wall time, and advanced past
// every stamp received so that a write causally after another always carries a greater stamp.
class HybridClock {
 public:
  explicit HybridClock(const Clock& wall) : wall_(wall) {}

  // Reserves n consecutive stamps and returns the last (a push of n elements takes n ids).
  uint64_t next(uint64_t n = 1) {
    last_ = std::max(last_ + n, hlc_from_millis(wall_.now_ms()) + n - 1);
    return last_;
  }
  void observe(uint64_t remote) { last_ = std::max(last_, remote); }
  // At boot: never below what was persisted, so a restart cannot reuse a stamp.
  void restore(uint64_t high_water) { last_ = std::max(last_, high_water); }
  uint64_t last() const { return last_; }

 private:
  const Clock& wall_;
  uint64_t last_ = 0;
};

}  // namespace eddy::crdt
