#include "crdt/cell.h"

#include <algorithm>

namespace eddy::crdt {
namespace {

bool by_replica_id(const CounterLane& a, const CounterLane& b) {
  return NodeRegistry::id(a.node) < NodeRegistry::id(b.node);
}

}  // namespace

std::string debug_stamp(const Stamp& s) {
  return std::to_string(s.hlc) + "." + std::to_string(NodeRegistry::id(s.node));
}

Cell Cell::clone() const {
  Cell copy;
  copy.value_ = value_.clone();
  copy.dot_ = dot_;
  if (extras_) copy.extras_ = std::make_unique<Extras>(*extras_);
  return copy;
}

Cell Cell::plain(std::string_view value, const Stamp& dot) {
  Cell cell;
  cell.set_register(dot, value, false);
  return cell;
}

Cell::Extras& Cell::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

void Cell::drop_empty_extras() {
  if (extras_ && extras_->lanes.empty() && extras_->shadows.empty()) extras_.reset();
}

const CounterLane* Cell::lane(NodeIndex node) const {
  if (!extras_) return nullptr;
  for (const CounterLane& lane : extras_->lanes)
    if (lane.node == node) return &lane;
  return nullptr;
}

std::string_view Cell::value(std::string& scratch) const {
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

size_t Cell::length() const {
  if (!has_counter() && !value_.is_compressed()) return value_.size();
  std::string scratch;
  return value(scratch).size();
}

Stamp Cell::latest() const {
  Stamp best = dot_;
  if (extras_)
    for (const CounterLane& lane : extras_->lanes) best = std::max(best, lane.dot);
  return best;
}

void Cell::add_context(VersionVector& vv) const {
  if (has_register()) vv.add(dot_);
  if (!extras_) return;
  for (const ShadowRegister& r : extras_->shadows) vv.add(r.dot);
  for (const CounterLane& lane : extras_->lanes) vv.add(lane.dot);
}

void Cell::add_floors(std::vector<CounterFloor>& floors) const {
  if (!extras_) return;
  for (const CounterLane& lane : extras_->lanes)
    floors.push_back(CounterFloor{lane.node, lane.total, lane.dot});
}

void Cell::set_register(const Stamp& stamp, std::string_view value, bool compress) {
  value_.assign(value, compress);
  dot_ = stamp;
}

Stamp Cell::latest_birth(const Stamp& register_birth) const {
  Stamp best = dot_, birth = register_birth;
  if (extras_) {
    for (const ShadowRegister& r : extras_->shadows)
      if (best < r.dot) best = r.dot, birth = r.birth;
    for (const CounterLane& lane : extras_->lanes)
      if (best < lane.dot) best = lane.dot, birth = lane.birth;
  }
  return birth;
}

void Cell::add_register(const Stamp& stamp, std::string_view value, bool compress,
                        Stamp* register_birth, const Stamp& birth) {
  if (dot_ == stamp) return;  // a duplicate delivery
  auto shadow_at = [&](const Stamp& dot) {
    auto& shadows = extras().shadows;
    return std::lower_bound(shadows.begin(), shadows.end(), dot,
                            [](const ShadowRegister& r, const Stamp& d) { return r.dot < d; });
  };
  if (!has_register()) {
    set_register(stamp, value, compress);
    if (register_birth) *register_birth = birth;
  } else if (dot_ < stamp) {
    std::string scratch;
    ShadowRegister loser{std::string(value_.view(scratch)), dot_,
                         register_birth ? *register_birth : Stamp{}};
    extras().shadows.insert(shadow_at(loser.dot), std::move(loser));
    set_register(stamp, value, compress);
    if (register_birth) *register_birth = birth;
  } else {
    auto pos = shadow_at(stamp);
    if (pos == extras().shadows.end() || !(pos->dot == stamp))
      extras().shadows.insert(pos, ShadowRegister{std::string(value), stamp, birth});
  }
}

void Cell::promote_shadow(Stamp* register_birth) {
  if (has_register() || !extras_ || extras_->shadows.empty()) return;
  ShadowRegister& best = extras_->shadows.back();
  set_register(best.dot, best.value, false);
  if (register_birth) *register_birth = best.birth;
  extras_->shadows.pop_back();
}

void Cell::remove_registers(const VersionVector& seen) {
  if (has_register() && seen.covers(dot_)) {
    value_ = compact::CompactString();
    dot_ = Stamp{};
  }
  if (extras_)
    std::erase_if(extras_->shadows, [&](const ShadowRegister& r) { return seen.covers(r.dot); });
}

void Cell::remove(const VersionVector& seen, std::span<const CounterFloor> floors,
                  Stamp* register_birth) {
  remove_registers(seen);
  if (!has_register() && register_birth) *register_birth = Stamp{};
  if (extras_) {
    for (const CounterFloor& floor : floors) {
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
  promote_shadow(register_birth);
  drop_empty_extras();
}

void Cell::remove_all_covered(const VersionVector& seen, Stamp* register_birth) {
  remove_registers(seen);
  if (!has_register() && register_birth) *register_birth = Stamp{};
  // Lanes the remover saw were floored by their own totals first (Flush's counters); what is
  // left covered here had nothing beyond the floor.
  if (extras_)
    std::erase_if(extras_->lanes,
                  [&](const CounterLane& l) { return seen.covers(l.dot) && l.dot <= l.floor_dot; });
  promote_shadow(register_birth);
  drop_empty_extras();
}

void Cell::set(const Stamp& stamp, std::string_view value, const VersionVector& seen,
               std::span<const CounterFloor> floors, bool compress, Stamp* register_birth,
               const Stamp& birth) {
  remove(seen, floors, register_birth);
  add_register(stamp, value, compress, register_birth, birth);
  drop_empty_extras();
}

void Cell::add(const Stamp& stamp, const Decimal& delta, const Decimal& total,
               const Stamp& previous, const Stamp& birth) {
  auto& lanes = extras().lanes;
  for (CounterLane& lane : lanes) {
    if (lane.node != stamp.node) continue;
    if (lane.dot < stamp) {
      lane.total = total;
      lane.dot = stamp;
      lane.birth = birth;
    }
    return;
  }
  // Under causal delivery, a replica that holds no lane for this writer has seen (and removed)
  // everything the lane held before this increment: the lane restarts with that as its floor,
  // taken at the lane's previous dot, exactly the floor that a replica still holding the lane
  // receives from the remover. When the lane starts a new life at its writer, the floor's dot is
  // the instant just before this increment, so that a floor shipped by a remover of the lane's
  // previous life (an older dot) can never lower the new one.
  auto floor = total.sub(delta);
  Stamp floor_dot = previous.empty() ? Stamp{stamp.hlc - 1, stamp.node} : previous;
  CounterLane lane{stamp.node, total, stamp, floor ? *floor : Decimal{}, floor_dot, birth};
  lanes.insert(std::upper_bound(lanes.begin(), lanes.end(), lane, by_replica_id), lane);
}

Cell Cell::join(const Cell& a, const VersionVector& ac, const Cell& b, const VersionVector& bc,
                const Stamp& a_birth, const Stamp& b_birth, Stamp* register_birth) {
  Cell out;
  static const Extras kNoExtras;
  const Extras& ae = a.extras_ ? *a.extras_ : kNoExtras;
  const Extras& be = b.extras_ ? *b.extras_ : kNoExtras;
  Extras merged;
  // Register entries (winner and shadows) form an observed-remove set of dots.
  auto registers = [](const Cell& c, const Extras& e, const Stamp& birth) {
    std::vector<ShadowRegister> all = e.shadows;
    std::string scratch;
    if (c.has_register()) all.push_back({std::string(c.value_.view(scratch)), c.dot_, birth});
    return all;
  };
  std::vector<ShadowRegister> ra = registers(a, ae, a_birth), rb = registers(b, be, b_birth);
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
    if (register_birth) *register_birth = merged.shadows.back().birth;
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
    CounterLane l = la.dot < lb->dot ? *lb : la;  // the later total, with its birth
    const CounterLane& floor_src = la.floor_dot < lb->floor_dot ? *lb : la;
    l.floor_total = floor_src.floor_total;
    l.floor_dot = floor_src.floor_dot;
    if (l.floor_dot < l.dot) merged.lanes.push_back(l);
  }
  for (const CounterLane& lb : be.lanes)
    if (!find_lane(ae, lb.node) && !ac.covers(lb.dot)) merged.lanes.push_back(lb);
  std::sort(merged.lanes.begin(), merged.lanes.end(), by_replica_id);
  if (!merged.lanes.empty() || !merged.shadows.empty())
    out.extras_ = std::make_unique<Extras>(std::move(merged));
  return out;
}

bool operator==(const Cell& a, const Cell& b) {
  if (!(a.dot_ == b.dot_)) return false;
  std::string sa, sb;
  if (a.value_.view(sa) != b.value_.view(sb)) return false;
  if (!a.extras_ || !b.extras_) return !a.extras_ && !b.extras_;
  return *a.extras_ == *b.extras_;
}

std::string Cell::debug_string() const {
  std::string out;
  std::string scratch;
  if (has_register()) out += "reg=" + std::string(value_.view(scratch)) + "@" + debug_stamp(dot_);
  if (extras_) {
    for (const CounterLane& l : extras_->lanes)
      out += " lane=" + l.total.format() + "@" + debug_stamp(l.dot) + "-" +
             l.floor_total.format() + "@" + debug_stamp(l.floor_dot);
    for (const ShadowRegister& r : extras_->shadows)
      out += " shadow=" + r.value + "@" + debug_stamp(r.dot);
  }
  return out;
}

size_t Cell::heap_bytes() const {
  size_t bytes = value_.heap_bytes();
  if (extras_) {
    bytes += sizeof(Extras) + extras_->lanes.capacity() * sizeof(CounterLane) +
             extras_->shadows.capacity() * sizeof(ShadowRegister);
    for (const ShadowRegister& r : extras_->shadows) bytes += r.value.capacity();
  }
  return bytes;
}

}  // namespace eddy::crdt
