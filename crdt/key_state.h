#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compact/compact_string.h"
#include "crdt/cell.h"
#include "crdt/decimal.h"
#include "crdt/effect.h"
#include "crdt/hash.h"
#include "crdt/list.h"
#include "crdt/series.h"
#include "crdt/stamp.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

enum class KeyType : uint8_t { kNone, kString, kList, kHash, kSeries };

// One entry of the causal max-register of absolute expiry; kPersist for PERSIST.
struct ExpiryEntry {
  int64_t at_ms = 0;
  Stamp dot;
  friend bool operator==(const ExpiryEntry&, const ExpiryEntry&) = default;
};

// The container behind one key: typed substates (string, list, hash), each entry with its dot,
// and the expiry register. The key's causal context is derived from the live dots (max per
// replica): under causal delivery that is all an observed-remove needs, and it keeps no
// tombstones. Substates of different types written concurrently coexist; the visible type is
// the one whose latest write has the greatest stamp. The common case (a string written once, no
// TTL) is the string cell and one null pointer; expiry entries, lists and hashes live in an
// extras block allocated only when a key has them.
class KeyState {
 public:
  KeyState() = default;
  KeyState(KeyState&&) noexcept = default;
  KeyState& operator=(KeyState&&) noexcept = default;
  KeyState clone() const;

  bool alive() const { return string_.alive() || list() || hash() || series(); }
  // Entries that are no value (expiry entries of a key whose values are gone): such a key is
  // invisible but kept, so that a concurrent write arriving later finds them, as on replicas
  // that received the effects in another order.
  bool has_entries() const { return alive() || (extras_ && !extras_->expiry.empty()); }
  KeyType type() const;

  // The string substate.
  std::string_view string_value(std::string& scratch) const { return string_.value(scratch); }
  size_t string_length() const { return string_.length(); }
  bool has_register() const { return string_.has_register(); }
  bool has_counter() const { return string_.has_counter(); }
  const compact::CompactString& register_value() const { return string_.register_value(); }
  Stamp register_stamp() const { return string_.register_stamp(); }
  const CounterLane* lane(NodeIndex node) const { return string_.lane(node); }
  // The list and hash substates; null when the key has none (they are never empty).
  const ListState* list() const { return extras_ ? extras_->list.get() : nullptr; }
  const HashState* hash() const { return extras_ ? extras_->hash.get() : nullptr; }
  const SeriesState* series() const { return extras_ ? extras_->series.get() : nullptr; }

  // The resolved expiry: the greatest surviving entry; nothing when none or PERSIST wins.
  std::optional<int64_t> expire_at() const;
  // The dot of the entry that decides the expiry, so that only its author emits the delete.
  Stamp expiry_author() const;

  VersionVector context() const;
  VersionVector expiry_context() const;
  // What a writer that overwrites or removes this key ships as its observed context.
  Observed observe() const;
  // What a write of type `type` ships as `others`: nothing unless the key also holds substates
  // of other types.
  Observed observe_others(KeyType type) const;

  void apply(const Stamp& stamp, const op::SetString& op, bool compress);
  void apply(const Stamp& stamp, const op::CounterAdd& op);
  void apply(const Stamp& stamp, const op::SetExpiry& op);
  void apply(const Stamp& stamp, const op::ListPush& op, bool compress);
  void apply(const Stamp& stamp, const op::ListInsert& op, bool compress);
  void apply(const Stamp& stamp, const op::ListSet& op, bool compress);
  void apply(const Stamp& stamp, const op::ListRemove& op);
  void apply(const Stamp& stamp, const op::HashSet& op, bool compress);
  void apply(const Stamp& stamp, const op::HashRemove& op);
  void apply(const Stamp& stamp, const op::FieldAdd& op);
  void apply(const Stamp& stamp, const op::SeriesMeta& op);
  void apply(const Stamp& stamp, const op::SeriesAdd& op);
  void apply(const Stamp& stamp, const op::SeriesRemove& op);
  void apply_remove(const Observed& seen);
  // FLUSH's form of observed-remove: every dot the VV covers goes, lanes are floored entirely.
  void apply_remove_all_covered(const VersionVector& seen);

  // The state join (used by state transfer and the lattice tests): a dot present on one side and
  // covered by the other side's context but absent from its state is dead.
  static KeyState join(const KeyState& a, const VersionVector& a_context, const KeyState& b,
                       const VersionVector& b_context);
  friend bool operator==(const KeyState& a, const KeyState& b);

  // Every entry with its dot, for tests and DEBUG: "reg=v@hlc.node lane=... expiry=... list=[...]"
  std::string debug_string() const;

  // Bytes owned by this state outside the slot itself (for MEMORY USAGE).
  size_t heap_bytes() const;

  // The key's access clock for eviction (compact::AccessClock: 24 bits of LRU time or LFU
  // counter), kept in the string cell's spare word. It is no part of the CRDT state: equality,
  // joins, clones and snapshots ignore it.
  uint32_t access() const { return string_.spare(); }
  void set_access(uint32_t value) { string_.set_spare(value); }

 private:
  friend struct StateCodec;  // snapshots write and rebuild the representation (crdt/codec.cc)

  struct Extras {
    std::vector<ExpiryEntry> expiry;  // sorted by dot
    std::unique_ptr<ListState> list;
    std::unique_ptr<HashState> hash;
    std::unique_ptr<SeriesState> series;
  };

  Extras& extras();
  ListState& list_for_write();
  HashState& hash_for_write();
  SeriesState& series_for_write();
  // Keeps the representation canonical (no empty substate, extras only when non-empty), so that
  // replicas holding the same state hold the same bytes.
  void drop_empty();
  void remove_expiry_covered(const VersionVector& seen);
  // Observed-remove of every substate except `keep` (KeyType::kNone: of all of them).
  void remove_covered(const Observed& seen, KeyType keep);

  Cell string_;
  std::unique_ptr<Extras> extras_;
};

// Redis's strict integer syntax (string2ll): no spaces, no '+', no leading zeros, fits int64.
std::optional<int64_t> parse_strict_int64(std::string_view s);

}  // namespace eddy::crdt
