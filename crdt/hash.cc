#include "crdt/hash.h"

#include <algorithm>

#include "compact/varint.h"

namespace eddy::crdt {
namespace {

using compact::get_varint;
using compact::put_varint;

std::span<const CounterFloor> floors_of(const Observed& seen, std::string_view field) {
  for (const FieldFloors& f : seen.fields)
    if (f.field == field) return f.floors;
  return {};
}

// Where find() and packed_at() decode a packed field for their caller.
thread_local HashField found;

}  // namespace

HashLimits& hash_limits() {
  static HashLimits limits;
  return limits;
}

// A plain field: name, value, the dot's HLC as a zigzag delta from the base, its replica, and the
// birth as a delta back from the dot, its low bit saying whether the birth's replica differs from
// the dot's (and follows).
void HashState::encode_plain(std::string& out, std::string_view name, std::string_view value,
                             const Stamp& dot, const Stamp& birth) const {
  put_varint(out, name.size());
  out.append(name);
  put_varint(out, value.size());
  out.append(value);
  put_varint(out, compact::zigzag(static_cast<int64_t>(dot.hlc - base_)));
  put_varint(out, dot.node);
  const bool other_node = birth.node != dot.node;
  put_varint(out, compact::zigzag(static_cast<int64_t>(dot.hlc - birth.hlc)) << 1 | other_node);
  if (other_node) put_varint(out, birth.node);
}

void HashState::encode(std::string& out, std::string_view name, const HashField& f) {
  std::string scratch;
  encode_plain(out, name, f.cell.register_value().view(scratch), f.cell.register_stamp(), f.birth);
}

HashState::Plain HashState::decode(size_t offset) const {
  const char* begin = plain_.data() + offset;
  const char* p = begin;
  Plain f;
  uint64_t n = get_varint(p);
  f.name = std::string_view(p, n);
  p += n;
  n = get_varint(p);
  f.value = std::string_view(p, n);
  p += n;
  const uint64_t hlc = base_ + static_cast<uint64_t>(compact::unzigzag(get_varint(p)));
  f.dot = Stamp{hlc, static_cast<NodeIndex>(get_varint(p))};
  const uint64_t birth = get_varint(p);
  const uint64_t birth_hlc = hlc - static_cast<uint64_t>(compact::unzigzag(birth >> 1));
  f.birth = Stamp{birth_hlc, (birth & 1) ? static_cast<NodeIndex>(get_varint(p)) : f.dot.node};
  f.bytes = static_cast<size_t>(p - begin);
  return f;
}

HashState HashState::clone() const {
  HashState copy;
  copy.plain_ = plain_;
  copy.base_ = base_;
  copy.plain_count_ = plain_count_;
  for (const auto& [name, f] : kept())
    copy.spill().kept.emplace_back(name.clone(), HashField{f.birth, f.cell.clone()});
  if (const auto* t = table()) {
    auto& out = copy.spill().table = std::make_unique<compact::KeyTable<HashField>>();
    t->for_each([&](std::string_view name, const HashField& f) {
      *out->try_emplace(name).first = HashField{f.birth, f.cell.clone()};
    });
  }
  return copy;
}

const HashField* HashState::find(std::string_view field) const {
  if (const auto* t = table()) return t->find(field);
  size_t offset = 0;
  for (uint32_t i = 0; i < plain_count_; ++i) {
    Plain p = decode(offset);
    if (p.name == field) {
      found = HashField{p.birth, Cell::plain(p.value, p.dot)};
      return &found;
    }
    offset += p.bytes;
  }
  for (const auto& [name, f] : kept())
    if (name.plain_view() == field) return &f;
  return nullptr;
}

std::pair<std::string_view, const HashField*> HashState::packed_at(size_t i) const {
  std::pair<std::string_view, const HashField*> out;
  size_t index = 0;
  for_each([&](std::string_view name, const HashField& f) {
    if (index++ != i) return;
    out.first = name;
    found = HashField{f.birth, f.cell.clone()};
    out.second = &found;
  });
  return out;
}

HashField HashState::take(std::string_view field) {
  if (auto* t = table()) {
    HashField* f = t->find(field);
    if (!f) return HashField{};
    HashField out = std::move(*f);
    t->erase(field);
    return out;
  }
  size_t offset = 0;
  for (uint32_t i = 0; i < plain_count_; ++i) {
    Plain p = decode(offset);
    if (p.name == field) {
      HashField out{p.birth, Cell::plain(p.value, p.dot)};
      plain_.erase(offset, p.bytes);
      --plain_count_;
      return out;
    }
    offset += p.bytes;
  }
  if (!spill_) return HashField{};
  auto& kept = spill_->kept;
  for (auto it = kept.begin(); it != kept.end(); ++it) {
    if (it->first.plain_view() != field) continue;
    HashField out = std::move(it->second);
    kept.erase(it);
    return out;
  }
  return HashField{};
}

void HashState::put(std::string_view field, HashField f) {
  if (!f.cell.alive()) return;
  if (auto* t = table()) {
    *t->try_emplace(field).first = std::move(f);
    return;
  }
  const Stamp place = f.place();
  if (!f.cell.is_plain() || !f.cell.has_register()) {
    auto& kept = spill().kept;
    auto pos = std::upper_bound(kept.begin(), kept.end(), place,
                                [](const Stamp& p, const auto& e) { return p < e.second.place(); });
    compact::CompactString name;
    name.assign(field, false);
    kept.insert(pos, {std::move(name), std::move(f)});
    return;
  }
  if (plain_count_ == 0) base_ = f.cell.register_stamp().hlc;
  // Fields are usually created newest last: look for the place from the end.
  size_t offset = 0, at = plain_.size();
  for (uint32_t i = 0; i < plain_count_; ++i) {
    Plain p = decode(offset);
    if (place < p.birth) {
      at = offset;
      break;
    }
    offset += p.bytes;
  }
  std::string bytes;
  encode(bytes, field, f);
  plain_.insert(at, bytes);
  ++plain_count_;
  // Small hashes are many: keep no growth slack (a write rewrites the bytes anyway).
  if (plain_.capacity() > plain_.size() + plain_.size() / 8 + 16) plain_.shrink_to_fit();
}

std::vector<std::pair<std::string, HashField>> HashState::take_all() {
  std::vector<std::pair<std::string, HashField>> all;
  all.reserve(size());
  if (auto* t = table()) {
    t->for_each([&](std::string_view name, HashField& f) {
      all.emplace_back(std::string(name), std::move(f));
    });
    t->clear();
    return all;
  }
  for_each([&](std::string_view name, const HashField& f) {
    all.emplace_back(std::string(name), HashField{f.birth, f.cell.clone()});
  });
  plain_.clear();
  plain_count_ = 0;
  spill_.reset();
  return all;
}

void HashState::convert_if_needed(size_t longest) {
  if (table()) return;
  const HashLimits& limits = hash_limits();
  if (size() <= limits.max_packed_entries && longest <= limits.max_packed_value) return;
  auto all = take_all();
  plain_.shrink_to_fit();
  auto& t = spill().table = std::make_unique<compact::KeyTable<HashField>>();
  for (auto& [name, f] : all) *t->try_emplace(name).first = std::move(f);
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

template <class Mutate>
void HashState::update(std::string_view field, Mutate mutate) {
  if (auto* t = table()) {  // in place: no node freed and allocated again
    HashField* f = t->try_emplace(field).first;
    mutate(*f);
    if (!f->cell.alive()) t->erase(field);
    return;
  }
  HashField f = take(field);
  mutate(f);
  put(field, std::move(f));
}

void HashState::set(const Stamp& dot, const op::FieldWrite& write, bool compress) {
  // Packed values stay plain bytes; a table's values may be compressed.
  const bool compressed = compress && table();
  update(write.field, [&](HashField& f) {
    f.cell.set(dot, write.value, write.seen.dots, write.seen.floors, compressed, &f.birth,
               write.birth.empty() ? dot : write.birth);
  });
  convert_if_needed(std::max(write.field.size(), write.value.size()));
}

void HashState::add(const Stamp& stamp, const op::FieldAdd& op) {
  update(op.field, [&](HashField& f) {
    f.cell.add(stamp, op.delta, op.total, op.previous, op.birth.empty() ? stamp : op.birth);
  });
  convert_if_needed(op.field.size());
}

void HashState::remove(std::string_view field, const Observed& seen) {
  if (!find(field)) return;
  update(field, [&](HashField& f) { f.cell.remove(seen.dots, seen.floors, &f.birth); });
}

void HashState::remove_covered(const Observed& seen) {
  for (auto& [name, f] : take_all()) {
    f.cell.remove(seen.dots, floors_of(seen, name), &f.birth);
    put(name, std::move(f));
  }
}

void HashState::remove_all_covered(const VersionVector& seen) {
  for (auto& [name, f] : take_all()) {
    f.cell.remove_all_covered(seen, &f.birth);
    put(name, std::move(f));
  }
}

HashState HashState::join(const HashState& a, const VersionVector& ac, const HashState& b,
                          const VersionVector& bc) {
  HashState out;
  if (!a.packed() || !b.packed()) out.spill().table = std::make_unique<compact::KeyTable<HashField>>();
  static const HashField kAbsent;
  auto merge = [&](std::string_view name, const HashField& x, const HashField& y) {
    HashField f;
    f.cell = Cell::join(x.cell, ac, y.cell, bc, x.birth, y.birth, &f.birth);
    out.put(name, std::move(f));
  };
  a.for_each([&](std::string_view name, const HashField& x) {
    const HashField* y = b.find(name);
    merge(name, x, y ? *y : kAbsent);
  });
  b.for_each([&](std::string_view name, const HashField& y) {
    if (!a.find(name)) merge(name, kAbsent, y);
  });
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
  if (table()) std::sort(fields.begin(), fields.end());
  std::string out = "hash=[";
  for (const std::string& f : fields) out += (out.back() == '[' ? "" : " ") + f;
  return out + "]";
}

size_t HashState::heap_bytes() const {
  size_t bytes = plain_.capacity() > 15 ? plain_.capacity() + 1 : 0;
  if (spill_) bytes += sizeof(Spill) + spill_->kept.capacity() * sizeof(spill_->kept[0]);
  for (const auto& [name, f] : kept()) bytes += name.heap_bytes() + f.cell.heap_bytes();
  if (const auto* t = table()) {
    bytes += sizeof(*t) + t->memory_bytes();
    t->for_each([&](std::string_view, const HashField& f) { bytes += f.cell.heap_bytes(); });
  }
  return bytes;
}

}  // namespace eddy::crdt
