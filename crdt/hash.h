#pragma once

#include <memory>
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
class HashState {
 public:
  HashState() = default;
  HashState(HashState&&) noexcept = default;
  HashState& operator=(HashState&&) noexcept = default;
  HashState clone() const;

  size_t size() const { return table_ ? table_->size() : packed_.size(); }
  bool empty() const { return size() == 0; }
  bool packed() const { return !table_; }
  const HashField* find(std::string_view field) const;

  // Every field in order: birth order when packed, table order otherwise.
  template <class F>
  void for_each(F&& fn) const {
    if (table_)
      table_->for_each([&](std::string_view name, const HashField& f) { fn(name, f); });
    else
      for (const auto& [name, f] : packed_) fn(name.plain_view(), f);
  }
  // The i-th field of a packed hash (HRANDFIELD).
  std::pair<std::string_view, const HashField*> packed_at(size_t i) const {
    return {packed_[i].first.plain_view(), &packed_[i].second};
  }
  compact::KeyTable<HashField>* table() const { return table_.get(); }

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
  HashField* find_mutable(std::string_view field);
  // The field's slot, created empty when absent.
  HashField& slot(std::string_view field);
  // After a change of one field: drops it when dead, keeps the packed order otherwise.
  void settle(std::string_view field);
  void erase(std::string_view field);
  // After changes of many fields: drops the dead ones and restores the packed order.
  void settle_all();
  // `longest`: the longest field name or value just written.
  void convert_if_needed(size_t longest);

  std::vector<std::pair<compact::CompactString, HashField>> packed_;  // sorted by birth
  std::unique_ptr<compact::KeyTable<HashField>> table_;
};

}  // namespace eddy::crdt
