#include "crdt/key_state.h"

#include <algorithm>

namespace eddy::crdt {
namespace {

bool by_dot(const ExpiryEntry& a, const ExpiryEntry& b) { return a.dot < b.dot; }

}  // namespace

std::optional<int64_t> parse_strict_int64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  if (s.size() == 1 && s[0] == '0') return 0;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == s.size()) return std::nullopt;
  }
  if (s[i] < '1' || s[i] > '9') return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

KeyState KeyState::clone() const {
  KeyState copy;
  copy.string_ = string_.clone();
  if (extras_) {
    copy.extras_ = std::make_unique<Extras>();
    copy.extras_->expiry = extras_->expiry;
    if (extras_->list) copy.extras_->list = std::make_unique<ListState>(extras_->list->clone());
    if (extras_->hash) copy.extras_->hash = std::make_unique<HashState>(extras_->hash->clone());
    if (extras_->series)
      copy.extras_->series = std::make_unique<SeriesState>(extras_->series->clone());
  }
  return copy;
}

KeyState::Extras& KeyState::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

ListState& KeyState::list_for_write() {
  auto& list = extras().list;
  if (!list) list = std::make_unique<ListState>();
  return *list;
}

HashState& KeyState::hash_for_write() {
  auto& hash = extras().hash;
  if (!hash) hash = std::make_unique<HashState>();
  return *hash;
}

SeriesState& KeyState::series_for_write() {
  auto& series = extras().series;
  if (!series) series = std::make_unique<SeriesState>();
  return *series;
}

void KeyState::drop_empty() {
  if (!extras_) return;
  if (extras_->list && extras_->list->empty()) extras_->list.reset();
  if (extras_->hash && extras_->hash->empty()) extras_->hash.reset();
  if (extras_->series && extras_->series->empty()) extras_->series.reset();
  if (extras_->expiry.empty() && !extras_->list && !extras_->hash && !extras_->series)
    extras_.reset();
}

KeyType KeyState::type() const {
  const bool string = string_.alive();
  const ListState* l = list();
  const HashState* h = hash();
  const SeriesState* ts = series();
  if (string + (l != nullptr) + (h != nullptr) + (ts != nullptr) <= 1)
    return string ? KeyType::kString
           : l    ? KeyType::kList
           : h    ? KeyType::kHash
           : ts   ? KeyType::kSeries
                  : KeyType::kNone;
  // Concurrently created substates of different types: the latest write decides.
  KeyType type = KeyType::kNone;
  Stamp best;
  auto consider = [&](KeyType t, const Stamp& latest) {
    if (type == KeyType::kNone || best < latest) type = t, best = latest;
  };
  if (string) consider(KeyType::kString, string_.latest());
  if (l) consider(KeyType::kList, l->latest());
  if (h) consider(KeyType::kHash, h->latest());
  if (ts) consider(KeyType::kSeries, ts->latest());
  return type;
}

std::optional<int64_t> KeyState::expire_at() const {
  if (!extras_ || extras_->expiry.empty()) return std::nullopt;
  int64_t best = INT64_MIN;
  for (const ExpiryEntry& e : extras_->expiry) best = std::max(best, e.at_ms);
  if (best == op::SetExpiry::kPersist) return std::nullopt;
  return best;
}

Stamp KeyState::expiry_author() const {
  const ExpiryEntry* best = nullptr;
  if (extras_)
    for (const ExpiryEntry& e : extras_->expiry)
      if (!best || e.at_ms > best->at_ms || (e.at_ms == best->at_ms && best->dot < e.dot)) best = &e;
  return best ? best->dot : Stamp{};
}

VersionVector KeyState::expiry_context() const {
  VersionVector vv;
  if (extras_)
    for (const ExpiryEntry& e : extras_->expiry) vv.add(e.dot);
  return vv;
}

VersionVector KeyState::context() const {
  VersionVector vv = expiry_context();
  string_.add_context(vv);
  if (const ListState* l = list()) l->add_context(vv);
  if (const HashState* h = hash()) h->add_context(vv);
  if (const SeriesState* ts = series()) ts->add_context(vv);
  return vv;
}

