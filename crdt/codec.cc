#include "crdt/codec.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <memory>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "compact/compact_string.h"
#include "compact/key_table.h"
#include "crdt/cell.h"
#include "crdt/hash.h"
#include "crdt/list.h"
#include "crdt/series.h"

namespace eddy::crdt {
namespace {

using compact::Decoder;
using compact::Encoder;

// Decimals: the scale, then the coefficient as a zigzag LEB128 varint of up to 128 bits, so that
// an ordinary counter takes two bytes.
void put_decimal(Encoder& out, const Decimal& d) {
  out.u8(static_cast<uint8_t>(d.scale()));
  const __int128 c = d.coefficient();
  auto z = (static_cast<unsigned __int128>(c) << 1) ^ static_cast<unsigned __int128>(c >> 127);
  for (; z >= 0x80; z >>= 7) out.u8(static_cast<uint8_t>(z) | 0x80);
  out.u8(static_cast<uint8_t>(z));
}

// Only what Decimal itself produces: a scale it allows, the canonical form (no trailing zero
// decimals), and never the most negative coefficient (whose zigzag form is all ones), which
// negation, and so every subtraction, would overflow.
bool get_decimal(Decoder& in, Decimal& d) {
  uint8_t scale;
  if (!in.u8(scale)) return false;
  unsigned __int128 z = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t b;
    if (shift > 126 || !in.u8(b)) return in.fail();
    z |= static_cast<unsigned __int128>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (scale > Decimal::kMaxScale || z == ~static_cast<unsigned __int128>(0)) return in.fail();
  const auto coeff = static_cast<__int128>((z >> 1) ^ (0 - (z & 1)));
  d = Decimal::from_parts(coeff, scale);
  return (d.coefficient() == coeff && d.scale() == scale) || in.fail();
}

constexpr uint64_t kLogicalMask = (uint64_t{1} << kHlcLogicalBits) - 1;

// A stamp is either empty or has both an HLC and a node. It is written as the node's index (0
// for the empty stamp, which ends there) and the HLC as a zigzag delta from the previous stamp
// written: the stamps of one unit or one key are close in time. The first HLC, with nothing
// before it, is written as its milliseconds and logical counter: 7 bytes where 9 would go.
// The replicas a unit or a batch of units names, in the order first met: a node is written as
// its place in the table plus one, 0 being nobody. Places are looked up through an index by
// NodeIndex (dense in a process), so that a batch naming many replicas encodes in linear time.
class NodeTable {
 public:
  void clear() {
    for (NodeIndex node : nodes_) places_[node] = 0;
    nodes_.clear();
  }
  void add(NodeIndex node) {
    if (node == 0) return;
    if (node >= places_.size()) places_.resize(static_cast<size_t>(node) + 1, 0);
    if (places_[node] == 0) {
      nodes_.push_back(node);
      places_[node] = static_cast<uint32_t>(nodes_.size());
    }
  }
  uint64_t place(NodeIndex node) const { return node < places_.size() ? places_[node] : 0; }
  const std::vector<NodeIndex>& nodes() const { return nodes_; }

 private:
  std::vector<NodeIndex> nodes_;
  std::vector<uint32_t> places_;  // by NodeIndex; 0: not in the table
};

class StampWriter {
 public:
  // With a table (a unit's or a batch's replicas), a node is written as its place in it; without,
  // as its NodeIndex (snapshots write the registry once).
  StampWriter(Encoder& out, const NodeTable* table) : out_(out), table_(table) {}

  void node(NodeIndex node) { out_.varint(table_ ? table_->place(node) : node); }
  void stamp(const Stamp& s) {
    if (s.empty() || s.node == 0) return out_.u8(0);
    node(s.node);
    hlc(s.hlc);
  }
  void hlc(uint64_t hlc) {
    if (prev_ == 0) {
      out_.varint(hlc >> kHlcLogicalBits);
      out_.varint(hlc & kLogicalMask);
    } else {
      out_.svarint(static_cast<int64_t>(hlc - prev_));
    }
    prev_ = hlc;
  }

 private:
  Encoder& out_;
  const NodeTable* table_;
  uint64_t prev_ = 0;
};

// Reads what StampWriter wrote, translating node indexes through `nodes` (index 0 is always
// nobody); an index beyond it, or one that translates to nobody, fails.
class StampReader {
 public:
  StampReader(Decoder& in, std::span<const NodeIndex> nodes) : in_(in), nodes_(nodes) {}

  bool node(NodeIndex& node) {
    uint64_t i;
    if (!in_.varint(i)) return false;
    if (i == 0) {
      node = 0;
      return true;
    }
    if (i >= nodes_.size() || nodes_[i] == 0) return in_.fail();
    node = nodes_[i];
    return true;
  }
  bool stamp(Stamp& s) {
    NodeIndex node;
    uint64_t hlc = 0;
    if (!this->node(node)) return false;
    if (node != 0 && !this->hlc(hlc)) return false;
    s = Stamp{hlc, node};
    return true;
  }
  // A stamp that must be present: an id, an entry's dot.
  bool dot(Stamp& s) { return stamp(s) && (!s.empty() || in_.fail()); }
  bool hlc(uint64_t& hlc) {
    if (prev_ == 0) {
      uint64_t millis, logical;
      if (!in_.varint(millis) || !in_.varint(logical)) return false;
      if (millis >> (64 - kHlcLogicalBits) || logical > kLogicalMask) return in_.fail();
      hlc = millis << kHlcLogicalBits | logical;
    } else {
      int64_t delta;
      if (!in_.svarint(delta)) return false;
      hlc = prev_ + static_cast<uint64_t>(delta);
    }
    if (hlc == 0) return in_.fail();
    prev_ = hlc;
    return true;
  }

 private:
  Decoder& in_;
  std::span<const NodeIndex> nodes_;
  uint64_t prev_ = 0;
};

// Built from entries in any order: sorted first, so that building it stays linear whatever a
// hostile input's order (VersionVector::raise inserts in place).
VersionVector version_vector_of(std::vector<VersionVector::Entry>& entries) {
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.node < b.node; });
  VersionVector vv;
  for (const auto& e : entries) vv.raise(e.node, e.hlc);
  return vv;
}

