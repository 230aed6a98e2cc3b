#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compact/compact_string.h"
#include "crdt/decimal.h"
#include "crdt/effect.h"
#include "crdt/stamp.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

// One replica's lane of a PN-counter: the running total of its own increments (only its owner
// writes it, so the greatest dot is the latest total) and the floor up to which a SET or DEL has
// absorbed it. The lane contributes total - floor_total to the value.
struct CounterLane {
  NodeIndex node = 0;
  Decimal total;
  Stamp dot;
  Decimal floor_total;
  Stamp floor_dot;
  Stamp birth;  // in a hash field: the field's birth as the lane's last writer saw it
  friend bool operator==(const CounterLane&, const CounterLane&) = default;
};

// A string-valued CRDT: an LWW register whose concurrent losers are kept until observed, plus
// PN-counter lanes. It is the string substate of a key and the value of every hash field. The
// common case (one register, no counter) is the value, its dot and one null pointer.
//
// In a hash field every entry also carries the field's birth as its writer saw it (what orders
// the fields). The register's birth lives with the field, outside the cell, so that string keys
// do not pay for it: the mutators take a pointer to it (null for strings).
class Cell {
 public:
  Cell() = default;
  Cell(Cell&&) noexcept = default;
  Cell& operator=(Cell&&) noexcept = default;
  Cell clone() const;
  // A cell holding only a register, as packed hashes store it.
  static Cell plain(std::string_view value, const Stamp& dot);
  bool is_plain() const { return !extras_; }

  bool alive() const { return has_register() || has_counter(); }
  bool has_register() const { return !dot_.empty(); }
  bool has_counter() const { return extras_ && !extras_->lanes.empty(); }
  const compact::CompactString& register_value() const { return value_; }
  Stamp register_stamp() const { return dot_; }
  // Four bytes in the padding after the dot that the cell's own operations never read or
  // compare (a clone or a join starts at 0): a key's access clock lives there
  // (KeyState::access), so that it costs a key nothing. Hash fields leave them unused.
  uint32_t spare() const { return spare_; }
  void set_spare(uint32_t v) { spare_ = v; }
  const CounterLane* lane(NodeIndex node) const;

  // The value as a reader sees it: the register plus the counter lanes (SET k 10 ‖ INCR k reads
  // 11). Views point into `scratch` when bytes had to be produced.
  std::string_view value(std::string& scratch) const;
  size_t length() const;
  // The greatest dot in the cell: the latest write, which decides a key's visible type.
  Stamp latest() const;

  void add_context(VersionVector& vv) const;
  void add_floors(std::vector<CounterFloor>& floors) const;

  // The birth carried by the latest entry: a hash field's place.
  Stamp latest_birth(const Stamp& register_birth) const;

  // A register write that observed `seen`: removes what its writer saw, then adds itself.
  void set(const Stamp& stamp, std::string_view value, const VersionVector& seen,
           std::span<const CounterFloor> floors, bool compress, Stamp* register_birth = nullptr,
           const Stamp& birth = {});
  // An increment of the writer's own lane to `total` (see op::CounterAdd).
  void add(const Stamp& stamp, const Decimal& delta, const Decimal& total, const Stamp& previous,
           const Stamp& birth = {});
  // Observed-remove: register entries the remover saw go, lanes are floored at what it saw.
  void remove(const VersionVector& seen, std::span<const CounterFloor> floors,
              Stamp* register_birth = nullptr);
  // FLUSH's form: every entry the VV covers goes (its lanes were floored first).
  void remove_all_covered(const VersionVector& seen, Stamp* register_birth = nullptr);

  static Cell join(const Cell& a, const VersionVector& a_context, const Cell& b,
                   const VersionVector& b_context, const Stamp& a_birth = {},
                   const Stamp& b_birth = {}, Stamp* register_birth = nullptr);
  friend bool operator==(const Cell& a, const Cell& b);
  // "reg=v@hlc.node lane=total@dot-floor@dot shadow=v@dot"
  std::string debug_string() const;
  size_t heap_bytes() const;

 private:
  friend struct StateCodec;  // snapshots write and rebuild the representation (crdt/codec.cc)

  // A concurrent register write that lost to the winner but that no replica has yet observed
  // and removed: it stays, so that a DEL that saw only the winner leaves it standing (an
  // observed-remove removes only what its writer saw). Rare: only under concurrency.
  struct ShadowRegister {
    std::string value;
    Stamp dot;
    Stamp birth;
    friend bool operator==(const ShadowRegister&, const ShadowRegister&) = default;
  };
  struct Extras {
    std::vector<CounterLane> lanes;        // sorted by replica id
    std::vector<ShadowRegister> shadows;   // sorted by dot
    friend bool operator==(const Extras&, const Extras&) = default;
  };

  Extras& extras();
  // Keeps the representation canonical (extras only when non-empty), so that replicas holding
  // the same state hold the same bytes.
  void drop_empty_extras();
  void set_register(const Stamp& stamp, std::string_view value, bool compress);
  void add_register(const Stamp& stamp, std::string_view value, bool compress,
                    Stamp* register_birth, const Stamp& birth);
  void remove_registers(const VersionVector& seen);
  // After removals: the greatest surviving shadow becomes the register.
  void promote_shadow(Stamp* register_birth);

  compact::CompactString value_;
  Stamp dot_;
  uint32_t spare_ = 0;
  std::unique_ptr<Extras> extras_;
};
static_assert(sizeof(Cell) == 48, "the spare word must stay in the padding");

std::string debug_stamp(const Stamp& s);

}  // namespace eddy::crdt