Observed KeyState::observe() const {
  Observed seen;
  seen.dots = context();
  string_.add_floors(seen.floors);
  if (const HashState* h = hash()) h->add_floors(seen.fields);
  return seen;
}

Observed KeyState::observe_others(KeyType type) const {
  const bool others = (type != KeyType::kString && string_.alive()) ||
                      (type != KeyType::kList && list()) || (type != KeyType::kHash && hash()) ||
                      (type != KeyType::kSeries && series());
  return others ? observe() : Observed{};
}

void KeyState::remove_expiry_covered(const VersionVector& seen) {
  if (!extras_) return;
  std::erase_if(extras_->expiry, [&](const ExpiryEntry& e) { return seen.covers(e.dot); });
}

void KeyState::remove_covered(const Observed& seen, KeyType keep) {
  if (seen.empty()) return;
  if (keep != KeyType::kString) string_.remove(seen.dots, seen.floors);
  if (!extras_) return;
  if (keep != KeyType::kList && extras_->list) extras_->list->remove_covered(seen.dots);
  if (keep != KeyType::kHash && extras_->hash) extras_->hash->remove_covered(seen);
  if (keep != KeyType::kSeries && extras_->series) extras_->series->remove_covered(seen.dots);
}

void KeyState::apply_remove(const Observed& seen) {
  remove_covered(seen, KeyType::kNone);
  remove_expiry_covered(seen.dots);
  drop_empty();
}

void KeyState::apply_remove_all_covered(const VersionVector& seen) {
  string_.remove_all_covered(seen);
  if (extras_) {
    if (extras_->list) extras_->list->remove_covered(seen);
    if (extras_->hash) extras_->hash->remove_all_covered(seen);
    if (extras_->series) extras_->series->remove_covered(seen);
    remove_expiry_covered(seen);
  }
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::SetString& op, bool compress) {
  remove_covered(op.seen, KeyType::kString);
  if (op.expiry != ExpiryAction::kKeep) remove_expiry_covered(op.seen.dots);
  string_.set(stamp, op.value, op.seen.dots, op.seen.floors, compress);
  if (op.expiry == ExpiryAction::kSet) {
    auto& expiry = extras().expiry;
    ExpiryEntry entry{op.expire_at_ms, stamp};
    expiry.insert(std::upper_bound(expiry.begin(), expiry.end(), entry, by_dot), entry);
  }
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::CounterAdd& op) {
  remove_covered(op.others, KeyType::kString);
  string_.add(stamp, op.delta, op.total, op.previous);
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::SetExpiry& op) {
  remove_expiry_covered(op.seen);
  auto& expiry = extras().expiry;
  ExpiryEntry entry{op.expire_at_ms, stamp};
  auto pos = std::lower_bound(expiry.begin(), expiry.end(), entry, by_dot);
  if (pos == expiry.end() || !(pos->dot == stamp)) expiry.insert(pos, entry);
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::ListPush& op, bool compress) {
  remove_covered(op.others, KeyType::kList);
  list_for_write().push(stamp, op.side, op.values, compress);
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::ListInsert& op, bool compress) {
  remove_covered(op.others, KeyType::kList);
  list_for_write().insert(stamp, op.pivot, op.side, op.value, compress);
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::ListSet& op, bool compress) {
  remove_covered(op.others, KeyType::kList);
  if (extras_ && extras_->list) extras_->list->set(stamp, op.id, op.value, compress);
  drop_empty();
}

void KeyState::apply(const Stamp&, const op::ListRemove& op) {
  remove_covered(op.others, KeyType::kList);
  if (extras_ && extras_->list) extras_->list->remove(op.ids);
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::HashSet& op, bool compress) {
  remove_covered(op.others, KeyType::kHash);
  HashState& hash = hash_for_write();
  const uint64_t first = stamp.hlc - (op.fields.size() - 1);
  for (size_t i = 0; i < op.fields.size(); ++i)
    hash.set(Stamp{first + i, stamp.node}, op.fields[i], compress);
  drop_empty();
}