// --- Units ---------------------------------------------------------------------------------

// The wire order of every record's fields, shared by the writer, the reader and the node walk,
// so that the three cannot disagree. Observed, VersionVector, vectors and scalars are each Io's
// own business.
template <class Io, class T>
bool fields(Io& io, T& x) {
  using X = std::remove_const_t<T>;
  if constexpr (std::is_same_v<X, CounterFloor>) {
    return io(x.node) && io(x.total) && io(x.dot);
  } else if constexpr (std::is_same_v<X, FieldFloors>) {
    return io(x.field) && io(x.floors);
  } else if constexpr (std::is_same_v<X, PathStep>) {
    return io(x.side) && io(x.dot);
  } else if constexpr (std::is_same_v<X, op::FieldWrite>) {
    return io(x.field) && io(x.value) && io(x.birth) && io(x.seen);
  } else if constexpr (std::is_same_v<X, op::FieldRemove>) {
    return io(x.field) && io(x.seen);
  } else if constexpr (std::is_same_v<X, op::KeyFloors>) {
    return io(x.db) && io(x.key) && io(x.floors);
  } else if constexpr (std::is_same_v<X, op::SetString>) {
    return io(x.db) && io(x.key) && io(x.value) && io(x.expiry) && io(x.expire_at_ms) && io(x.seen);
  } else if constexpr (std::is_same_v<X, op::CounterAdd>) {
    return io(x.db) && io(x.key) && io(x.delta) && io(x.total) && io(x.previous) && io(x.others);
  } else if constexpr (std::is_same_v<X, op::SetExpiry>) {
    return io(x.db) && io(x.key) && io(x.expire_at_ms) && io(x.seen);
  } else if constexpr (std::is_same_v<X, op::RemoveKey>) {
    return io(x.db) && io(x.key) && io(x.seen);
  } else if constexpr (std::is_same_v<X, op::Flush>) {
    return io(x.db) && io(x.seen) && io(x.counters);
  } else if constexpr (std::is_same_v<X, op::SwapDb>) {
    return io(x.a) && io(x.b);
  } else if constexpr (std::is_same_v<X, op::ListPush>) {
    return io(x.db) && io(x.key) && io(x.side) && io(x.values) && io(x.others);
  } else if constexpr (std::is_same_v<X, op::ListInsert>) {
    return io(x.db) && io(x.key) && io(x.pivot) && io(x.side) && io(x.value) && io(x.others);
  } else if constexpr (std::is_same_v<X, op::ListSet>) {
    return io(x.db) && io(x.key) && io(x.id) && io(x.value) && io(x.others);
  } else if constexpr (std::is_same_v<X, op::ListRemove>) {
    return io(x.db) && io(x.key) && io(x.ids) && io(x.others);
  } else if constexpr (std::is_same_v<X, op::HashSet> || std::is_same_v<X, op::HashRemove>) {
    return io(x.db) && io(x.key) && io(x.fields) && io(x.others);
  } else if constexpr (std::is_same_v<X, SeriesLabel>) {
    return io(x.name) && io(x.value);
  } else if constexpr (std::is_same_v<X, SeriesRule>) {
    return io(x.dest) && io(x.aggregator) && io(x.duration) && io(x.align);
  } else if constexpr (std::is_same_v<X, SeriesConfig>) {
    return io(x.retention_ms) && io(x.chunk_size) && io(x.duplicate_policy) &&
           io(x.uncompressed) && io(x.labels) && io(x.rules) && io(x.has_source) && io(x.source);
  } else if constexpr (std::is_same_v<X, SeriesPoint>) {
    return io(x.ts) && io(x.value);
  } else if constexpr (std::is_same_v<X, op::SeriesMeta>) {
    return io(x.db) && io(x.key) && io(x.config) && io(x.seen) && io(x.others);
  } else if constexpr (std::is_same_v<X, op::SeriesAdd>) {
    return io(x.db) && io(x.key) && io(x.samples) && io(x.seen) && io(x.others);
  } else if constexpr (std::is_same_v<X, op::SeriesRemove>) {
    return io(x.db) && io(x.key) && io(x.from) && io(x.to) && io(x.seen);
  } else if constexpr (std::is_same_v<X, op::FieldAdd>) {
    return io(x.db) && io(x.key) && io(x.field) && io(x.delta) && io(x.total) && io(x.previous) &&
           io(x.birth) && io(x.others);
  } else {
    static_assert(sizeof(X) == 0, "no wire layout for this type");
  }
}

// Which parts of an Observed follow its flags byte: most are empty, and take that one byte.
constexpr uint8_t kObservedDots = 1, kObservedFloors = 2, kObservedFields = 4;

class UnitWriter {
 public:
  UnitWriter(Encoder& out, const NodeTable& table) : out_(out), stamps_(out, &table) {}
  StampWriter& stamps() { return stamps_; }

  // Writing cannot fail; the bool results let fields() serve the reader too.
  bool operator()(int v) {
    out_.svarint(v);
    return true;
  }
  bool operator()(int64_t v) {
    out_.svarint(v);
    return true;
  }
  bool operator()(NodeIndex node) {
    stamps_.node(node);
    return true;
  }
  bool operator()(ListSide side) {
    out_.u8(static_cast<uint8_t>(side));
    return true;
  }
  bool operator()(ExpiryAction action) {
    out_.u8(static_cast<uint8_t>(action));
    return true;
  }
  bool operator()(DuplicatePolicy policy) {
    out_.u8(static_cast<uint8_t>(policy));
    return true;
  }
  bool operator()(Aggregator aggregator) {
    out_.u8(static_cast<uint8_t>(aggregator));
    return true;
  }
  bool operator()(bool b) {
    out_.u8(b ? 1 : 0);
    return true;
  }
  bool operator()(double d) {
    out_.fixed64(std::bit_cast<uint64_t>(d));
    return true;
  }
  bool operator()(const std::string& s) {
    out_.bytes(s);
    return true;
  }
  bool operator()(const Decimal& d) {
    put_decimal(out_, d);
    return true;
  }
  bool operator()(const Stamp& s) {
    stamps_.stamp(s);
    return true;
  }
  bool operator()(const VersionVector& vv) {
    out_.varint(vv.entries().size());
    for (const auto& e : vv.entries()) stamps_.stamp(Stamp{e.hlc, e.node});
    return true;
  }
  bool operator()(const Observed& o) {
    out_.u8((o.dots.empty() ? 0 : kObservedDots) | (o.floors.empty() ? 0 : kObservedFloors) |
            (o.fields.empty() ? 0 : kObservedFields));
    if (!o.dots.empty()) (*this)(o.dots);
    if (!o.floors.empty()) (*this)(o.floors);
    if (!o.fields.empty()) (*this)(o.fields);
    return true;
  }
  template <class T>
  bool operator()(const std::vector<T>& items) {
    out_.varint(items.size());
    for (const T& item : items) (*this)(item);
    return true;
  }
  template <class T>
  bool operator()(const T& record) {
    return fields(*this, record);
  }

