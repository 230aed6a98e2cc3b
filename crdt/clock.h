#pragma once

#include <chrono>
#include <cstdint>

namespace eddy::crdt {

// Wall time, injectable: tests drive TTLs, HLC and sync timing with a ManualClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_us() const = 0;
  int64_t now_ms() const { return now_us() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t now_us() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : us_(start_ms * 1000) {}
  int64_t now_us() const override { return us_; }
  void advance_ms(int64_t ms) { us_ += ms * 1000; }
  void set_ms(int64_t ms) { us_ = ms * 1000; }

 private:
  int64_t us_;
};

}  // namespace eddy::crdt
