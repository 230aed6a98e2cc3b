#include "commands/eviction.h"

#include <algorithm>
#include <cmath>

#include "commands/engine_state.h"
#include "compact/log.h"
#include "compact/memory.h"
#include "crdt/key_state.h"

namespace eddy::commands {
namespace {

// Redis's EVPOOL_SIZE: the best candidates seen across samplings.
constexpr size_t kPoolSize = 16;

constexpr std::pair<std::string_view, EvictionPolicy> kPolicies[] = {
    {"noeviction", EvictionPolicy::kNoEviction},
    {"allkeys-lru", EvictionPolicy::kAllKeysLru},
    {"allkeys-lfu", EvictionPolicy::kAllKeysLfu},
    {"allkeys-random", EvictionPolicy::kAllKeysRandom},
    {"volatile-lru", EvictionPolicy::kVolatileLru},
    {"volatile-lfu", EvictionPolicy::kVolatileLfu},
    {"volatile-random", EvictionPolicy::kVolatileRandom},
    {"volatile-ttl", EvictionPolicy::kVolatileTtl},
};

bool is_lfu(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu;
}
bool is_random(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysRandom || p == EvictionPolicy::kVolatileRandom;
}

// Redis's evictionTimeLimitUs: tenacity 0..10 is 0..500 us, then 15% more per step, and 100
// is no limit.
int64_t time_limit_us(int tenacity) {
  if (tenacity <= 10) return 50 * static_cast<int64_t>(tenacity);
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return 0;
}

}  // namespace

std::optional<EvictionPolicy> parse_eviction_policy(std::string_view name) {
  for (const auto& [text, policy] : kPolicies)
    if (text == name) return policy;
  return std::nullopt;
}

Evictor::Evictor(EngineState& state) : s_(state) {
  load_config();
  auto reload = [this](const Config::Directive&) { load_config(); };
  for (const char* name : {"maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity",
                           "lfu-log-factor", "lfu-decay-time"})
    s_.config.on_change(name, reload);
  // CONFIG SET maxmemory takes effect at once, as in Redis (updateMaxmemory): a lower limit
  // evicts now, and cron goes on if the time limit stops it.
  s_.config.on_change("maxmemory", [this](const Config::Directive&) {
    load_config();
    if (maxmemory_ == 0) return;
    const size_t used = counted_memory();
    if (maxmemory_ < used)
      compact::log(compact::LogLevel::kWarning,
                   "WARNING: the new maxmemory value set via CONFIG SET (" +
                       std::to_string(maxmemory_) + ") is smaller than the current memory usage (" +
                       std::to_string(used) +
                       "). This will result in key eviction and/or the inability to accept new "
                       "write commands depending on the maxmemory-policy.");
    perform();
  });
}

void Evictor::load_config() {
  const Config& c = s_.config;
  maxmemory_ = static_cast<uint64_t>(c.integer("maxmemory"));
  policy_ = parse_eviction_policy(c.text("maxmemory-policy")).value_or(EvictionPolicy::kNoEviction);
  samples_ = static_cast<size_t>(c.integer("maxmemory-samples"));
  tenacity_ = static_cast<int>(c.integer("maxmemory-eviction-tenacity"));
  compact::AccessClock clock;
  clock.mode =
      is_lfu(policy_) ? compact::AccessClock::Mode::kLfu : compact::AccessClock::Mode::kLru;
  clock.lfu_log_factor = static_cast<int>(c.integer("lfu-log-factor"));
  clock.lfu_decay_minutes = static_cast<int>(c.integer("lfu-decay-time"));
  s_.replica.set_access_clock(clock);
  // Scores in the pool were taken under the old settings.
  pool_.clear();
  stuck_.reset();
}

size_t Evictor::not_counted_memory() const {
  size_t bytes = 0;
  if (s_.persistence && s_.persistence->journal())
    bytes += s_.persistence->journal()->buffer_bytes();
  if (s_.sync) bytes += s_.sync->log().memory_bytes();
  return bytes;
}

size_t Evictor::counted_memory() const {
  const size_t used = compact::used_memory(), skip = not_counted_memory();
  return used > skip ? used - skip : 0;
}

Evictor::Result Evictor::perform() {
  // The common case costs one load: no limit, or under it counting everything.
  if (maxmemory_ == 0 || compact::used_memory() <= maxmemory_) {
    running_ = false;
    return Result::kOk;
  }
  return evict(maxmemory_, time_limit_us(tenacity_));
}

size_t Evictor::evict_until(size_t target_bytes, int64_t budget_us) {
  const size_t before = compact::used_memory();
  evict(target_bytes, budget_us);
  const size_t after = compact::used_memory();
  return before > after ? before - after : 0;
}

void Evictor::cron() {
  // Redis goes on in a timer that runs every event loop turn; cron runs hz times a second, so
  // it gives each turn the budget of an active expiry cycle.
  if (!running_) return;
  if (maxmemory_ == 0) {
    running_ = false;
    return;
  }
  evict(maxmemory_, 25'000);
}

bool Evictor::edge_with_hub() const { return s_.sync && s_.sync->edge(); }

bool Evictor::volatile_only() const {
  return policy_ == EvictionPolicy::kVolatileLru || policy_ == EvictionPolicy::kVolatileLfu ||
         policy_ == EvictionPolicy::kVolatileRandom || policy_ == EvictionPolicy::kVolatileTtl;
}

Evictor::Result Evictor::evict(size_t target, int64_t budget_us) {
  // Memory that does not count is measured once: evicting on a hub grows its log a little,
  // which this call then counts (so it frees slightly more than it must).
  const size_t skip = not_counted_memory();
  auto counted = [&] {
    const size_t used = compact::used_memory();
    return used > skip ? used - skip : 0;
  };
  if (counted() <= target) {
    running_ = false;
    return Result::kOk;
  }
  if (policy_ == EvictionPolicy::kNoEviction) return Result::kFail;
  crdt::Replica& replica = s_.replica;
  const uint64_t unacked_from = edge_with_hub() ? s_.sync->unacked_from_hlc() : 0;
  if (stuck_ && stuck_->mutations == replica.mutations() && stuck_->unacked_from == unacked_from)
    return Result::kFail;
  stuck_.reset();
  // Scores use the replica's time as the last command saw it: every access clock was set at or
  // before it, so idle times and decays keep their order (and an EXEC's time stays fixed).
  const int64_t start = s_.clock.now_us();
  const int64_t deadline = budget_us > 0 ? start + budget_us : INT64_MAX;
  size_t evicted = 0;
  while (counted() > target) {
    const Step step = evict_one(deadline);
    if (step == Step::kNothing) {
      stuck_ = Stuck{replica.mutations(), unacked_from};
      running_ = false;
      return Result::kFail;
    }
    if (step == Step::kGaveUp) {
      running_ = true;
      return Result::kRunning;
    }
    if (++evicted % 16 == 0 && s_.clock.now_us() > deadline) {
      running_ = true;
      return Result::kRunning;
    }
  }
  running_ = false;
  return Result::kOk;
}

Evictor::Step Evictor::evict_one(int64_t deadline_us) {
  Candidate victim;
  if (is_random(policy_) && pick_random(victim)) {
    remove(victim);
    return Step::kEvicted;
  }
  // LRU, LFU and TTL (and the random policies on an edge whose random picks were all keys it
  // must keep): the best candidate of the pool, refilled by sampling every database. Samples
  // are of keys that exist, so a round finds one unless the keys are ones an edge must keep;
  // the bound only guards against a table and its index of expiries disagreeing.
  for (int round = 0; round < 1000; ++round) {
    size_t keys = 0;
    if (!is_random(policy_)) {
      for (int db = 0; db < s_.replica.databases(); ++db) {
        const size_t n = volatile_only() ? s_.replica.expires_size(db) : s_.replica.size(db);
        if (n == 0) continue;
        populate(db);
        keys += n;
      }
      if (keys == 0) return Step::kNothing;
    }
    if (pick(victim)) {
      remove(victim);
      return Step::kEvicted;
    }
    if (!edge_with_hub()) {
      if (is_random(policy_)) return Step::kNothing;  // pick_random found no key at all
      continue;  // the pool held only keys gone since: sample again
    }
    // An edge: the samples were all keys it must keep. Look further, in scan order, so that a
    // full pass that finds nothing proves that nothing can go.
    bool pass_done = false;
    if (scan_some(deadline_us, pass_done)) continue;
    return pass_done ? Step::kNothing : Step::kGaveUp;
  }
  return Step::kNothing;
}

void Evictor::populate(int db) {
  crdt::Replica& replica = s_.replica;
  if (volatile_only()) {
    replica.expires(db).sample(samples_, replica.rng(), [&](std::string_view key, int64_t& at) {
      const crdt::KeyState* state = replica.peek(db, key);
      if (state && evictable(db, key, *state)) offer(db, key, score(*state, at));
    });
  } else {
    replica.table(db).sample(samples_, replica.rng(),
                             [&](std::string_view key, crdt::KeyState& st) {
                               if (evictable(db, key, st)) offer(db, key, score(st, 0));
                             });
  }
}

bool Evictor::scan_some(int64_t deadline_us, bool& pass_done) {
  crdt::Replica& replica = s_.replica;
  const int dbs = replica.databases();
  pass_done = false;
  size_t steps = 0;
  for (;;) {
    const int db = scan_db_;
    if (volatile_only()) {
      scan_cursor_ = replica.expires(db).scan(scan_cursor_, [&](std::string_view key, int64_t& at) {
        const crdt::KeyState* state = replica.peek(db, key);
        if (state && evictable(db, key, *state)) offer(db, key, score(*state, at));
      });
    } else {
      scan_cursor_ =
          replica.table(db).scan(scan_cursor_, [&](std::string_view key, crdt::KeyState& st) {
            if (evictable(db, key, st)) offer(db, key, score(st, 0));
          });
    }
    if (!pool_.empty()) scan_found_ = true;
    if (scan_cursor_ == 0 && ++scan_db_ == dbs) {
      scan_db_ = 0;
      if (!scan_found_) {
        pass_done = true;
        return false;
      }
      scan_found_ = false;
    }
    if (!pool_.empty()) return true;
    if (++steps % 64 == 0 && s_.clock.now_us() > deadline_us) return false;
  }
}

void Evictor::offer(int db, std::string_view key, uint64_t score) {
  // Redis's evictionPoolPopulate: ascending by score; a full pool takes a candidate only if it
  // beats the worst, which then leaves.
  for (const Candidate& c : pool_)
    if (c.db == db && c.key == key) return;
  if (pool_.size() == kPoolSize) {
    if (score <= pool_.front().score) return;
    pool_.erase(pool_.begin());
  }
  auto at = std::upper_bound(pool_.begin(), pool_.end(), score,
                             [](uint64_t s, const Candidate& c) { return s < c.score; });
  pool_.insert(at, Candidate{score, db, std::string(key)});
}

bool Evictor::pick(Candidate& out) {
  crdt::Replica& replica = s_.replica;
  while (!pool_.empty()) {
    Candidate c = std::move(pool_.back());
    pool_.pop_back();
    // The pool keeps names: the key may be gone, have lost its TTL, or hold a new write of
    // this edge since it was sampled.
    const crdt::KeyState* state = replica.peek(c.db, c.key);
    if (!state) continue;
    if (volatile_only() && !state->expire_at()) continue;
    if (!evictable(c.db, c.key, *state)) continue;
    out = std::move(c);
    return true;
  }
  return false;
}

bool Evictor::pick_random(Candidate& out) {
  crdt::Replica& replica = s_.replica;
  const size_t dbs = static_cast<size_t>(replica.databases());
  // Redis visits the databases in turn, one random key from the first that has one. An edge
  // tries a few keys of each before it looks further (evict_one).
  for (size_t i = 0; i < dbs; ++i) {
    const int db = static_cast<int>(next_random_db_++ % dbs);
    for (size_t attempt = 0; attempt < std::max<size_t>(samples_, 1); ++attempt) {
      std::string_view key;
      const crdt::KeyState* state = nullptr;
      if (volatile_only()) {
        auto [k, at] = replica.expires(db).random_entry(replica.rng());
        if (!at) break;
        key = k;
        state = replica.peek(db, key);
      } else {
        auto [k, st] = replica.table(db).random_entry(replica.rng());
        if (!st) break;
        key = k;
        state = st;
      }
      if (state && evictable(db, key, *state)) {
        out = Candidate{0, db, std::string(key)};
        return true;
      }
      if (!edge_with_hub()) break;
    }
  }
  return false;
}

uint64_t Evictor::score(const crdt::KeyState& state, int64_t expire_at) const {
  if (policy_ == EvictionPolicy::kVolatileTtl) return UINT64_MAX - static_cast<uint64_t>(expire_at);
  return s_.replica.access_clock().eviction_score(state.access(), s_.replica.now_ms());
}

bool Evictor::evictable(int, std::string_view, const crdt::KeyState& state) const {
  if (!edge_with_hub()) return true;
  // A write of this edge the hub has not acknowledged, or a counter lane of this edge: only
  // this edge has it (the class comment says why each must stay).
  const crdt::NodeIndex self = s_.replica.node();
  const crdt::Observed seen = state.observe();
  if (seen.dots.get(self) >= s_.sync->unacked_from_hlc()) return false;
  for (const crdt::CounterFloor& lane : seen.floors)
    if (lane.node == self) return false;
  for (const crdt::FieldFloors& field : seen.fields)
    for (const crdt::CounterFloor& lane : field.floors)
      if (lane.node == self) return false;
  return true;
}

void Evictor::remove(const Candidate& victim) {
  // The decision of the class comment: an edge with a hub forgets, everyone else deletes.
  if (edge_with_hub())
    s_.replica.forget(victim.db, victim.key);
  else
    s_.replica.write(crdt::op::RemoveKey{victim.db, victim.key, {}});
  ++s_.stats.evicted_keys;
}

}  // namespace eddy::commands
