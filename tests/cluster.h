#pragma once

// A small causal-broadcast cluster of replicas, for the property tests of crdt_test and
// codec_test: each replica has its own clock, and a unit reaches another replica only after
// everything its origin had applied when writing it (causal delivery, as sync guarantees), at
// random times, so that states hold concurrent writes.
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "crdt/clock.h"
#include "crdt/replica.h"

namespace eddy::crdt::testing {

struct Capture : EffectSink {
  std::vector<Unit> units;
  void append(const Unit& unit) override { units.push_back(unit); }
};

struct Message {
  Unit unit;
  std::map<NodeIndex, uint64_t> deps;  // per-origin units the origin had applied
};

class Cluster {
 public:
  Cluster(int n, uint64_t seed, bool compress = false) : rng_(seed) {
    for (int i = 0; i < n; ++i) {
      clocks_.push_back(std::make_unique<ManualClock>(1'700'000'000'000 + i * 7));
      replicas_.push_back(std::make_unique<Replica>(
          *clocks_.back(),
          ReplicaOptions{0xA000 + seed * 16 + static_cast<uint64_t>(i), 2, compress}));
      sinks_.push_back(std::make_unique<Capture>());
      replicas_.back()->set_sink(sinks_.back().get());
      applied_.emplace_back();
    }
  }

  Replica& replica(int i) { return *replicas_[i]; }
  int size() const { return static_cast<int>(replicas_.size()); }
  std::mt19937_64& rng() { return rng_; }
  // Every unit written so far, in the order written.
  const std::vector<Message>& log() const { return log_; }

  void write(int i, Op op) {
    clocks_[i]->advance_ms(static_cast<int64_t>(rng_() % 3));
    replicas_[i]->refresh_time();
    replicas_[i]->write(std::move(op));
    publish(i);
  }

  // Delivers one random deliverable message to one random replica; false when none is left.
  bool deliver_one(bool duplicate = false) {
    std::vector<std::pair<int, size_t>> candidates;
    for (int r = 0; r < size(); ++r)
      for (size_t m = 0; m < log_.size(); ++m)
        if (deliverable(r, log_[m])) candidates.emplace_back(r, m);
    if (candidates.empty()) return false;
    auto [r, m] = candidates[rng_() % candidates.size()];
    deliver(r, log_[m]);
    if (duplicate) deliver(r, log_[m]);  // a duplicate must change nothing
    return true;
  }
  void deliver_all() {
    while (deliver_one(rng_() % 4 == 0)) {
    }
  }

  VersionVector context(int i) const { return replicas_[i]->version_vector(); }

 private:
  bool deliverable(int r, const Message& msg) const {
    const auto& applied = applied_[r];
    auto seen = [&](NodeIndex n) {
      auto it = applied.find(n);
      return it == applied.end() ? 0 : it->second;
    };
    if (msg.unit.origin == replicas_[r]->node()) return false;
    if (seen(msg.unit.origin) + 1 != msg.unit.seq) return false;
    for (auto [n, count] : msg.deps)
      if (n != msg.unit.origin && seen(n) < count) return false;
    return true;
  }

  void deliver(int r, const Message& msg) {
    auto& count = applied_[r][msg.unit.origin];
    if (count >= msg.unit.seq) return;  // (origin, seq) deduplication, as sync does
    replicas_[r]->refresh_time();
    replicas_[r]->apply_remote(msg.unit);
    count = msg.unit.seq;
  }

  void publish(int i) {
    for (Unit& unit : sinks_[i]->units) {
      Message msg{unit, applied_[i]};
      applied_[i][unit.origin] = unit.seq;
      log_.push_back(std::move(msg));
    }
    sinks_[i]->units.clear();
  }

  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<ManualClock>> clocks_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<std::unique_ptr<Capture>> sinks_;
  std::vector<std::map<NodeIndex, uint64_t>> applied_;
  std::vector<Message> log_;
};

}  // namespace eddy::crdt::testing
