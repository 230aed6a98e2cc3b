#include "crdt/key_state.h"

#include <algorithm>

namespace eddy::crdt {
namespace {

bool by_replica_id(const CounterLane& a, const CounterLane& b) {
  return NodeRegistry::id(a.node) < NodeRegistry::id(b.node);
}

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
  copy.value_ = value_.clone();
  copy.value_stamp_ = value_stamp_;
  if (extras_) copy.extras_ = std::make_unique<Extras>(*extras_);
  return copy;
}

KeyState::Extras& KeyState::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

void KeyState::drop_empty_extras() {
  if (extras_ && extras_->lanes.empty() && extras_->expiry.empty() && extras_->shadows.empty())
    extras_.reset();
}

void KeyState::set_register(const Stamp& stamp, std::string_view value, bool compress) {
  value_.assign(value, compress);
  value_stamp_ = stamp;
}

void KeyState::add_register(const Stamp& stamp, std::string_view value, bool compress) {
  if (value_stamp_ == stamp) return;  // a duplicate delivery
  auto shadow_at = [&](const Stamp& dot) {
    auto& shadows = extras().shadows;
    return std::lower_bound(shadows.begin(), shadows.end(), dot,
                            [](const ShadowRegister& r, const Stamp& d) { return r.dot < d; });
  };
  if (!has_register()) {
    set_register(stamp, value, compress);
  } else if (value_stamp_ < stamp) {
    std::string scratch;
    ShadowRegister loser{std::string(value_.view(scratch)), value_stamp_};
    extras().shadows.insert(shadow_at(loser.dot), std::move(loser));
    set_register(stamp, value, compress);
  } else {
    auto pos = shadow_at(stamp);
    if (pos == extras().shadows.end() || !(pos->dot == stamp))
      extras().shadows.insert(pos, ShadowRegister{std::string(value), stamp});
  }
}

void KeyState::promote_shadow(bool compress) {
  if (has_register() || !extras_ || extras_->shadows.empty()) return;
  ShadowRegister& best = extras_->shadows.back();
  set_register(best.dot, best.value, compress);
  extras_->shadows.pop_back();
}

std::string_view KeyState::string_value(std::string& scratch) const {
  if (!has_counter()) return value_.view(scratch);
  Decimal sum;
  if (has_register()) {
    // A concurrent SET of a non-number and an INCR: the SET's text is what every replica shows,
    // deterministically, until a later write resolves it.
    auto base = Decimal::parse(value_.view(scratch));
    if (!base) return value_.view(scratch);
    sum = *base;
  }
  for (const CounterLane& lane : extras_->lanes) {
    auto contribution = lane.total.sub(lane.floor_total);
    auto next = contribution ? sum.add(*contribution) : std::nullopt;
    if (next) sum = *next;
  }
  scratch = sum.format();
  return scratch;
}

size_t KeyState::string_length() const {
  if (!has_counter() && !value_.is_compressed()) return value_.size();
  std::string scratch;
  return string_value(scratch).size();
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

VersionVector KeyState::context() const {
  VersionVector vv;
  if (has_register()) vv.add(value_stamp_);
  if (extras_) {
    for (const ShadowRegister& r : extras_->shadows) vv.add(r.dot);
    for (const CounterLane& lane : extras_->lanes) vv.add(lane.dot);
    for (const ExpiryEntry& e : extras_->expiry) vv.add(e.dot);
  }
  return vv;
}

Observed KeyState::observe() const {
  Observed seen;
  seen.dots = context();
  if (extras_)
    for (const CounterLane& lane : extras_->lanes)
      seen.floors.push_back(CounterFloor{lane.node, lane.total, lane.dot});
  return seen;
}

const CounterLane* KeyState::lane(NodeIndex node) const {
  if (!extras_) return nullptr;
  for (const CounterLane& lane : extras_->lanes)
    if (lane.node == node) return &lane;
  return nullptr;
}

void KeyState::remove_expiry_covered(const VersionVector& seen) {
  if (!extras_) return;
  std::erase_if(extras_->expiry, [&](const ExpiryEntry& e) { return seen.covers(e.dot); });
}

void KeyState::apply_remove(const Observed& seen) {
  remove_values_covered(seen);
  remove_expiry_covered(seen.dots);
  promote_shadow(false);
  drop_empty_extras();
}

void KeyState::remove_values_covered(const Observed& seen) {
  if (has_register() && seen.dots.covers(value_stamp_)) {
    value_ = compact::CompactString();
    value_stamp_ = Stamp{};
  }
  if (extras_) {
    std::erase_if(extras_->shadows,
                  [&](const ShadowRegister& r) { return seen.dots.covers(r.dot); });
    for (const CounterFloor& floor : seen.floors) {
      for (CounterLane& lane : extras_->lanes) {
        if (lane.node != floor.node) continue;
        if (lane.floor_dot < floor.dot) {
          lane.floor_total = floor.total;
          lane.floor_dot = floor.dot;
        }
      }
    }
    std::erase_if(extras_->lanes, [](const CounterLane& l) { return l.dot <= l.floor_dot; });
  }
}

void KeyState::apply_remove_all_covered(const VersionVector& seen) {
  if (has_register() && seen.covers(value_stamp_)) {
    value_ = compact::CompactString();
    value_stamp_ = Stamp{};
  }
  if (extras_) {
    std::erase_if(extras_->shadows, [&](const ShadowRegister& r) { return seen.covers(r.dot); });
    // Lanes the remover saw were floored by their own totals first (Flush's counters); what is
    // left covered here had nothing beyond the floor.
    std::erase_if(extras_->lanes, [&](const CounterLane& l) {
      return seen.covers(l.dot) && l.dot <= l.floor_dot;
    });
    remove_expiry_covered(seen);
  }
  promote_shadow(false);
  drop_empty_extras();
}

void KeyState::apply(const Stamp& stamp, const op::SetString& op, bool compress) {
  remove_values_covered(op.seen);
  if (op.expiry != ExpiryAction::kKeep) remove_expiry_covered(op.seen.dots);
  promote_shadow(compress);
  add_register(stamp, op.value, compress);
  if (op.expiry == ExpiryAction::kSet) {
    auto& expiry = extras().expiry;
    ExpiryEntry entry{op.expire_at_ms, stamp};
    expiry.insert(std::upper_bound(expiry.begin(), expiry.end(), entry, by_dot), entry);
  }
  drop_empty_extras();
}

void KeyState::apply(const Stamp& stamp, const op::CounterAdd& op) {
  auto& lanes = extras().lanes;
  for (CounterLane& lane : lanes) {
    if (lane.node != stamp.node) continue;
    if (lane.dot < stamp) {
      lane.total = op.total;
      lane.dot = stamp;
    }
    return;
  }
  // Under causal delivery, a replica that holds no lane for this writer has seen (and removed)
  // everything the lane held before this increment: the lane restarts with that as its floor,
  // taken at the lane's previous dot, exactly the floor that a replica still holding the lane
  // receives from the remover. When the lane starts a new life at its writer, the floor's dot is
  // the instant just before this increment, so that a floor shipped by a remover of the lane's
  // previous life (an older dot) can never lower the new one.
  auto floor = op.total.sub(op.delta);
  Stamp floor_dot = op.previous.empty() ? Stamp{stamp.hlc - 1, stamp.node} : op.previous;
  CounterLane lane{stamp.node, op.total, stamp, floor ? *floor : Decimal{}, floor_dot};
  lanes.insert(std::upper_bound(lanes.begin(), lanes.end(), lane, by_replica_id), lane);
}

void KeyState::apply(const Stamp& stamp, const op::SetExpiry& op) {
  remove_expiry_covered(op.seen);
  auto& expiry = extras().expiry;
  ExpiryEntry entry{op.expire_at_ms, stamp};
  auto pos = std::lower_bound(expiry.begin(), expiry.end(), entry, by_dot);
  if (pos == expiry.end() || !(pos->dot == stamp)) expiry.insert(pos, entry);
  drop_empty_extras();
}

KeyState KeyState::join(const KeyState& a, const VersionVector& ac, const KeyState& b,
                        const VersionVector& bc) {
  KeyState out;
  static const Extras kNoExtras;
  const Extras& ae = a.extras_ ? *a.extras_ : kNoExtras;
  const Extras& be = b.extras_ ? *b.extras_ : kNoExtras;
  Extras merged;
  // Register entries (winner and shadows) form an observed-remove set of dots.
  auto registers = [](const KeyState& k, const Extras& e) {
    std::vector<ShadowRegister> all = e.shadows;
    std::string scratch;
    if (k.has_register()) all.push_back({std::string(k.value_.view(scratch)), k.value_stamp_});
    return all;
  };
  std::vector<ShadowRegister> ra = registers(a, ae), rb = registers(b, be);
  auto contains = [](const std::vector<ShadowRegister>& v, const Stamp& dot) {
    return std::any_of(v.begin(), v.end(), [&](const ShadowRegister& r) { return r.dot == dot; });
  };
  for (const ShadowRegister& r : ra)
    if (contains(rb, r.dot) || !bc.covers(r.dot)) merged.shadows.push_back(r);
  for (const ShadowRegister& r : rb)
    if (!contains(ra, r.dot) && !ac.covers(r.dot)) merged.shadows.push_back(r);
  std::sort(merged.shadows.begin(), merged.shadows.end(),
            [](const ShadowRegister& x, const ShadowRegister& y) { return x.dot < y.dot; });
  if (!merged.shadows.empty()) {
    out.set_register(merged.shadows.back().dot, merged.shadows.back().value, false);
    merged.shadows.pop_back();
  }
  // Lanes: per writer, the later total and the later floor; a lane one side lacks although it saw
  // the lane's dot was floored away there.
  auto find_lane = [](const Extras& e, NodeIndex node) -> const CounterLane* {
    for (const CounterLane& l : e.lanes)
      if (l.node == node) return &l;
    return nullptr;
  };
  for (const CounterLane& la : ae.lanes) {
    const CounterLane* lb = find_lane(be, la.node);
    if (!lb) {
      if (!bc.covers(la.dot)) merged.lanes.push_back(la);
      continue;
    }
    CounterLane l = la.dot < lb->dot ? *lb : la;
    const CounterLane& floor_src = la.floor_dot < lb->floor_dot ? *lb : la;
    l.floor_total = floor_src.floor_total;
    l.floor_dot = floor_src.floor_dot;
    if (l.floor_dot < l.dot) merged.lanes.push_back(l);
  }
  for (const CounterLane& lb : be.lanes)
    if (!find_lane(ae, lb.node) && !ac.covers(lb.dot)) merged.lanes.push_back(lb);
  std::sort(merged.lanes.begin(), merged.lanes.end(), by_replica_id);
  // Expiry entries: an observed-remove set of dots.
  auto has_entry = [](const Extras& e, const ExpiryEntry& x) {
    return std::find(e.expiry.begin(), e.expiry.end(), x) != e.expiry.end();
  };
  for (const ExpiryEntry& x : ae.expiry)
    if (has_entry(be, x) || !bc.covers(x.dot)) merged.expiry.push_back(x);
  for (const ExpiryEntry& x : be.expiry)
    if (!has_entry(ae, x) && !ac.covers(x.dot)) merged.expiry.push_back(x);
  std::sort(merged.expiry.begin(), merged.expiry.end(), by_dot);
  if (!merged.lanes.empty() || !merged.expiry.empty() || !merged.shadows.empty())
    out.extras_ = std::make_unique<Extras>(std::move(merged));
  return out;
}

bool operator==(const KeyState& a, const KeyState& b) {
  if (!(a.value_stamp_ == b.value_stamp_)) return false;
  std::string sa, sb;
  if (a.value_.view(sa) != b.value_.view(sb)) return false;
  if (!a.extras_ || !b.extras_) return !a.extras_ && !b.extras_;
  return *a.extras_ == *b.extras_;
}

std::string KeyState::debug_string() const {
  auto stamp = [](const Stamp& s) {
    return std::to_string(s.hlc) + "." + std::to_string(NodeRegistry::id(s.node));
  };
  std::string out;
  std::string scratch;
  if (has_register()) out += "reg=" + std::string(value_.view(scratch)) + "@" + stamp(value_stamp_);
  if (extras_) {
    for (const CounterLane& l : extras_->lanes)
      out += " lane=" + l.total.format() + "@" + stamp(l.dot) + "-" + l.floor_total.format() +
             "@" + stamp(l.floor_dot);
    for (const ExpiryEntry& e : extras_->expiry)
      out += " expiry=" + std::to_string(e.at_ms) + "@" + stamp(e.dot);
    for (const ShadowRegister& r : extras_->shadows) out += " shadow=" + r.value + "@" + stamp(r.dot);
  }
  return out;
}

size_t KeyState::heap_bytes() const {
  size_t bytes = value_.heap_bytes();
  if (extras_) {
    bytes += sizeof(Extras) + extras_->lanes.capacity() * sizeof(CounterLane) +
             extras_->expiry.capacity() * sizeof(ExpiryEntry) +
             extras_->shadows.capacity() * sizeof(ShadowRegister);
    for (const ShadowRegister& r : extras_->shadows) bytes += r.value.capacity();
  }
  return bytes;
}

}  // namespace eddy::crdt
