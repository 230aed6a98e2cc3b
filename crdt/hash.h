#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compact/compact_string.h"
#include "compact/key_table.h"
#include "crdt/cell.h"
#include "crdt/effect.h"
#include "crdt/stamp.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

// Redis's hash-max-listpack-entries and hash-max-listpack-value: past them a hash leaves the
// packed form for a hash table, and never comes back (as in Redis).
struct HashLimits {
  size_t max_packed_entries = 512;
  size_t max_packed_value = 64;
};
HashLimits& hash_limits();

// A hash field: its value cell and the birth its register's writer saw (the dot of the write
// that created the field; a write of an existing field carries the existing birth). The field's
// place is the birth carried by its latest entry: a packed hash keeps its fields in that order,
// which is Redis's insertion order in a sequential history (a field set again keeps its place),
// and, being a function of the entries alone, the same order on every replica.
struct HashField {
  Stamp birth;
  Cell cell;
  Stamp place() const { return cell.latest_birth(birth); }
  friend bool operator==(const HashField&, const HashField&) = default;
};

// The OR-map behind a hash: field → Cell (LWW register plus counter lanes). HDEL is an
// observed-remove of one field's entries; an unobserved write or increment survives it.
//
// Small hashes are packed (Redis's listpack idea): fields holding just a register live in one
// byte string in place order (name, value, dot as a delta from a base, birth as a delta from the
// dot); the rare fields with concurrent losers or counter lanes are kept aside, whole. Past the
// limits the hash becomes a table of fields. Readers get plain fields decoded into one scratch
// slot per thread: a pointer from find() is valid until the next find() or packed_at().
class HashState {
 public:
  HashState() = default;
  HashState(HashState&&) noexcept = default;
  HashState& operator=(HashState&&) noexcept = default;
  HashState clone() const;

  size_t size() const { return table() ? table()->size() : plain_count_ + kept().size(); }
  bool empty() const { return size() == 0; }
  bool packed() const { return !table(); }
  const HashField* find(std::string_view field) const;

  // Every field in order: place order when packed, table order otherwise.
  template <class F>
  void for_each(F&& fn) const {
    if (const auto* t = table()) {
      t->for_each([&](std::string_view name, const HashField& f) { fn(name, f); });
      return;
    }
    // Merge the plain fields and the kept ones, both in place order.
    auto others = kept();
    size_t offset = 0, k = 0;
    for (uint32_t i = 0; i < plain_count_; ++i) {
      Plain p = decode(offset);
      while (k < others.size() && others[k].second.place() < p.birth) {
        fn(others[k].first.plain_view(), static_cast<const HashField&>(others[k].second));
        ++k;
      }
      HashField f{p.birth, Cell::plain(p.value, p.dot)};
      fn(p.name, static_cast<const HashField&>(f));
      offset += p.bytes;
    }
    for (; k < others.size(); ++k)
      fn(others[k].first.plain_view(), static_cast<const HashField&>(others[k].second));
  }
  // The i-th field of a packed hash (HRANDFIELD); the field is valid until the next call.
  std::pair<std::string_view, const HashField*> packed_at(size_t i) const;
  compact::KeyTable<HashField>* table() const { return spill_ ? spill_->table.get() : nullptr; }

  Stamp latest() const;
  void add_context(VersionVector& vv) const;
  void add_floors(std::vector<FieldFloors>& fields) const;

  void set(const Stamp& dot, const op::FieldWrite& write, bool compress);
  void add(const Stamp& stamp, const op::FieldAdd& op);
  void remove(std::string_view field, const Observed& seen);
  // A whole-key observed-remove (DEL, SET over the hash): every field's covered entries.
  void remove_covered(const Observed& seen);
  void remove_all_covered(const VersionVector& seen);

  static HashState join(const HashState& a, const VersionVector& a_context, const HashState& b,
                        const VersionVector& b_context);
  friend bool operator==(const HashState& a, const HashState& b);
  std::string debug_string() const;
  size_t heap_bytes() const;

 private:
  friend struct StateCodec;  // snapshots write and rebuild the representation (crdt/codec.cc)

  // A plain field as stored: views into the packed bytes.
  struct Plain {
    std::string_view name;
    std::string_view value;
    Stamp dot;
    Stamp birth;
    size_t bytes = 0;
  };
  Plain decode(size_t offset) const;
  void encode(std::string& out, std::string_view name, const HashField& f);
  void encode_plain(std::string& out, std::string_view name, std::string_view value,
                    const Stamp& dot, const Stamp& birth) const;
  // Removes the field and returns it whole (a default HashField when absent).
  HashField take(std::string_view field);
  // Stores a field back at its place, when it is alive.
  void put(std::string_view field, HashField f);
  // Applies `mutate` to the field (created empty when absent) and stores the result.
  template <class Mutate>
  void update(std::string_view field, Mutate mutate);
  // Every field taken out, for changes that touch them all.
  std::vector<std::pair<std::string, HashField>> take_all();
  void convert_if_needed(size_t longest);

  std::string plain_;        // plain fields, in place order
  uint64_t base_ = 0;        // the HLC their dots are deltas from
  uint32_t plain_count_ = 0;
  // Rare parts in one block, so that a small hash of plain fields is 56 bytes plus its bytes.
  struct Spill {
    std::vector<std::pair<compact::CompactString, HashField>> kept;  // the others, in place order
    std::unique_ptr<compact::KeyTable<HashField>> table;
  };
  Spill& spill() {
    if (!spill_) spill_ = std::make_unique<Spill>();
    return *spill_;
  }
  std::span<const std::pair<compact::CompactString, HashField>> kept() const {
    return spill_ ? std::span(spill_->kept) : std::span<const std::pair<compact::CompactString, HashField>>();
  }
  std::unique_ptr<Spill> spill_;
};

}  // namespace eddy::crdt