 private:
  Encoder& out_;
  StampWriter stamps_;
};

class UnitReader {
 public:
  UnitReader(Decoder& in, std::span<const NodeIndex> nodes) : in_(in), stamps_(in, nodes) {}
  StampReader& stamps() { return stamps_; }

  bool operator()(int& v) {
    int64_t wide;
    if (!in_.svarint(wide)) return false;
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max())
      return in_.fail();
    v = static_cast<int>(wide);
    return true;
  }
  bool operator()(int64_t& v) { return in_.svarint(v); }
  bool operator()(NodeIndex& node) { return stamps_.node(node); }
  bool operator()(ListSide& side) { return enumerator(side, ListSide::kAfter); }
  bool operator()(ExpiryAction& action) { return enumerator(action, ExpiryAction::kSet); }
  bool operator()(DuplicatePolicy& policy) { return enumerator(policy, DuplicatePolicy::kSum); }
  bool operator()(Aggregator& aggregator) { return enumerator(aggregator, Aggregator::kTwa); }
  bool operator()(bool& b) {
    uint8_t v;
    if (!in_.u8(v)) return false;
    if (v > 1) return in_.fail();
    b = v;
    return true;
  }
  bool operator()(double& d) {
    uint64_t bits;
    if (!in_.fixed64(bits)) return false;
    d = std::bit_cast<double>(bits);
    return true;
  }
  bool operator()(std::string& s) { return in_.bytes(s); }
  bool operator()(Decimal& d) { return get_decimal(in_, d); }
  bool operator()(Stamp& s) { return stamps_.stamp(s); }
  bool operator()(VersionVector& vv) {
    uint64_t n;
    if (!in_.count(n, 2)) return false;
    std::vector<VersionVector::Entry> entries;
    entries.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      Stamp s;
      if (!stamps_.dot(s)) return false;
      entries.push_back({s.node, s.hlc});
    }
    vv = version_vector_of(entries);
    return true;
  }
  bool operator()(Observed& o) {
    uint8_t parts;
    if (!in_.u8(parts)) return false;
    if (parts & ~(kObservedDots | kObservedFloors | kObservedFields)) return in_.fail();
    return (!(parts & kObservedDots) || (*this)(o.dots)) &&
           (!(parts & kObservedFloors) || (*this)(o.floors)) &&
           (!(parts & kObservedFields) || (*this)(o.fields));
  }
  template <class T>
  bool operator()(std::vector<T>& items) {
    uint64_t n;
    if (!in_.count(n)) return false;
    items.clear();
    for (uint64_t i = 0; i < n; ++i)
      if (!(*this)(items.emplace_back())) return false;
    return true;
  }
  template <class T>
  bool operator()(T& record) {
    return fields(*this, record);
  }

 private:
  template <class E>
  bool enumerator(E& e, E last) {
    uint8_t v;
    if (!in_.u8(v)) return false;
    if (v > static_cast<uint8_t>(last)) return in_.fail();
    e = static_cast<E>(v);
    return true;
  }

  Decoder& in_;
  StampReader stamps_;
};

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

// Visits every node index a record holds through the same field lists: encode_unit collects
// the unit's replica table with it, decode_unit turns table places into NodeIndex values. On a
// const record `map` only sees the nodes; on a mutable one its result replaces them.
template <class Map>
class EachNode {
 public:
  explicit EachNode(Map map) : map_(map) {}

  template <class T>
  bool operator()(T& x) {
    using X = std::remove_const_t<T>;
    constexpr bool kReplace = !std::is_const_v<T>;
    if constexpr (std::is_same_v<X, NodeIndex>) {
      const NodeIndex node = map_(x);
      if constexpr (kReplace) x = node;
    } else if constexpr (std::is_same_v<X, Stamp>) {
      const NodeIndex node = map_(x.node);
      if constexpr (kReplace) x.node = node;
    } else if constexpr (std::is_same_v<X, VersionVector>) {
      if constexpr (kReplace) {
        std::vector<VersionVector::Entry> entries(x.entries().begin(), x.entries().end());
        for (auto& e : entries) e.node = map_(e.node);
        x = version_vector_of(entries);
      } else {
        for (const auto& e : x.entries()) map_(e.node);
      }
    } else if constexpr (std::is_same_v<X, Observed>) {
      return (*this)(x.dots) && (*this)(x.floors) && (*this)(x.fields);
    } else if constexpr (IsVector<X>::value) {
      for (auto& item : x) (*this)(item);
    } else if constexpr (std::is_class_v<X> && !std::is_same_v<X, std::string> &&
                         !std::is_same_v<X, Decimal>) {
      return fields(*this, x);
    }
    return true;
  }

 private:
  Map map_;
};

// The effect's op in the low bits of its first byte; the flag says its stamp is the origin's,
// as every effect of a local unit is, so that only the HLC follows.
constexpr uint8_t kOpBits = 0x0f;
constexpr uint8_t kStampByOrigin = 0x10;
static_assert(std::variant_size_v<Op> <= kOpBits + 1);

