#include "crdt/hash.h"

#include <algorithm>

namespace eddy::crdt {

HashLimits& hash_limits() {
  static HashLimits limits;
  return limits;
}

HashState HashState::clone() const {
  HashState copy;
  for (const auto& [name, f] : packed_) copy.packed_.emplace_back(name.clone(), HashField{f.birth, f.cell.clone()});
  if (table_) {
    copy.table_ = std::make_unique<compact::KeyTable<HashField>>();
    table_->for_each([&](std::string_view name, const HashField& f) {
      *copy.table_->try_emplace(name).first = HashField{f.birth, f.cell.clone()};
    });
  }
  return copy;
}

const HashField* HashState::find(std::string_view field) const {
  if (table_) return table_->find(field);
  for (const auto& [name, f] : packed_)
    if (name.plain_view() == field) return &f;
  return nullptr;
}

HashField* HashState::find_mutable(std::string_view field) {
  return const_cast<HashField*>(std::as_const(*this).find(field));
}

void HashState::convert_if_needed(size_t longest) {
  if (table_) return;
  const HashLimits& limits = hash_limits();
  if (packed_.size() <= limits.max_packed_entries && longest <= limits.max_packed_value)
    return;
  table_ = std::make_unique<compact::KeyTable<HashField>>();
  for (auto& [name, f] : packed_) *table_->try_emplace(name.plain_view()).first = std::move(f);
  packed_.clear();
  packed_.shrink_to_fit();
}

HashField& HashState::slot(std::string_view field) {
  if (HashField* f = find_mutable(field)) return *f;
  if (table_) return *table_->try_emplace(field).first;
  compact::CompactString name;
  name.assign(field, false);
  return packed_.emplace_back(std::move(name), HashField{}).second;
}

void HashState::settle(std::string_view field) {
  HashField* f = find_mutable(field);
  if (!f) return;
  if (!f->cell.alive()) return erase(field);
  if (table_) return;
  auto at = std::find_if(packed_.begin(), packed_.end(),
                         [&](const auto& entry) { return &entry.second == f; });
  const Stamp place = f->place();
  const bool after_previous = at == packed_.begin() || std::prev(at)->second.place() < place;
  const bool before_next = std::next(at) == packed_.end() || place < std::next(at)->second.place();
  if (after_previous && before_next) return;  // the common case: its place did not change
  auto entry = std::move(*at);
  packed_.erase(at);
  auto pos = std::upper_bound(packed_.begin(), packed_.end(), place,
                              [](const Stamp& p, const auto& e) { return p < e.second.place(); });
  packed_.insert(pos, std::move(entry));
}

void HashState::erase(std::string_view field) {
  if (table_) {
    table_->erase(field);
    return;
  }
  std::erase_if(packed_, [&](const auto& entry) { return entry.first.plain_view() == field; });
}

void HashState::settle_all() {
  if (table_) {
    std::vector<std::string> dead;
    table_->for_each([&](std::string_view name, const HashField& f) {
      if (!f.cell.alive()) dead.emplace_back(name);
    });
    for (const std::string& name : dead) table_->erase(name);
    return;
  }
  std::erase_if(packed_, [](const auto& entry) { return !entry.second.cell.alive(); });
  std::stable_sort(packed_.begin(), packed_.end(), [](const auto& a, const auto& b) {
    return a.second.place() < b.second.place();
  });
}

Stamp HashState::latest() const {
  Stamp best;
  for_each([&](std::string_view, const HashField& f) { best = std::max(best, f.cell.latest()); });
  return best;
}

void HashState::add_context(VersionVector& vv) const {
  for_each([&](std::string_view, const HashField& f) { f.cell.add_context(vv); });
}

void HashState::add_floors(std::vector<FieldFloors>& fields) const {
  for_each([&](std::string_view name, const HashField& f) {
    if (!f.cell.has_counter()) return;
    FieldFloors entry{std::string(name), {}};
    f.cell.add_floors(entry.floors);
    fields.push_back(std::move(entry));
  });
}

namespace {

std::span<const CounterFloor> floors_of(const Observed& seen, std::string_view field) {
  for (const FieldFloors& f : seen.fields)
    if (f.field == field) return f.floors;
  return {};
}

}  // namespace

void HashState::set(const Stamp& dot, const op::FieldWrite& write, bool compress) {
  HashField& f = slot(write.field);
  f.cell.set(dot, write.value, write.seen.dots, write.seen.floors, compress, &f.birth,
             write.birth.empty() ? dot : write.birth);
  settle(write.field);
  convert_if_needed(std::max(write.field.size(), write.value.size()));
}

void HashState::add(const Stamp& stamp, const op::FieldAdd& op) {
  HashField& f = slot(op.field);
  f.cell.add(stamp, op.delta, op.total, op.previous, op.birth.empty() ? stamp : op.birth);
  settle(op.field);
  convert_if_needed(op.field.size());
}

void HashState::remove(std::string_view field, const Observed& seen) {
  HashField* f = find_mutable(field);
  if (!f) return;
  f->cell.remove(seen.dots, seen.floors, &f->birth);
  settle(field);
}

void HashState::remove_covered(const Observed& seen) {
  auto each = [&](std::string_view name, HashField& f) {
    f.cell.remove(seen.dots, floors_of(seen, name), &f.birth);
  };
  if (table_)
    table_->for_each(each);
  else
    for (auto& [name, f] : packed_) each(name.plain_view(), f);
  settle_all();
}

void HashState::remove_all_covered(const VersionVector& seen) {
  auto each = [&](std::string_view, HashField& f) { f.cell.remove_all_covered(seen, &f.birth); };
  if (table_)
    table_->for_each(each);
  else
    for (auto& [name, f] : packed_) each(name.plain_view(), f);
  settle_all();
}

HashState HashState::join(const HashState& a, const VersionVector& ac, const HashState& b,
                          const VersionVector& bc) {
  HashState out;
  static const HashField kAbsent;
  auto merge = [&](std::string_view name, const HashField& x, const HashField& y) {
    Stamp birth;
    Cell cell = Cell::join(x.cell, ac, y.cell, bc, x.birth, y.birth, &birth);
    if (!cell.alive()) return;
    HashField& f = out.slot(name);
    f.birth = birth;
    f.cell = std::move(cell);
  };
  a.for_each([&](std::string_view name, const HashField& x) {
    const HashField* y = b.find(name);
    merge(name, x, y ? *y : kAbsent);
  });
  b.for_each([&](std::string_view name, const HashField& y) {
    if (!a.find(name)) merge(name, kAbsent, y);
  });
  out.settle_all();
  if (!a.packed() || !b.packed()) out.convert_if_needed(SIZE_MAX);
  return out;
}

bool operator==(const HashState& a, const HashState& b) {
  if (a.size() != b.size()) return false;
  bool same = true;
  a.for_each([&](std::string_view name, const HashField& x) {
    const HashField* y = b.find(name);
    if (!y || !(x == *y)) same = false;
  });
  return same;
}

std::string HashState::debug_string() const {
  std::vector<std::string> fields;
  for_each([&](std::string_view name, const HashField& f) {
    fields.push_back(std::string(name) + "{" + debug_stamp(f.place()) + " " +
                     f.cell.debug_string() + "}");
  });
  // Packed hashes are already in a replica-independent order; tables are not.
  if (table_) std::sort(fields.begin(), fields.end());
  std::string out = "hash=[";
  for (const std::string& f : fields) out += (out.back() == '[' ? "" : " ") + f;
  return out + "]";
}

size_t HashState::heap_bytes() const {
  size_t bytes = packed_.capacity() * sizeof(packed_[0]);
  for (const auto& [name, f] : packed_) bytes += name.heap_bytes() + f.cell.heap_bytes();
  if (table_) {
    bytes += sizeof(*table_) + table_->memory_bytes();
    table_->for_each([&](std::string_view, const HashField& f) { bytes += f.cell.heap_bytes(); });
  }
  return bytes;
}

}  // namespace eddy::crdt