void KeyState::apply(const Stamp&, const op::HashRemove& op) {
  remove_covered(op.others, KeyType::kHash);
  if (extras_ && extras_->hash)
    for (const op::FieldRemove& f : op.fields) extras_->hash->remove(f.field, f.seen);
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::FieldAdd& op) {
  remove_covered(op.others, KeyType::kHash);
  hash_for_write().add(stamp, op);
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::SeriesMeta& op) {
  remove_covered(op.others, KeyType::kSeries);
  series_for_write().set_config(stamp, op.config, op.seen);
  drop_empty();
}

void KeyState::apply(const Stamp& stamp, const op::SeriesAdd& op) {
  remove_covered(op.others, KeyType::kSeries);
  series_for_write().add(stamp, op.samples, op.seen);
  drop_empty();
}

void KeyState::apply(const Stamp&, const op::SeriesRemove& op) {
  if (extras_ && extras_->series) extras_->series->remove(op.from, op.to, op.seen);
  drop_empty();
}

KeyState KeyState::join(const KeyState& a, const VersionVector& ac, const KeyState& b,
                        const VersionVector& bc) {
  KeyState out;
  out.string_ = Cell::join(a.string_, ac, b.string_, bc);
  static const Extras kNoExtras;
  const Extras& ae = a.extras_ ? *a.extras_ : kNoExtras;
  const Extras& be = b.extras_ ? *b.extras_ : kNoExtras;
  Extras& merged = out.extras();
  // Expiry entries: an observed-remove set of dots.
  auto has_entry = [](const Extras& e, const ExpiryEntry& x) {
    return std::find(e.expiry.begin(), e.expiry.end(), x) != e.expiry.end();
  };
  for (const ExpiryEntry& x : ae.expiry)
    if (has_entry(be, x) || !bc.covers(x.dot)) merged.expiry.push_back(x);
  for (const ExpiryEntry& x : be.expiry)
    if (!has_entry(ae, x) && !ac.covers(x.dot)) merged.expiry.push_back(x);
  std::sort(merged.expiry.begin(), merged.expiry.end(), by_dot);
  static const ListState kNoList;
  static const HashState kNoHash;
  static const SeriesState kNoSeries;
  if (ae.list || be.list)
    merged.list = std::make_unique<ListState>(ListState::join(
        ae.list ? *ae.list : kNoList, ac, be.list ? *be.list : kNoList, bc));
  if (ae.hash || be.hash)
    merged.hash = std::make_unique<HashState>(HashState::join(
        ae.hash ? *ae.hash : kNoHash, ac, be.hash ? *be.hash : kNoHash, bc));
  if (ae.series || be.series)
    merged.series = std::make_unique<SeriesState>(SeriesState::join(
        ae.series ? *ae.series : kNoSeries, ac, be.series ? *be.series : kNoSeries, bc));
  out.drop_empty();
  return out;
}

bool operator==(const KeyState& a, const KeyState& b) {
  if (!(a.string_ == b.string_)) return false;
  if (!a.extras_ || !b.extras_) return !a.extras_ && !b.extras_;
  auto same = [](const auto* x, const auto* y) { return (!x && !y) || (x && y && *x == *y); };
  return a.extras_->expiry == b.extras_->expiry && same(a.list(), b.list()) &&
         same(a.hash(), b.hash()) && same(a.series(), b.series());
}

std::string KeyState::debug_string() const {
  std::string out = string_.debug_string();
  if (extras_) {
    for (const ExpiryEntry& e : extras_->expiry)
      out += " expiry=" + std::to_string(e.at_ms) + "@" + debug_stamp(e.dot);
    if (extras_->list) out += " " + extras_->list->debug_string();
    if (extras_->hash) out += " " + extras_->hash->debug_string();
    if (extras_->series) out += " " + extras_->series->debug_string();
  }
  return out;
}

size_t KeyState::heap_bytes() const {
  size_t bytes = string_.heap_bytes();
  if (extras_) {
    bytes += sizeof(Extras) + extras_->expiry.capacity() * sizeof(ExpiryEntry);
    if (extras_->list) bytes += sizeof(ListState) + extras_->list->heap_bytes();
    if (extras_->hash) bytes += sizeof(HashState) + extras_->hash->heap_bytes();
    if (extras_->series) bytes += sizeof(SeriesState) + extras_->series->heap_bytes();
  }
  return bytes;
}

}  // namespace eddy::crdt