bool is_root_side(ListSide side) { return side == ListSide::kHead || side == ListSide::kTail; }

// A path as lists build them: a root step (HEAD or TAIL), then BEFORE or AFTER steps, every one
// naming an element.
bool is_path(std::span<const PathStep> steps) {
  if (steps.empty() || !is_root_side(steps[0].side)) return false;
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i].dot.empty() || (i > 0 && is_root_side(steps[i].side))) return false;
  return true;
}

// What a series relies on in its settings: a positive chunk size (it sizes chunks), no negative
// retention, rules with positive bucket durations.
bool valid_series_config(const SeriesConfig& c) {
  return c.chunk_size > 0 && c.retention_ms >= 0 &&
         std::all_of(c.rules.begin(), c.rules.end(),
                     [](const SeriesRule& r) { return r.duration > 0; });
}

// What applying an effect relies on beyond its wire form: a stamp that is a real dot with room
// below it for the consecutive stamps the effect takes, databases that are not negative (the
// upper bound is the replica's: fits_databases), the sides each op uses, paths that are paths.
bool well_formed(const Effect& e) {
  if (e.stamp.empty() || e.stamp.node == 0 || e.stamp.hlc < stamps_needed(e.op)) return false;
  return std::visit(
      [](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, op::SwapDb>) {
          return o.a >= 0 && o.b >= 0;
        } else if constexpr (std::is_same_v<T, op::Flush>) {
          return o.db >= -1 && std::all_of(o.counters.begin(), o.counters.end(),
                                           [](const op::KeyFloors& k) { return k.db >= 0; });
        } else if constexpr (std::is_same_v<T, op::ListPush>) {
          return o.db >= 0 && is_root_side(o.side) && !o.values.empty();
        } else if constexpr (std::is_same_v<T, op::ListInsert>) {
          return o.db >= 0 && !is_root_side(o.side) && is_path(o.pivot);
        } else if constexpr (std::is_same_v<T, op::ListSet>) {
          return o.db >= 0 && !o.id.empty();
        } else if constexpr (std::is_same_v<T, op::HashSet>) {
          return o.db >= 0 && !o.fields.empty();
        } else if constexpr (std::is_same_v<T, op::SeriesMeta>) {
          return o.db >= 0 && valid_series_config(o.config);
        } else if constexpr (std::is_same_v<T, op::SeriesAdd>) {
          // Samples in strictly increasing timestamp order, as the series stores them.
          return o.db >= 0 && !o.samples.empty() &&
                 std::adjacent_find(o.samples.begin(), o.samples.end(), [](auto& a, auto& b) {
                   return a.ts >= b.ts;
                 }) == o.samples.end();
        } else if constexpr (std::is_same_v<T, op::SeriesRemove>) {
          return o.db >= 0 && o.from <= o.to;
        } else {
          return o.db >= 0;
        }
      },
      e.op);
}

template <size_t... I>
bool read_op(UnitReader& in, size_t index, Op& op, std::index_sequence<I...>) {
  return ((index == I && fields(in, op.emplace<I>())) || ...);
}

// Adds every node a unit names to `table`, its origin first.
void collect_nodes(const Unit& unit, NodeTable& table) {
  auto collect = [&](NodeIndex node) {
    table.add(node);
    return node;
  };
  collect(unit.origin);
  EachNode walk(collect);
  for (const Effect& e : unit.effects) {
    collect(e.stamp.node);
    std::visit([&](const auto& op) { walk(op); }, e.op);
  }
}

void write_table(const NodeTable& table, Encoder& enc) {
  enc.varint(table.nodes().size());
  for (NodeIndex node : table.nodes()) enc.fixed64(NodeRegistry::id(node));
}

// A unit after its seq: the origin's place, then the effects (count, then per effect its op
// byte, stamp and op fields). The stamps continue the writer's chain of HLC deltas.
void write_body(const Unit& unit, UnitWriter& writer, Encoder& enc) {
  writer(unit.origin);
  enc.varint(unit.effects.size());
  for (const Effect& e : unit.effects) {
    const bool by_origin = e.stamp.node == unit.origin && e.stamp.node != 0 && !e.stamp.empty();
    enc.u8(static_cast<uint8_t>(e.op.index()) | (by_origin ? kStampByOrigin : 0));
    if (by_origin)
      writer.stamps().hlc(e.stamp.hlc);
    else
      writer.stamps().stamp(e.stamp);
    std::visit([&](const auto& op) { writer(op); }, e.op);
  }
}

// The table's ids, not yet interned, and `places` = 0, 1, ..., size: what the nodes of the
// payload stand as until the whole payload has decoded.
bool read_table(Decoder& in, std::vector<uint64_t>& ids, std::vector<NodeIndex>& places) {
  uint64_t size;
  if (!in.count(size, 8)) return false;
  ids.resize(size);
  for (uint64_t& id : ids)
    if (!in.fixed64(id) || id == 0) return in.fail();
  places.resize(size + 1);
  std::iota(places.begin(), places.end(), NodeIndex{0});
  return true;
}

// What write_body wrote, with table places standing for nodes, every effect checked.
bool read_body(UnitReader& reader, Decoder& in, Unit& unit) {
  uint64_t effects;
  if (!reader(unit.origin) || !in.count(effects, 2)) return false;
  for (uint64_t i = 0; i < effects; ++i) {
    Effect& e = unit.effects.emplace_back();
    uint8_t head;
    if (!in.u8(head) || (head & ~(kOpBits | kStampByOrigin))) return in.fail();
    if (head & kStampByOrigin) {
      uint64_t hlc;
      if (unit.origin == 0 || !reader.stamps().hlc(hlc)) return in.fail();
      e.stamp = Stamp{hlc, unit.origin};
    } else if (!reader.stamps().stamp(e.stamp)) {
      return false;
    }
    if (!read_op(reader, head & kOpBits, e.op, std::make_index_sequence<std::variant_size_v<Op>>()))
      return in.fail();
    if (!well_formed(e)) return in.fail();
  }
  return true;
}

