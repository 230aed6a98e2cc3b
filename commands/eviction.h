#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::crdt {
class KeyState;
}

namespace eddy::commands {

class EngineState;

// maxmemory-policy, with Redis's names and meanings.
enum class EvictionPolicy {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl
};
std::optional<EvictionPolicy> parse_eviction_policy(std::string_view name);

// maxmemory: Redis's approximate eviction (src/evict.c) on eddy's keyspace. Before a command,
// when the memory that counts is over maxmemory, keys go until it is under (perform); a command
// flagged denyoom is refused with -OOM when nothing more can go.
//
// What evicting a key means depends on where it happens (the README's "maxmemory"):
//  - a hub, and an edge without a hub: the key is deleted as DEL deletes it, an effect that is
//    journaled (a restart does not bring the key back) and, on a hub, reaches the edges as a
//    master's evictions reach its replicas;
//  - an edge with a hub: the hub holds every write it acknowledged, so the edge only forgets the
//    key (crdt::Replica::forget: nothing journaled, nothing sent; a local cache miss). A key
//    holding a write of this edge that the hub has not acknowledged is never forgotten, nor a
//    key holding a counter lane of this edge (INCR, HINCRBY...: the lane's total is known only
//    to its writer, so a later increment of a forgotten counter would restart it at the hub).
//    Keys that do not sync (sync-exclude) are deleted as on a standalone edge.
//
// The memory that counts is used_memory less what Redis would not count either: the journal's
// write buffer (Redis's AOF buffer) and a hub's log of units for its edges (its replication
// buffer), which eviction itself makes grow on a hub.
class Evictor {
 public:
  enum class Result {
    kOk,       // under the limit (or no limit)
    kRunning,  // over, keys went but the time limit came first: cron goes on
    kFail      // over, and nothing more can go
  };

  explicit Evictor(EngineState& state);

  // Redis's performEvictions: runs before commands (and at CONFIG SET maxmemory), within the
  // time maxmemory-eviction-tenacity allows.
  Result perform();
  // For resource levels: evicts, by the configured policy, until the memory that counts is at
  // most `target_bytes` or nothing more can go, spending at most `budget_us` (0: no limit).
  // Returns the bytes freed (used_memory before less after).
  size_t evict_until(size_t target_bytes, int64_t budget_us);
  // Periodic work: goes on with an eviction that ran out of time.
  void cron();

  size_t not_counted_memory() const;
  size_t counted_memory() const;
  uint64_t maxmemory() const { return maxmemory_; }
  EvictionPolicy policy() const { return policy_; }

 private:
  struct Candidate {
    uint64_t score = 0;  // the greater, the better to evict
    int db = 0;
    std::string key;
  };
  // Why one eviction step did not evict.
  enum class Step { kEvicted, kNothing, kGaveUp };

  void load_config();
  Result evict(size_t target, int64_t budget_us);
  Step evict_one(int64_t deadline_us);
  bool pick(Candidate& out);
  void populate(int db);
  bool scan_some(int64_t deadline_us, bool& pass_done);
  void offer(int db, std::string_view key, uint64_t score);
  bool evictable(int db, std::string_view key, const crdt::KeyState& state) const;
  uint64_t score(const crdt::KeyState& state, int64_t expire_at) const;
  bool pick_random(Candidate& out);
  void remove(const Candidate& victim);
  bool volatile_only() const;
  bool edge_with_hub() const;

  EngineState& s_;
  uint64_t maxmemory_ = 0;
  EvictionPolicy policy_ = EvictionPolicy::kNoEviction;
  size_t samples_ = 5;
  int tenacity_ = 10;
  std::vector<Candidate> pool_;  // ascending score, at most kPoolSize
  // An edge whose samples found only keys it may not evict scans its keyspace for the others:
  // where the scan is (database, cursor), and whether it found any since the pass began.
  int scan_db_ = 0;
  uint64_t scan_cursor_ = 0;
  bool scan_found_ = false;
  // Nothing could be evicted when the keyspace and the hub's acknowledgements were at these:
  // until either moves, eviction fails at once instead of searching again.
  struct Stuck {
    uint64_t mutations = 0;
    uint64_t unacked_from = 0;
  };
  std::optional<Stuck> stuck_;
  bool running_ = false;  // an eviction ran out of time: cron goes on with it
  size_t next_random_db_ = 0;
};

}  // namespace eddy::commands
