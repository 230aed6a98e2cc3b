#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compact/access_clock.h"
#include "compact/key_table.h"
#include "crdt/clock.h"
#include "crdt/conflicts.h"
#include "crdt/effect.h"
#include "crdt/hlc.h"
#include "crdt/key_state.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

// Where applied local units go: the journal (sync/) implements it. The replica hands over each
// unit after applying it, in seq order.
class EffectSink {
 public:
  virtual ~EffectSink() = default;
  virtual void append(const Unit& unit) = 0;
};

struct ReplicaOptions {
  uint64_t replica_id = 0;
  int databases = 16;
  bool compress_values = false;
};

// The keyspace of one replica and the only way to change it. Commands never mutate a KeyState:
// they build an Op, and apply_local stamps it with the HLC, fills in what the writer observed of
// the key (the context that makes it an observed-remove), applies it and hands it to the journal.
// apply_remote runs the same apply code for effects from other replicas.
class Replica {
 public:
  using Table = compact::KeyTable<KeyState>;

  Replica(const Clock& clock, ReplicaOptions options);

  void set_sink(EffectSink* sink) { sink_ = sink; }
  NodeIndex node() const { return node_; }
  uint64_t replica_id() const { return options_.replica_id; }
  int databases() const { return options_.databases; }
  void set_compress_values(bool on) { options_.compress_values = on; }

  // The time commands see: fixed for the duration of one command (and of one MULTI/EXEC), as
  // Redis does, so that a key cannot expire halfway through a command.
  void refresh_time() { set_time(clock_.now_ms()); }
  void set_time(int64_t now_ms) {
    now_ms_ = now_ms;
    lru_now_ = compact::AccessClock::lru_now(now_ms);
  }
  int64_t now_ms() const { return now_ms_; }
  const Clock& clock() const { return clock_; }

  // Lookups with lazy expiry. A read hides an expired key and deletes it only if this replica
  // authored the winning expiry (others will receive that delete); a write deletes it first.
  // Both count as an access of the key for eviction (its access clock), as Redis's lookupKey
  // does; find_no_touch is the read that does not (Redis's LOOKUP_NOTOUCH: TYPE, EXISTS, TTL,
  // OBJECT, ...).
  KeyState* find(int db, std::string_view key) {
    KeyState* state = find_no_touch(db, key);
    if (state) touch(*state);
    return state;
  }
  KeyState* find_no_touch(int db, std::string_view key);
  KeyState* find_for_write(int db, std::string_view key);
  // No expiry check, no side effect (DEBUG, dumps, tests).
  const KeyState* peek(int db, std::string_view key) const;
  // The key's state, visible or not (a key whose values are gone but whose concurrent expiry
  // entries remain); what contexts are taken from, and what replicas compare to prove convergence.
  const KeyState* peek_any(int db, std::string_view key) const;
  // Starts loading the table slots of the keys a unit writes, ahead of applying it.
  void prefetch(const Unit& unit) const;
  bool is_expired(const KeyState& state) const;

  // Local writes. Ops between begin_unit and commit_unit form one journal unit (a command with
  // several effects, or MULTI/EXEC); a write outside a unit is a unit of its own.
  void begin_unit();
  void commit_unit();
  void write(Op op);
  // Units from other replicas, each origin's in seq order. A unit already applied is a duplicate
  // and changes nothing (exactly once, whatever sync redelivers); one that skips a seq is refused
  // unapplied (delivery was not causal).
  enum class Delivery { kApplied, kDuplicate, kGap };
  Delivery apply_remote(const Unit& unit);
  // The last seq applied from `origin` (this replica's own: its seq).
  uint64_t applied_seq(NodeIndex origin) const;
  const std::unordered_map<NodeIndex, uint64_t>& remote_seqs() const { return remote_seqs_; }

  // Persistence. A replica loaded from disk first takes its stored identity (before any write),
  // then the snapshot's keys and clocks, then replays the journal's units after the snapshot.
  void adopt_identity(uint64_t replica_id);
  const Table& ghosts(int db) const { return dbs_[db].ghosts; }
  // A key as a snapshot stored it: visible when it holds a value, a ghost otherwise.
  void restore_key(int db, std::string_view key, KeyState state);
  // The clocks a snapshot stored: seq and HLC never go backwards across a restart; and how far
  // each other replica's units were applied.
  void restore_clocks(uint64_t seq, uint64_t hlc, const VersionVector& vv);
  void restore_remote_seq(NodeIndex origin, uint64_t seq);
  // Every key gone, nothing journaled: DEBUG RELOAD empties the keyspace before loading the
  // snapshot of it again.
  void clear_keyspace();
  // A journaled unit applied again: this replica's own units advance seq, others' go through
  // apply_remote.
  Delivery replay(const Unit& unit);