// The second pass of a decode: interns the table's ids (turning `nodes` from places into
// NodeIndex values) and replaces the places in the units with them.
void intern_table(std::span<const uint64_t> ids, std::vector<NodeIndex>& nodes) {
  for (size_t i = 0; i < ids.size(); ++i) nodes[i + 1] = NodeRegistry::intern(ids[i]);
}

void translate(Unit& unit, std::span<const NodeIndex> nodes) {
  auto to_node = [&](NodeIndex place) { return nodes[place]; };
  EachNode walk(to_node);
  unit.origin = nodes[unit.origin];
  for (Effect& e : unit.effects) {
    walk(e.stamp);
    std::visit([&](auto& op) { walk(op); }, e.op);
  }
}

}  // namespace

// Layout: seq, the replica table (count, then fixed 64-bit ids: they are random; the origin
// takes place 1), then the body.
void encode_unit(const Unit& unit, std::string& out) {
  thread_local NodeTable table;
  table.clear();
  collect_nodes(unit, table);
  Encoder enc(out);
  enc.varint(unit.seq);
  write_table(table, enc);
  UnitWriter writer(enc, table);
  write_body(unit, writer, enc);
}

// Two passes: the whole payload is decoded and checked with the table's places standing for
// nodes, and only then are the ids interned and the places replaced, so that a malformed record
// adds nothing to the process-wide registry.
std::optional<Unit> decode_unit(std::string_view payload) {
  thread_local std::vector<uint64_t> ids;
  thread_local std::vector<NodeIndex> nodes;
  Decoder in(payload);
  Unit unit;
  if (!in.varint(unit.seq) || !read_table(in, ids, nodes)) return std::nullopt;
  UnitReader reader(in, nodes);
  if (!read_body(reader, in, unit) || !in.done()) return std::nullopt;
  intern_table(ids, nodes);
  translate(unit, nodes);
  return unit;
}

// Layout: the batch's replica table, the unit count, then per unit its seq as a zigzag delta
// from the previous unit's (from 0 for the first) and its body. One stamp chain runs through the
// whole batch, so a unit's first HLC is a delta from the previous unit's last.
struct UnitBatchWriter::State {
  NodeTable table;
  std::string body;
  Encoder enc{body};
  UnitWriter writer{enc, table};
  uint64_t seq = 0;
};

UnitBatchWriter::UnitBatchWriter() = default;
UnitBatchWriter::~UnitBatchWriter() = default;
UnitBatchWriter::UnitBatchWriter(UnitBatchWriter&&) noexcept = default;
UnitBatchWriter& UnitBatchWriter::operator=(UnitBatchWriter&&) noexcept = default;

// A node's place in the table is its order of first appearance, so places given while the table
// still grows are the ones a table built from all the units first would give.
void UnitBatchWriter::add(const Unit& unit) {
  if (!state_) state_ = std::make_unique<State>();
  State& s = *state_;
  collect_nodes(unit, s.table);
  s.enc.svarint(static_cast<int64_t>(unit.seq - s.seq));
  s.seq = unit.seq;
  write_body(unit, s.writer, s.enc);
  ++units_;
}

size_t UnitBatchWriter::bytes() const { return state_ ? state_->body.size() : 0; }

std::string UnitBatchWriter::finish() {
  std::string payload;
  Encoder head(payload);
  write_table(state_ ? state_->table : NodeTable(), head);
  head.varint(units_);
  if (state_) payload += state_->body;
  state_.reset();
  units_ = 0;
  return payload;
}

void encode_units(std::span<const Unit> units, std::string& out) {
  UnitBatchWriter writer;
  for (const Unit& unit : units) writer.add(unit);
  out += writer.finish();
}

std::optional<std::vector<Unit>> decode_units(std::string_view payload) {
  thread_local std::vector<uint64_t> ids;
  thread_local std::vector<NodeIndex> nodes;
  Decoder in(payload);
  uint64_t count;
  // A unit takes at least three bytes: its seq delta, its origin and its effect count.
  if (!read_table(in, ids, nodes) || !in.count(count, 3)) return std::nullopt;
  std::vector<Unit> units;
  units.reserve(count);
  UnitReader reader(in, nodes);
  uint64_t seq = 0;
  for (uint64_t i = 0; i < count; ++i) {
    int64_t delta;
    if (!in.svarint(delta)) return std::nullopt;
    seq += static_cast<uint64_t>(delta);
    Unit& unit = units.emplace_back();
    unit.seq = seq;
    if (!read_body(reader, in, unit)) return std::nullopt;
  }
  if (!in.done()) return std::nullopt;
  intern_table(ids, nodes);
  for (Unit& unit : units) translate(unit, nodes);
  return units;
}

bool fits_databases(const Unit& unit, int databases) {
  auto fits = [&](int db) { return db >= 0 && db < databases; };
  return std::all_of(unit.effects.begin(), unit.effects.end(), [&](const Effect& e) {
    return std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, op::SwapDb>)
            return fits(o.a) && fits(o.b);
          else if constexpr (std::is_same_v<T, op::Flush>)
            return o.db == -1 || fits(o.db);  // its per-key floors name databases it skips
          else
            return fits(o.db);
        },
        e.op);
  });
}

// --- Key states ----------------------------------------------------------------------------

// Layout of a key state, every stamp as StampWriter writes it:
//   parts byte (kRegister, kCompressed, kLanes, kShadows of the string cell; kExpiry, kList, kHash,
//   kSeries)
//   register:  dot, value                      lanes:   count, then dot, total, floor total,
//   shadows:   count, then dot, birth, value            floor dot, birth per lane
//   expiry:    count, then at_ms, dot
//   list:      count, then per element its head byte (side, kValueStamp, kAncestors,
//              kElementCompressed), id, [LSET stamp], [count, then side byte and dot per
//              ancestor], plain value
//   hash:      form (0 packed, 1 table), count, then per field its name, its cell's parts byte,
//              [birth, when it has a register], and the cell as above
//   series:    whether settings follow, [settings dot, settings], chunk count, then per chunk
//              its sample count, bit length, node table and bytes (crdt/series_chunk.h); shadow
//              count, then timestamp, value bits, dot per shadow; settings shadow count, then
//              dot and settings per shadow
//
// The friend of the state classes: it writes their parts and rebuilds them through their own
// storage paths (ListState::append, HashState's packed encoder and table), checking on the way
// every order and canonical form the CRDT code relies on.
struct StateCodec {
  // The first byte of a key state: the string cell's parts in the low bits (a hash field's cell
  // has the same byte of its own), the key's other parts above.
  static constexpr uint8_t kRegister = 1, kCompressed = 2, kLanes = 4, kShadows = 8;
  static constexpr uint8_t kCellParts = 0x0f;
  static constexpr uint8_t kExpiry = 0x10, kList = 0x20, kHash = 0x40, kSeries = 0x80;
  // A list element's first byte: its side in the low bits, then what follows.
  static constexpr uint8_t kValueStamp = 4, kAncestors = 8, kElementCompressed = 16;

