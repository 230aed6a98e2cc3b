#pragma once

#include <cstdint>

namespace eddy::compact {

// A key's access clock in 24 bits, as Redis keeps one in every object for its approximate
// LRU and LFU eviction (src/evict.c), with the same meaning so that OBJECT IDLETIME and
// OBJECT FREQ answer as Redis does:
//
//  - LRU: the time of the last access in seconds, modulo 2^24 (194 days; an older access
//    reads as a more recent one, as in Redis).
//  - LFU: 16 bits of the last decrement time in minutes (modulo 2^16) over an 8-bit
//    logarithmic access counter. A new key starts at 5 so that it is not the first to go; each
//    access increments the counter with probability 1 / ((counter - 5) * lfu_log_factor + 1),
//    and the counter loses one per lfu_decay_time minutes without access.
//
// The field means one or the other depending on the policy in force when it was written;
// switching policies at run time leaves values that take a while to mean something again
// (Redis's warning in OBJECT FREQ and IDLETIME says the same).
struct AccessClock {
  enum class Mode : uint8_t { kLru, kLfu };

  static constexpr uint32_t kBits = 24;
  static constexpr uint32_t kMax = (1u << kBits) - 1;
  static constexpr uint32_t kLfuInitial = 5;

  Mode mode = Mode::kLru;
  int lfu_log_factor = 10;
  int lfu_decay_minutes = 1;

  static uint32_t lru_now(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 1000) & kMax; }
  static uint32_t minutes_now(int64_t now_ms) {
    return static_cast<uint32_t>(now_ms / 60000) & 0xffff;
  }

  // The value a new key starts with.
  uint32_t initial(int64_t now_ms) const {
    return mode == Mode::kLfu ? (minutes_now(now_ms) << 8) | kLfuInitial : lru_now(now_ms);
  }

  // Milliseconds since the last access an LRU value records (at one-second resolution).
  static uint64_t idle_ms(uint32_t value, int64_t now_ms) {
    const uint32_t now = lru_now(now_ms);
    const uint32_t last = value & kMax;
    const uint64_t seconds = now >= last ? now - last : now + (kMax - last);
    return seconds * 1000;
  }

  // The LFU counter after the decay due since its last decrement time; the value itself is
  // updated only by an access.
  uint32_t frequency(uint32_t value, int64_t now_ms) const {
    const uint32_t counter = value & 0xff;
    if (lfu_decay_minutes <= 0) return counter;
    const uint32_t last = (value >> 8) & 0xffff;
    const uint32_t now = minutes_now(now_ms);
    const uint32_t elapsed = now >= last ? now - last : 0xffff - last + now;
    const uint32_t periods = elapsed / static_cast<uint32_t>(lfu_decay_minutes);
    return periods >= counter ? 0 : counter - periods;
  }

  // The value after an access. `random01` is a uniform draw in [0, 1), used by LFU only.
  uint32_t touched(uint32_t value, int64_t now_ms, double random01) const {
    if (mode == Mode::kLru) return lru_now(now_ms);
    uint32_t counter = frequency(value, now_ms);
    if (counter < 255) {
      const double base = counter > kLfuInitial ? counter - kLfuInitial : 0;
      if (random01 < 1.0 / (base * lfu_log_factor + 1)) ++counter;
    }
    return (minutes_now(now_ms) << 8) | counter;
  }

  // Eviction's score: the greater, the better a candidate (idle time, or inverse frequency).
  uint64_t eviction_score(uint32_t value, int64_t now_ms) const {
    return mode == Mode::kLru ? idle_ms(value, now_ms) : 255 - frequency(value, now_ms);
  }
};

}  // namespace eddy::compact