  Table& table(int db) { return dbs_[db].keys; }
  const Table& table(int db) const { return dbs_[db].keys; }
  size_t size(int db) const { return dbs_[db].keys.size(); }
  size_t expires_size(int db) const { return dbs_[db].expires.size(); }
  // The keys with a TTL and their resolved expiry (what volatile eviction samples).
  compact::KeyTable<int64_t>& expires(int db) { return dbs_[db].expires; }

  // The keys' access clocks: how they count (LRU or LFU, from maxmemory-policy and the lfu-*
  // directives), and whether accesses update them (not while a snapshot child shares the
  // keyspace's pages: Redis's "copy on write madness"). Keys created from now on start at
  // the clock's initial value.
  void set_access_clock(const compact::AccessClock& clock) { access_clock_ = clock; }
  const compact::AccessClock& access_clock() const { return access_clock_; }
  void set_touching(bool on) { touching_ = on; }
  void touch(KeyState& state) {
    if (!touching_) return;
    if (access_clock_.mode == compact::AccessClock::Mode::kLru) return state.set_access(lru_now_);
    const double draw = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    state.set_access(access_clock_.touched(state.access(), now_ms_, draw));
  }
  // Drops a key from memory without an effect: nothing is journaled or sent, so every other
  // replica keeps it. An edge's eviction when its hub holds the key (commands/eviction.h says
  // when that is safe). False when the key is not there.
  bool forget(int db, std::string_view key);
  // Counts every change to the keyspace (applied effects, forgotten keys): eviction remembers
  // that nothing could be evicted until it moves.
  uint64_t mutations() const { return mutations_; }

  // Active expiry: samples keys with a TTL as Redis's activeExpireCycle does, within a time
  // budget; returns how many keys it deleted.
  size_t active_expire_cycle(int64_t budget_us);
  std::mt19937_64& rng() { return rng_; }

  uint64_t expired_keys() const { return expired_keys_; }
  void reset_stats() { expired_keys_ = 0; }
  const VersionVector& version_vector() const { return vv_; }
  // The concurrent register writes that lost, as they arrived here (EDGE.CONFLICTS).
  const ConflictLog& conflicts() const { return conflicts_; }
  uint64_t seq() const { return seq_; }
  uint64_t hlc() const { return hlc_.last(); }

  // Hooks for the engine: WATCH invalidation and blocked-client wake-ups.
  std::function<void(int db, std::string_view key)> on_key_changed;
  std::function<void(int db)> on_db_changed;  // FLUSH*, SWAPDB: -1 means every database
  // Keys that never leave this node (sync-exclude): a FLUSHALL or FLUSHDB made elsewhere leaves
  // them alone, since that replica could not have seen them.
  std::function<bool(std::string_view key)> local_only;

 private:
  struct Database {
    Table keys;
    compact::KeyTable<int64_t> expires;  // keys with a TTL → resolved expiry, for sampling
    // Invisible keys: no value left, only expiry entries written concurrently with their removal
    // (KeyState::has_entries). Kept so that every delivery order ends in the same state; the next
    // local write of the key observes and removes them.
    Table ghosts;
  };

  void apply(const Stamp& stamp, const Op& op);
  void apply_effects(const Unit& unit);
  void apply_to_key(int db, std::string_view key, const std::function<void(KeyState&)>& fn,
                    bool create);
  void refresh_expiry_index(int db, std::string_view key, const KeyState* state);
  void fill_context(Op& op);
  void delete_expired(int db, std::string_view key);
  // Records a conflict when a remote register write meets one its author had not seen.
  void note_conflict(int db, std::string_view key, std::string_view field, const Stamp& held,
                     const compact::CompactString& held_value, const Stamp& arriving,
                     std::string_view arriving_value, const VersionVector& seen);

  const Clock& clock_;
  ReplicaOptions options_;
  compact::AccessClock access_clock_;
  uint32_t lru_now_ = 0;  // access_clock_.lru_now(now_ms_)
  bool touching_ = true;
  uint64_t mutations_ = 0;
  NodeIndex node_;
  HybridClock hlc_;
  int64_t now_ms_ = 0;
  std::vector<Database> dbs_;
  VersionVector vv_;
  uint64_t seq_ = 0;
  std::unordered_map<NodeIndex, uint64_t> remote_seqs_;  // origin → last seq applied
  bool applying_remote_ = false;  // inside apply_remote: local_only keys are spared
  bool replaying_ = false;        // inside replay: conflicts are not recorded again
  ConflictLog conflicts_;
  EffectSink* sink_ = nullptr;
  int unit_depth_ = 0;
  size_t unit_writes_ = 0;
  Unit pending_;
  uint64_t expired_keys_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace eddy::crdt