  static void encode(const KeyState& state, Encoder& out) {
    const KeyState::Extras* extras = state.extras_.get();
    const bool expiry = extras && !extras->expiry.empty();
    const uint8_t parts = cell_parts(state.string_) | (expiry ? kExpiry : 0) |
                          (state.list() ? kList : 0) | (state.hash() ? kHash : 0) |
                          (state.series() ? kSeries : 0);
    out.u8(parts);
    StampWriter stamps(out, nullptr);
    encode_cell(state.string_, parts, stamps, out);
    if (expiry) {
      out.varint(extras->expiry.size());
      for (const ExpiryEntry& e : extras->expiry) {
        out.svarint(e.at_ms);
        stamps.stamp(e.dot);
      }
    }
    if (state.list()) encode_list(*state.list(), stamps, out);
    if (state.hash()) encode_hash(*state.hash(), stamps, out);
    if (state.series()) encode_series(*state.series(), stamps, out);
  }

  static bool decode(Decoder& in, std::span<const NodeIndex> nodes, KeyState& out) {
    uint8_t parts;
    if (!in.u8(parts)) return false;
    if (parts & ~(kCellParts | kExpiry | kList | kHash | kSeries)) return in.fail();
    StampReader stamps(in, nodes);
    KeyState state;
    if (!decode_cell(in, stamps, parts & kCellParts, state.string_)) return false;
    if (parts & (kExpiry | kList | kHash | kSeries))
      state.extras_ = std::make_unique<KeyState::Extras>();
    if ((parts & kExpiry) && !decode_expiry(in, stamps, state.extras_->expiry)) return false;
    if ((parts & kList) && !decode_list(in, stamps, state.extras_->list)) return false;
    if ((parts & kHash) && !decode_hash(in, stamps, state.extras_->hash)) return false;
    if ((parts & kSeries) && !decode_series(in, stamps, state.extras_->series)) return false;
    out = std::move(state);
    return true;
  }

 private:
  static uint8_t cell_parts(const Cell& c) {
    const Cell::Extras* extras = c.extras_.get();
    return (c.has_register() ? kRegister : 0) | (c.value_.is_compressed() ? kCompressed : 0) |
           (extras && !extras->lanes.empty() ? kLanes : 0) |
           (extras && !extras->shadows.empty() ? kShadows : 0);
  }

  // A lane's node is its dot's (only its owner writes it), so the dot carries it.
  static void encode_cell(const Cell& c, uint8_t parts, StampWriter& stamps, Encoder& out) {
    std::string scratch;
    if (parts & kRegister) {
      stamps.stamp(c.dot_);
      out.bytes(c.value_.view(scratch));
    }
    if (parts & kLanes) {
      out.varint(c.extras_->lanes.size());
      for (const CounterLane& lane : c.extras_->lanes) {
        stamps.stamp(lane.dot);
        put_decimal(out, lane.total);
        put_decimal(out, lane.floor_total);
        stamps.stamp(lane.floor_dot);
        stamps.stamp(lane.birth);
      }
    }
    if (parts & kShadows) {
      out.varint(c.extras_->shadows.size());
      for (const Cell::ShadowRegister& r : c.extras_->shadows) {
        stamps.stamp(r.dot);
        stamps.stamp(r.birth);
        out.bytes(r.value);
      }
    }
  }

  // Cell invariants: extras only when non-empty; lanes in replica-id order, each above its
  // floor; shadows in dot order, all below the register, and only under one (a removal
  // promotes the greatest shadow).
  static bool decode_cell(Decoder& in, StampReader& stamps, uint8_t parts, Cell& c) {
    if ((parts & (kCompressed | kShadows)) && !(parts & kRegister)) return in.fail();
    if (parts & kRegister) {
      std::string_view value;
      if (!stamps.dot(c.dot_) || !in.bytes(value)) return false;
      c.value_.assign(value, parts & kCompressed);
    }
    if (!(parts & (kLanes | kShadows))) return true;
    auto extras = std::make_unique<Cell::Extras>();
    uint64_t n;
    if (parts & kLanes) {
      if (!in.count(n, 8) || n == 0) return in.fail();
      extras->lanes.resize(n);
      for (size_t i = 0; i < n; ++i) {
        CounterLane& lane = extras->lanes[i];
        if (!stamps.dot(lane.dot) || !get_decimal(in, lane.total) ||
            !get_decimal(in, lane.floor_total) || !stamps.stamp(lane.floor_dot) ||
            !stamps.stamp(lane.birth))
          return false;
        lane.node = lane.dot.node;
        if (!(lane.floor_dot < lane.dot)) return in.fail();
        if (i > 0 && !(NodeRegistry::id(extras->lanes[i - 1].node) < NodeRegistry::id(lane.node)))
          return in.fail();
      }
    }
    if (parts & kShadows) {
      if (!in.count(n, 4) || n == 0) return in.fail();
      extras->shadows.resize(n);
      for (size_t i = 0; i < n; ++i) {
        Cell::ShadowRegister& r = extras->shadows[i];
        if (!stamps.dot(r.dot) || !stamps.stamp(r.birth) || !in.bytes(r.value)) return false;
        if (i > 0 && !(extras->shadows[i - 1].dot < r.dot)) return in.fail();
      }
      if (!(extras->shadows.back().dot < c.dot_)) return in.fail();
    }
    c.extras_ = std::move(extras);
    return true;
  }

