#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "crdt/decimal.h"
#include "crdt/stamp.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

// Effects are what the journal stores and sync ships: the outcome of a command against the state
// its replica had, never the command itself, so that replay is deterministic. Each carries the
// context it needs to be an observed-remove: what the writer had seen of the key.

// A counter lane's total as a remover saw it; the receiver raises the lane's floor to it.
struct CounterFloor {
  NodeIndex node = 0;
  Decimal total;
  Stamp dot;
  friend bool operator==(const CounterFloor&, const CounterFloor&) = default;
};

// A hash field's counter lanes as a remover saw them.
struct FieldFloors {
  std::string field;
  std::vector<CounterFloor> floors;
  friend bool operator==(const FieldFloors&, const FieldFloors&) = default;
};

struct Observed {
  VersionVector dots;
  std::vector<CounterFloor> floors;  // the string substate's counter lanes
  std::vector<FieldFloors> fields;   // hash fields' counter lanes
  bool empty() const { return dots.empty() && floors.empty() && fields.empty(); }
  friend bool operator==(const Observed&, const Observed&) = default;
};

// Where a list element hangs: HEAD and TAIL at the root, BEFORE and AFTER an LINSERT's pivot.
enum class ListSide : uint8_t { kHead, kTail, kBefore, kAfter };

struct PathStep {
  ListSide side = ListSide::kHead;
  Stamp dot;
  friend bool operator==(const PathStep&, const PathStep&) = default;
};

enum class ExpiryAction : uint8_t { kKeep, kClear, kSet };

// A time series' settings, as TS.CREATE and TS.ALTER give them (RedisTimeSeries's names).
enum class DuplicatePolicy : uint8_t { kNone, kBlock, kFirst, kLast, kMin, kMax, kSum };
enum class Aggregator : uint8_t {
  kAvg, kSum, kMin, kMax, kRange, kCount, kFirst, kLast, kStdP, kStdS, kVarP, kVarS, kTwa
};

struct SeriesLabel {
  std::string name;
  std::string value;
  friend bool operator==(const SeriesLabel&, const SeriesLabel&) = default;
};

// A compaction rule of a source series: buckets of `duration` ms aligned to `align`.
struct SeriesRule {
  std::string dest;
  Aggregator aggregator = Aggregator::kAvg;
  int64_t duration = 0;
  int64_t align = 0;
  friend bool operator==(const SeriesRule&, const SeriesRule&) = default;
};

struct SeriesConfig {
  int64_t retention_ms = 0;
  int64_t chunk_size = 4096;
  DuplicatePolicy duplicate_policy = DuplicatePolicy::kNone;
  bool uncompressed = false;
  std::vector<SeriesLabel> labels;
  std::vector<SeriesRule> rules;
  bool has_source = false;  // a destination of another series' rule
  std::string source;
  friend bool operator==(const SeriesConfig&, const SeriesConfig&) = default;
};

struct SeriesPoint {
  int64_t ts = 0;
  double value = 0;
  friend bool operator==(const SeriesPoint& a, const SeriesPoint& b) {
    return a.ts == b.ts && __builtin_memcmp(&a.value, &b.value, sizeof(double)) == 0;
  }
};

