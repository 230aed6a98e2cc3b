#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compact/compact_string.h"
#include "crdt/decimal.h"
#include "crdt/effect.h"
#include "crdt/stamp.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

enum class KeyType : uint8_t { kNone, kString };

// One replica's lane of a key's PN-counter: the running total of its own increments (only its
// owner writes it, so the greatest dot is the latest total) and the floor up to which a SET or
// DEL has absorbed it. The lane contributes total - floor_total to the value.
struct CounterLane {
  NodeIndex node = 0;
  Decimal total;
  Stamp dot;
  Decimal floor_total;
  Stamp floor_dot;
  friend bool operator==(const CounterLane&, const CounterLane&) = default;
};

// One entry of the causal max-register of absolute expiry; kPersist for PERSIST.
struct ExpiryEntry {
  int64_t at_ms = 0;
  Stamp dot;
  friend bool operator==(const ExpiryEntry&, const ExpiryEntry&) = default;
};

// The container behind one key: typed substates, each entry with its dot. The key's causal
// context is derived from the live dots (max per replica): under causal delivery that is all an
// observed-remove needs, and it keeps no tombstones. State transfer joins with the replicas'
// global version vectors as contexts. The common case (a string written once, no TTL) is 48
// bytes with no allocation besides the value's own; counter lanes and expiry entries live in an
// extras block allocated only when a key has them.
class KeyState {
 public:
  KeyState() = default;
  KeyState(KeyState&&) noexcept = default;
  KeyState& operator=(KeyState&&) noexcept = default;
  KeyState clone() const;

  bool alive() const { return has_register() || (extras_ && !extras_->lanes.empty()); }
  // Entries that are no value (expiry entries of a key whose values are gone): such a key is
  // invisible but kept, so that a concurrent write arriving later finds them, as on replicas
  // that received the effects in another order.
  bool has_entries() const { return alive() || (extras_ && !extras_->expiry.empty()); }
  KeyType type() const { return alive() ? KeyType::kString : KeyType::kNone; }

  // The string value as a reader sees it: the register, plus the counter lanes when there are
  // any (SET k 10 ‖ INCR k reads 11). Views point into `scratch` when bytes had to be produced.
  std::string_view string_value(std::string& scratch) const;
  size_t string_length() const;
  bool has_register() const { return !value_stamp_.empty(); }
  bool has_counter() const { return extras_ && !extras_->lanes.empty(); }
  const compact::CompactString& register_value() const { return value_; }
  Stamp register_stamp() const { return value_stamp_; }

  // The resolved expiry: the greatest surviving entry; nothing when none or PERSIST wins.
  std::optional<int64_t> expire_at() const;
  // The dot of the entry that decides the expiry, so that only its author emits the delete.
  Stamp expiry_author() const;

  VersionVector context() const;
  // What a writer that overwrites or removes this key ships as its observed context.
  Observed observe() const;
  const CounterLane* lane(NodeIndex node) const;

  void apply(const Stamp& stamp, const op::SetString& op, bool compress);
  void apply(const Stamp& stamp, const op::CounterAdd& op);
  void apply(const Stamp& stamp, const op::SetExpiry& op);
  void apply_remove(const Observed& seen);
  // FLUSH's form of observed-remove: every dot the VV covers goes, lanes are floored entirely.
  void apply_remove_all_covered(const VersionVector& seen);

  // The state join (used by state transfer and the lattice tests): a dot present on one side and
  // covered by the other side's context but absent from its state is dead.
  static KeyState join(const KeyState& a, const VersionVector& a_context, const KeyState& b,
                       const VersionVector& b_context);
  friend bool operator==(const KeyState& a, const KeyState& b);

  // Every entry with its dot, for tests and DEBUG: "reg=v@hlc.node lane=node:total-floor@..."
  std::string debug_string() const;

  // Bytes owned by this state outside the slot itself (for MEMORY USAGE).
  size_t heap_bytes() const;

 private:
  // A concurrent register write that lost to the winner but that no replica has yet observed
  // and removed: it stays, so that a DEL that saw only the winner leaves it standing (an
  // observed-remove removes only what its writer saw). Rare: only under concurrency.
  struct ShadowRegister {
    std::string value;
    Stamp dot;
    friend bool operator==(const ShadowRegister&, const ShadowRegister&) = default;
  };
  struct Extras {
    std::vector<CounterLane> lanes;        // sorted by replica id
    std::vector<ExpiryEntry> expiry;       // sorted by dot
    std::vector<ShadowRegister> shadows;   // sorted by dot
    friend bool operator==(const Extras&, const Extras&) = default;
  };

  Extras& extras();
  // Keeps the representation canonical (extras only when non-empty), so that replicas holding
  // the same state hold the same bytes.
  void drop_empty_extras();
  void remove_expiry_covered(const VersionVector& seen);
  void remove_values_covered(const Observed& seen);
  void set_register(const Stamp& stamp, std::string_view value, bool compress);
  void add_register(const Stamp& stamp, std::string_view value, bool compress);
  // After removals: the greatest surviving shadow becomes the register.
  void promote_shadow(bool compress);

  compact::CompactString value_;
  Stamp value_stamp_;
  std::unique_ptr<Extras> extras_;
};

// Redis's strict integer syntax (string2ll): no spaces, no '+', no leading zeros, fits int64.
std::optional<int64_t> parse_strict_int64(std::string_view s);

}  // namespace eddy::crdt