  // Entries in dot order.
  static bool decode_expiry(Decoder& in, StampReader& stamps, std::vector<ExpiryEntry>& expiry) {
    uint64_t n;
    if (!in.count(n, 3) || n == 0) return in.fail();
    expiry.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (!in.svarint(expiry[i].at_ms) || !stamps.dot(expiry[i].dot)) return false;
      if (i > 0 && expiry[i].dot < expiry[i - 1].dot) return in.fail();
    }
    return true;
  }

  // Elements in list order, each with its plain value: the chunks are rebuilt on load (their
  // size limit may have changed), compressing again the values that were compressed.
  static void encode_list(const ListState& list, StampWriter& stamps, Encoder& out) {
    out.varint(list.size());
    std::string scratch;
    for (const ListState::Chunk& chunk : list.chunks_) {
      size_t offset = 0;
      for (uint32_t k = 0; k < chunk.count; ++k) {
        const ListState::Element e = ListState::decode(chunk, offset);
        offset += e.bytes;
        out.u8(static_cast<uint8_t>(e.side) | (e.value_stamp.empty() ? 0 : kValueStamp) |
               (e.ancestors.empty() ? 0 : kAncestors) | (e.compressed ? kElementCompressed : 0));
        stamps.stamp(e.id);
        if (!e.value_stamp.empty()) stamps.stamp(e.value_stamp);
        if (!e.ancestors.empty()) {
          out.varint(e.ancestors.size());
          for (const PathStep& step : e.ancestors) {
            out.u8(static_cast<uint8_t>(step.side));
            stamps.stamp(step.dot);
          }
        }
        out.bytes(ListState::plain(e, scratch));
      }
    }
  }

  // List invariants: elements in strictly increasing path order, each path shaped as lists build
  // them, ids unique (removals find elements by id), an LSET stamp above the element's id.
  static bool decode_list(Decoder& in, StampReader& stamps, std::unique_ptr<ListState>& out) {
    uint64_t n;
    if (!in.count(n, 4) || n == 0) return in.fail();
    auto list = std::make_unique<ListState>();
    std::vector<Stamp> ids;
    ids.reserve(n);
    ListState::Element e, prev;
    for (uint64_t i = 0; i < n; ++i) {
      uint8_t head;
      if (!in.u8(head)) return false;
      if (head & ~(3 | kValueStamp | kAncestors | kElementCompressed)) return in.fail();
      e.side = static_cast<ListSide>(head & 3);
      e.value_stamp = Stamp{};
      e.ancestors.clear();
      if (!stamps.dot(e.id)) return false;
      if ((head & kValueStamp) && (!stamps.dot(e.value_stamp) || !(e.id < e.value_stamp)))
        return in.fail();
      if (head & kAncestors) {
        uint64_t steps;
        if (!in.count(steps, 3) || steps == 0) return in.fail();
        for (uint64_t s = 0; s < steps; ++s) {
          PathStep& step = e.ancestors.emplace_back();
          uint8_t side;
          if (!in.u8(side) || side > static_cast<uint8_t>(ListSide::kAfter)) return in.fail();
          step.side = static_cast<ListSide>(side);
          if (!stamps.dot(step.dot)) return false;
        }
        if (!is_path(e.ancestors)) return in.fail();
      }
      if (is_root_side(e.side) != e.ancestors.empty()) return in.fail();
      if (!in.bytes(e.value)) return false;
      e.compressed = false;
      e.compress = head & kElementCompressed;
      if (i > 0 && ListState::compare(ListState::path_of(prev), ListState::path_of(e)) >= 0)
        return in.fail();
      ids.push_back(e.id);
      list->append(e);
      std::swap(prev, e);
    }
    auto by_bits = [](const Stamp& a, const Stamp& b) {
      return a.hlc != b.hlc ? a.hlc < b.hlc : a.node < b.node;
    };
    std::sort(ids.begin(), ids.end(), by_bits);
    if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return in.fail();
    out = std::move(list);
    return true;
  }

  // Fields in the hash's own order, after its form: packed hashes are rebuilt packed (place
  // order is what they are read in), tables as tables (a hash never goes back to packed).
  static void encode_hash(const HashState& hash, StampWriter& stamps, Encoder& out) {
    out.u8(hash.packed() ? 0 : 1);
    out.varint(hash.size());
    hash.for_each([&](std::string_view name, const HashField& f) {
      out.bytes(name);
      const uint8_t parts = cell_parts(f.cell);
      out.u8(parts);
      if (parts & kRegister) stamps.stamp(f.birth);
      encode_cell(f.cell, parts, stamps, out);
    });
  }

  // Hash invariants: fields alive and unique; packed: in strictly increasing place order, plain
  // values (compression is for tables), plain fields with a birth the packed form can hold (a
  // delta back from the dot), and converted to a table when over the current limits, as a write
  // would.
  // A series: its settings when written (dot, then the fields as units write them), then its
  // chunks as they are in memory, compressed: per chunk its sample count, bit length, node table
  // and bytes. Loading decodes every chunk (SampleChunk::parse checks it) and builds it again,
  // so that a loaded chunk holds what appending its samples would have built.
  static void encode_series(const SeriesState& series, StampWriter& stamps, Encoder& out) {
    const bool config = !series.config_dot_.empty();
    out.u8(config ? 1 : 0);
    if (config) {
      stamps.stamp(series.config_dot_);
      NodeTable none;
      UnitWriter writer(out, none);
      writer(series.config_);
    }
    out.varint(series.chunks_.size());
    for (const SampleChunk& chunk : series.chunks_) {
      out.varint(chunk.count());
      out.varint(chunk.bit_length());
      out.varint(chunk.nodes().size());
      for (NodeIndex node : chunk.nodes()) stamps.node(node);
      out.bytes(chunk.data());
    }
    out.varint(series.shadows_.size());
    for (const SeriesSample& s : series.shadows_) {
      out.svarint(s.ts);
      out.fixed64(std::bit_cast<uint64_t>(s.value));
      stamps.stamp(s.dot);
    }
    out.varint(series.config_shadows_.size());
    for (const auto& [dot, config] : series.config_shadows_) {
      stamps.stamp(dot);
      NodeTable none;
      UnitWriter writer(out, none);
      writer(config);
    }
  }

  // Series invariants: settings a writer could have written, chunks non-empty and valid, in
  // strictly increasing timestamp order without overlap, and something stored at all.
  static bool decode_series(Decoder& in, StampReader& stamps, std::unique_ptr<SeriesState>& out) {
    auto series = std::make_unique<SeriesState>();
    uint8_t config;
    if (!in.u8(config) || config > 1) return in.fail();
    if (config) {
      if (!stamps.dot(series->config_dot_)) return false;
      const NodeIndex nobody[] = {0};
      UnitReader reader(in, nobody);
      if (!reader(series->config_)) return false;
      if (!valid_series_config(series->config_)) return in.fail();
    }
    uint64_t chunks;
    if (!in.count(chunks, 4)) return false;
    if (!config && chunks == 0) return in.fail();
    std::vector<NodeIndex> nodes;
    for (uint64_t c = 0; c < chunks; ++c) {
      uint64_t count, bit_length, n;
      if (!in.varint(count) || !in.varint(bit_length) || !in.count(n)) return false;
      nodes.resize(n);
      for (NodeIndex& node : nodes)
        if (!stamps.node(node) || node == 0) return in.fail();
      std::string_view bits;
      if (!in.bytes(bits)) return false;
      auto samples = SampleChunk::parse(bits, bit_length, count, nodes);
      if (!samples) return in.fail();
      if (!series->chunks_.empty() && samples->front().ts <= series->chunks_.back().last_ts())
        return in.fail();
      series->chunks_.push_back(SampleChunk::from(*samples));
    }
    // Shadows: in (timestamp, dot) order, each below the winner of its timestamp.
    uint64_t n;
    if (!in.count(n, 10)) return false;
    series->shadows_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      SeriesSample& s = series->shadows_[i];
      uint64_t bits;
      if (!in.svarint(s.ts) || !in.fixed64(bits) || !stamps.dot(s.dot)) return false;
      s.value = std::bit_cast<double>(bits);
      SeriesSample scratch;
      const SeriesSample* winner = series->find(s.ts, scratch);
      if (!winner || !(s.dot < winner->dot)) return in.fail();
      if (i > 0) {
        const SeriesSample& p = series->shadows_[i - 1];
        if (!(p.ts < s.ts || (p.ts == s.ts && p.dot < s.dot))) return in.fail();
      }
    }
    if (!in.count(n, 4)) return false;
    for (size_t i = 0; i < n; ++i) {
      auto& [dot, c] = series->config_shadows_.emplace_back();
      const NodeIndex nobody[] = {0};
      UnitReader reader(in, nobody);
      if (!stamps.dot(dot) || !reader(c)) return false;
      if (!valid_series_config(c) || !(dot < series->config_dot_)) return in.fail();
      if (i > 0 && !(series->config_shadows_[i - 1].first < dot)) return in.fail();
    }
    out = std::move(series);
    return true;
  }

  static bool decode_hash(Decoder& in, StampReader& stamps, std::unique_ptr<HashState>& out) {
    uint8_t form;
    uint64_t n;
    if (!in.u8(form) || form > 1 || !in.count(n, 4) || n == 0) return in.fail();
    auto hash = std::make_unique<HashState>();
    const bool packed = form == 0;
    if (!packed) hash->spill().table = std::make_unique<compact::KeyTable<HashField>>();
    std::vector<std::string_view> names;
    Stamp last_place;
    size_t longest = 0;
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view name;
      uint8_t parts;
      HashField f;
      if (!in.bytes(name) || !in.u8(parts)) return false;
      if (parts & ~kCellParts) return in.fail();
      if ((parts & kRegister) && !stamps.stamp(f.birth)) return false;
      if (!packed) {
        if (!decode_cell(in, stamps, parts, f.cell) || !f.cell.alive()) return in.fail();
        auto [slot, inserted] = hash->table()->try_emplace(name);
        if (!inserted) return in.fail();
        *slot = std::move(f);
        continue;
      }
      if (parts & kCompressed) return in.fail();
      names.push_back(name);
      longest = std::max(longest, name.size());
      if (parts == kRegister) {  // a plain field: straight into the packed bytes
        Stamp dot;
        std::string_view value;
        if (!stamps.dot(dot) || !in.bytes(value)) return false;
        if (f.birth.empty() || dot.hlc < f.birth.hlc || dot.hlc - f.birth.hlc >= (1ull << 62))
          return in.fail();
        if (i > 0 && !(last_place < f.birth)) return in.fail();
        last_place = f.birth;
        if (hash->plain_count_ == 0) hash->base_ = dot.hlc;
        hash->encode_plain(hash->plain_, name, value, dot, f.birth);
        ++hash->plain_count_;
        longest = std::max(longest, value.size());
        continue;
      }
      if (!decode_cell(in, stamps, parts, f.cell) || !f.cell.alive()) return in.fail();
      const Stamp place = f.place();
      if (i > 0 && !(last_place < place)) return in.fail();
      last_place = place;
      longest = std::max(longest, f.cell.register_value().size());
      hash->spill().kept.emplace_back(compact::CompactString(name), std::move(f));
    }
    if (packed) {
      std::sort(names.begin(), names.end());
      if (std::adjacent_find(names.begin(), names.end()) != names.end()) return in.fail();
      hash->plain_.shrink_to_fit();
      hash->convert_if_needed(longest);
    }
    out = std::move(hash);
    return true;
  }
};

void encode_key_state(const KeyState& state, compact::Encoder& out) {
  StateCodec::encode(state, out);
}

bool decode_key_state(compact::Decoder& in, std::span<const NodeIndex> nodes, KeyState& out) {
  return StateCodec::decode(in, nodes, out) || in.fail();
}

}  // namespace eddy::crdt