namespace op {

// SET and everything that writes a whole string value (APPEND and SETRANGE ship the result).
struct SetString {
  int db = 0;
  std::string key;
  std::string value;
  ExpiryAction expiry = ExpiryAction::kClear;
  int64_t expire_at_ms = 0;  // for kSet
  Observed seen;
  friend bool operator==(const SetString&, const SetString&) = default;
};

// Every write of one type carries `others`: what its writer saw of the key when the key also
// held substates of other types (written concurrently); they are observed-removed, so the
// hidden type disappears at the first write by a replica that saw it. Empty in the common case.

// INCR and friends: the writer's own lane moves by `delta` to `total`. `previous` is the lane's
// dot before this increment at the writer (empty when the lane starts a new life there).
struct CounterAdd {
  int db = 0;
  std::string key;
  Decimal delta;
  Decimal total;
  Stamp previous;
  Observed others;
  friend bool operator==(const CounterAdd&, const CounterAdd&) = default;
};

// LPUSH and RPUSH (and the X forms): one effect for all the elements; they take consecutive
// stamps ending at the effect's, in argument order.
struct ListPush {
  int db = 0;
  std::string key;
  ListSide side = ListSide::kHead;
  std::vector<std::string> values;
  Observed others;
  friend bool operator==(const ListPush&, const ListPush&) = default;
};

// LINSERT: the new element (id = the effect's stamp) hangs BEFORE or AFTER the pivot's path.
struct ListInsert {
  int db = 0;
  std::string key;
  std::vector<PathStep> pivot;
  ListSide side = ListSide::kBefore;
  std::string value;
  Observed others;
  friend bool operator==(const ListInsert&, const ListInsert&) = default;
};

// LSET: a per-element LWW write.
struct ListSet {
  int db = 0;
  std::string key;
  Stamp id;
  std::string value;
  Observed others;
  friend bool operator==(const ListSet&, const ListSet&) = default;
};

// Pops, LREM, LTRIM, LMOVE's source: the ids of the elements removed.
struct ListRemove {
  int db = 0;
  std::string key;
  std::vector<Stamp> ids;
  Observed others;
  friend bool operator==(const ListRemove&, const ListRemove&) = default;
};

// One field of HSET: the value, the field's birth at the writer (empty when the write creates
// the field: its birth is then its own dot) and what the writer saw of the field.
struct FieldWrite {
  std::string field;
  std::string value;
  Stamp birth;
  Observed seen;
  friend bool operator==(const FieldWrite&, const FieldWrite&) = default;
};

// HSET, HMSET, HSETNX, HINCRBYFLOAT's result: field i takes the i-th of the consecutive stamps
// ending at the effect's.
struct HashSet {
  int db = 0;
  std::string key;
  std::vector<FieldWrite> fields;
  Observed others;
  friend bool operator==(const HashSet&, const HashSet&) = default;
};

struct FieldRemove {
  std::string field;
  Observed seen;
  friend bool operator==(const FieldRemove&, const FieldRemove&) = default;
};

// HDEL: an observed-remove per field.
struct HashRemove {
  int db = 0;
  std::string key;
  std::vector<FieldRemove> fields;
  Observed others;
  friend bool operator==(const HashRemove&, const HashRemove&) = default;
};

// HINCRBY, HINCRBYFLOAT: a CounterAdd on one field's lanes.
struct FieldAdd {
  int db = 0;
  std::string key;
  std::string field;
  Decimal delta;
  Decimal total;
  Stamp previous;
  Stamp birth;
  Observed others;
  friend bool operator==(const FieldAdd&, const FieldAdd&) = default;
};

// EXPIRE family and PERSIST (expire_at_ms == kPersist): a causal max-register entry.
struct SetExpiry {
  static constexpr int64_t kPersist = INT64_MAX;
  int db = 0;
  std::string key;
  int64_t expire_at_ms = kPersist;
  VersionVector seen;
  friend bool operator==(const SetExpiry&, const SetExpiry&) = default;
};

// DEL, UNLINK, expiry deletes, the source of RENAME and MOVE: observed-remove of the container.
struct RemoveKey {
  int db = 0;
  std::string key;
  Observed seen;
  friend bool operator==(const RemoveKey&, const RemoveKey&) = default;
};

// A key's counter lanes (its own and its hash fields') as a flusher saw them.
struct KeyFloors {
  int db = 0;
  std::string key;
  Observed floors;
  friend bool operator==(const KeyFloors&, const KeyFloors&) = default;
};

// FLUSHDB (db >= 0) and FLUSHALL (db == -1): a global observed-remove with the replica's VV.
// Counter lanes carry their observed totals too, so that an increment concurrent with the flush
// survives as exactly its own delta on every replica, whichever arrived first.
struct Flush {
  int db = -1;
  VersionVector seen;
  std::vector<KeyFloors> counters;
  friend bool operator==(const Flush&, const Flush&) = default;
};

// TS.CREATE, TS.ALTER, TS.CREATERULE, TS.DELETERULE: the series' whole settings, an LWW register
// (the writer ships the result of its change, as APPEND ships the resulting string).
struct SeriesMeta {
  int db = 0;
  std::string key;
  SeriesConfig config;
  VersionVector seen;  // the settings' dots the writer had (the winner and concurrent losers)
  Observed others;
  friend bool operator==(const SeriesMeta&, const SeriesMeta&) = default;
};

// TS.ADD, TS.MADD, TS.INCRBY and compactions: samples in increasing timestamp order, each the
// value its writer resolved under the duplicate policy. A sample is identified by its timestamp;
// all take the effect's stamp. A write replaces what its writer saw at the timestamp; of
// concurrent writes the greatest stamp shows and the others stay hidden, so that removing the
// winner shows the next (as a string register keeps concurrent losers).
struct SeriesAdd {
  int db = 0;
  std::string key;
  std::vector<SeriesPoint> samples;
  VersionVector seen;  // the dots the writer had at these timestamps: what the samples replace
  Observed others;
  friend bool operator==(const SeriesAdd&, const SeriesAdd&) = default;
};

// TS.DEL and retention trimming: an observed-remove of the samples in [from, to] whose dots the
// writer had seen; a concurrent add in the range survives.
struct SeriesRemove {
  int db = 0;
  std::string key;
  int64_t from = 0;
  int64_t to = 0;
  VersionVector seen;
  friend bool operator==(const SeriesRemove&, const SeriesRemove&) = default;
};

struct SwapDb {
  int a = 0;
  int b = 0;
  friend bool operator==(const SwapDb&, const SwapDb&) = default;
};

}  // namespace op

using Op = std::variant<op::SetString, op::CounterAdd, op::SetExpiry, op::RemoveKey, op::Flush,
                        op::SwapDb, op::ListPush, op::ListInsert, op::ListSet, op::ListRemove,
                        op::HashSet, op::HashRemove, op::FieldAdd, op::SeriesMeta, op::SeriesAdd,
                        op::SeriesRemove>;

// How many consecutive stamps an effect takes: one per element or field it writes.
inline size_t stamps_needed(const Op& op) {
  if (auto* push = std::get_if<op::ListPush>(&op)) return push->values.size();
  if (auto* set = std::get_if<op::HashSet>(&op)) return set->fields.size();
  return 1;
}

struct Effect {
  Stamp stamp;
  Op op;
  friend bool operator==(const Effect&, const Effect&) = default;
};

// One journal record and one unit on the wire: a command's or a MULTI/EXEC's effects, applied
// atomically everywhere.
struct Unit {
  uint64_t seq = 0;
  NodeIndex origin = 0;
  std::vector<Effect> effects;
  friend bool operator==(const Unit&, const Unit&) = default;
};

}  // namespace eddy::crdt
