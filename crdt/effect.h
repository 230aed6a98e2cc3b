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

struct Observed {
  VersionVector dots;
  std::vector<CounterFloor> floors;
  friend bool operator==(const Observed&, const Observed&) = default;
};

enum class ExpiryAction : uint8_t { kKeep, kClear, kSet };

namespace op {

// SET and everything that writes a whole string value (APPEND and SETRANGE ship the result).
struct SetString {
  int db = 0;
  std::string key;
  std::string value;
  ExpiryAction expiry = ExpiryAction::kClear;
  int64_t expire_at_ms = 0;  // for kSet
  Observed seen;
};

// INCR and friends: the writer's own lane moves by `delta` to `total`. `previous` is the lane's
// dot before this increment at the writer (empty when the lane starts a new life there).
struct CounterAdd {
  int db = 0;
  std::string key;
  Decimal delta;
  Decimal total;
  Stamp previous;
};

// EXPIRE family and PERSIST (expire_at_ms == kPersist): a causal max-register entry.
struct SetExpiry {
  static constexpr int64_t kPersist = INT64_MAX;
  int db = 0;
  std::string key;
  int64_t expire_at_ms = kPersist;
  VersionVector seen;
};

// DEL, UNLINK, expiry deletes, the source of RENAME and MOVE: observed-remove of the container.
struct RemoveKey {
  int db = 0;
  std::string key;
  Observed seen;
};

// A key's counter lanes as a flusher saw them.
struct KeyFloors {
  int db = 0;
  std::string key;
  std::vector<CounterFloor> floors;
};

// FLUSHDB (db >= 0) and FLUSHALL (db == -1): a global observed-remove with the replica's VV.
// Counter lanes carry their observed totals too, so that an increment concurrent with the flush
// survives as exactly its own delta on every replica, whichever arrived first.
struct Flush {
  int db = -1;
  VersionVector seen;
  std::vector<KeyFloors> counters;
};

struct SwapDb {
  int a = 0;
  int b = 0;
};

}  // namespace op

using Op = std::variant<op::SetString, op::CounterAdd, op::SetExpiry, op::RemoveKey, op::Flush,
                        op::SwapDb>;

struct Effect {
  Stamp stamp;
  Op op;
};

// One journal record and one unit on the wire: a command's or a MULTI/EXEC's effects, applied
// atomically everywhere.
struct Unit {
  uint64_t seq = 0;
  NodeIndex origin = 0;
  std::vector<Effect> effects;
};

}  // namespace eddy::crdt
