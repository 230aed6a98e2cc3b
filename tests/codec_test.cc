// The byte codec of units and key states: every op and every state a replica can build comes
// back equal, every truncation and random corruption is refused or decodes to something that
// encodes and decodes again to itself, and never crashes. The random tests print their seed;
// EDDY_CODEC_SEED replays one.
#include "crdt/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <random>

#include "crdt/clock.h"
#include "crdt/hash.h"
#include "crdt/list.h"
#include "crdt/replica.h"
#include "tests/cluster.h"

namespace eddy::crdt {
namespace {

uint64_t test_seed(uint64_t fallback) {
  const char* env = std::getenv("EDDY_CODEC_SEED");
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

std::string encoded(const Unit& unit) {
  std::string out;
  encode_unit(unit, out);
  return out;
}

std::string encoded(const KeyState& state) {
  std::string out;
  compact::Encoder enc(out);
  encode_key_state(state, enc);
  return out;
}

// This process's own node table: a snapshot written and loaded by the same process.
std::vector<NodeIndex> identity_nodes() {
  std::vector<NodeIndex> nodes(NodeRegistry::size() + 1);
  std::iota(nodes.begin(), nodes.end(), NodeIndex{0});
  return nodes;
}

std::optional<KeyState> decoded_state(std::string_view bytes, std::span<const NodeIndex> nodes) {
  compact::Decoder in(bytes);
  KeyState state;
  if (!decode_key_state(in, nodes, state) || !in.done()) return std::nullopt;
  return state;
}

// Everything a reader can ask a state, as text: two states that answer the same are the same to
// every command.
std::string reads_of(const KeyState& s) {
  std::string out = s.debug_string(), scratch;
  out += " type=" + std::to_string(static_cast<int>(s.type()));
  out += " value=" + std::string(s.string_value(scratch));
  if (auto at = s.expire_at()) out += " at=" + std::to_string(*at);
  out += " author=" + debug_stamp(s.expiry_author());
  if (const ListState* l = s.list()) {
    for (size_t i = 0; i < l->size(); ++i) {
      out += " [" + std::string(l->value(i, scratch)) + " " + debug_stamp(l->id(i));
      for (const PathStep& step : l->path(i)) out += "/" + debug_stamp(step.dot);
      out += "]";
    }
  }
  if (const HashState* h = s.hash()) {
    std::vector<std::string> fields;
    h->for_each([&](std::string_view name, const HashField& f) {
      fields.push_back(std::string(name) + "=" + std::string(f.cell.value(scratch)));
    });
    // A table's fields come in bucket order, which a rebuilt table need not share.
    if (!h->packed()) std::sort(fields.begin(), fields.end());
    for (const std::string& f : fields) out += " {" + f + "}";
    out += h->packed() ? " packed" : " table";
  }
  const VersionVector context = s.context();
  for (const auto& e : context.entries()) out += " vv" + std::to_string(e.node);
  return out;
}

// --- Units ---------------------------------------------------------------------------------

NodeIndex node_a() { return NodeRegistry::intern(0xFEDCBA9876543210ull); }
NodeIndex node_b() { return NodeRegistry::intern(0x1234); }
NodeIndex node_c() { return NodeRegistry::intern(0x8000000000000001ull); }

constexpr uint64_t kHlc = uint64_t{1'700'000'000'123} << kHlcLogicalBits;

Observed rich_observed() {
  Observed seen;
  seen.dots.add(Stamp{kHlc - 5, node_a()});
  seen.dots.add(Stamp{kHlc - 70000, node_b()});
  seen.dots.add(Stamp{kHlc + 3, node_c()});
  seen.floors.push_back({node_b(), *Decimal::parse("-12.345"), Stamp{kHlc - 9, node_b()}});
  seen.fields.push_back(
      {std::string("f\0ld", 4), {{node_c(), Decimal::from_int(-7), Stamp{kHlc - 2, node_c()}}}});
  return seen;
}

// One effect of every op, every field set to something other than its default.
Unit rich_unit() {
  const std::string binary("bin\0ary\xff", 8);
  const std::string large(70000, 'x');
  const Decimal wide = Decimal::from_parts((static_cast<__int128>(1) << 100) + 1, 17);
  std::vector<Op> ops = {
      op::SetString{3, "key", binary, ExpiryAction::kSet, 1'700'000'100'000, rich_observed()},
      op::SetString{0, "k", large, ExpiryAction::kKeep, -5, {}},
      op::CounterAdd{1, "n", *Decimal::parse("-0.25"), wide, Stamp{kHlc - 100, node_a()},
                     rich_observed()},
      op::SetExpiry{2, "e", op::SetExpiry::kPersist, rich_observed().dots},
      op::SetExpiry{2, "e", -1, {}},
      op::RemoveKey{4, binary, rich_observed()},
      op::Flush{-1, rich_observed().dots, {{5, "c", rich_observed()}, {0, "d", {}}}},
      op::SwapDb{7, 9},
      op::ListPush{1, "l", ListSide::kTail, {"a", binary, "", large}, rich_observed()},
      op::ListInsert{1, "l",
                     {{ListSide::kHead, Stamp{kHlc - 50, node_b()}},
                      {ListSide::kAfter, Stamp{kHlc - 40, node_a()}}},
                     ListSide::kBefore, binary, rich_observed()},
      op::ListSet{1, "l", Stamp{kHlc - 50, node_b()}, "set", rich_observed()},
      op::ListRemove{1, "l", {Stamp{kHlc - 50, node_b()}, Stamp{kHlc - 1, node_c()}},
                     rich_observed()},
      op::HashSet{6,
                  "h",
                  {{"f1", binary, Stamp{kHlc - 30, node_c()}, rich_observed()},
                   {"f2", "v", {}, {}}},
                  rich_observed()},
      op::HashRemove{6, "h", {{"f1", rich_observed()}, {"f3", {}}}, rich_observed()},
      op::FieldAdd{6, "h", "n", Decimal::from_int(-3), *Decimal::parse("1e20"),
                   Stamp{kHlc - 20, node_a()}, Stamp{kHlc - 21, node_b()}, rich_observed()},
      op::SeriesMeta{2, "ts",
                     SeriesConfig{86'400'000,
                                  128,
                                  DuplicatePolicy::kSum,
                                  true,
                                  {{"site", binary}, {"kind", "temp"}},
                                  {{"ts:avg", Aggregator::kTwa, 60'000, 7}},
                                  true,
                                  "src"},
                     rich_observed().dots, rich_observed()},
      op::SeriesAdd{2,
                    "ts",
                    {{-5, -0.0}, {0, 1.5}, {1'700'000'000'000, 1e300}},
                    rich_observed().dots,
                    rich_observed()},
      op::SeriesRemove{2, "ts", INT64_MIN, 17, rich_observed().dots},
  };
  Unit unit{42, node_a(), {}};
  uint64_t hlc = kHlc;
  for (Op& op : ops) {
    hlc += stamps_needed(op);
    unit.effects.push_back(Effect{Stamp{hlc, node_a()}, std::move(op)});
  }
  // A unit may carry an effect stamped by another replica (the format does not assume it).
  unit.effects.push_back(Effect{Stamp{kHlc - 1000, node_c()}, op::RemoveKey{0, "x", {}}});
  return unit;
}

// The same without its 70 KB values, for the tests that decode it thousands of times.
Unit small_rich_unit() {
  Unit unit = rich_unit();
  unit.effects.erase(unit.effects.begin() + 1);
  std::get<op::ListPush>(unit.effects[7].op).values.pop_back();
  return unit;
}

TEST(UnitCodecTest, EveryOpRoundTripsWithEveryField) {
  const Unit unit = rich_unit();
  ASSERT_EQ(unit.effects.size(), std::variant_size_v<Op> + 3);
  auto back = decode_unit(encoded(unit));
  ASSERT_TRUE(back);
  EXPECT_TRUE(*back == unit);
  EXPECT_EQ(encoded(*back), encoded(unit));
  // Equality really looks at the fields.
  Unit other = unit;
  std::get<op::ListInsert>(other.effects[9].op).pivot[1].side = ListSide::kBefore;
  EXPECT_FALSE(other == unit);
}

TEST(UnitCodecTest, EmptyUnitAndPlainDefaultsRoundTrip) {
  Unit empty;
  EXPECT_TRUE(*decode_unit(encoded(empty)) == empty);
  Unit unit{1, node_b(), {Effect{Stamp{kHlc, node_b()}, op::RemoveKey{}}}};
  EXPECT_TRUE(*decode_unit(encoded(unit)) == unit);
}

// A SET as a replica ships it: seq, the origin's 8-byte id, the 9-byte HLC, and a few bytes of
// structure around the key and the value.
TEST(UnitCodecTest, SetUnitIsAFewBytesPlusKeyAndValue) {
  ManualClock clock;
  Replica replica(clock, ReplicaOptions{0x9E3779B97F4A7C15ull, 16, false});
  struct Last : EffectSink {
    Unit unit;
    void append(const Unit& u) override { unit = u; }
  } sink;
  replica.set_sink(&sink);
  replica.write(op::SetString{0, "k", "v", ExpiryAction::kClear, 0, {}});
  const std::string bytes = encoded(sink.unit);
  std::cout << "SET k v unit: " << bytes.size() << " bytes\n";
  EXPECT_LE(bytes.size(), 28u);
  EXPECT_TRUE(*decode_unit(bytes) == sink.unit);
}

TEST(UnitCodecTest, EveryTruncationAndTrailingByteFails) {
  const std::string bytes = encoded(small_rich_unit());
  for (size_t n = 0; n < bytes.size(); ++n)
    ASSERT_FALSE(decode_unit(std::string_view(bytes).substr(0, n))) << "length " << n;
  ASSERT_FALSE(decode_unit(bytes + '\0'));
}

TEST(UnitCodecTest, RefusesWhatNoReplicaWrites) {
  auto refused = [](Op op, Stamp stamp = Stamp{kHlc, node_a()}) {
    return !decode_unit(encoded(Unit{1, node_a(), {Effect{stamp, std::move(op)}}}));
  };
  EXPECT_TRUE(refused(op::RemoveKey{-1, "k", {}}));
  EXPECT_TRUE(refused(op::Flush{-2, {}, {}}));
  EXPECT_TRUE(refused(op::SwapDb{0, -1}));
  EXPECT_TRUE(refused(op::RemoveKey{0, "k", {}}, Stamp{}));
  EXPECT_TRUE(refused(op::ListPush{0, "l", ListSide::kTail, {}, {}}));
  EXPECT_TRUE(refused(op::ListPush{0, "l", ListSide::kBefore, {"v"}, {}}));
  const op::ListPush three{0, "l", ListSide::kTail, {"a", "b", "c"}, {}};
  EXPECT_TRUE(refused(three, Stamp{2, node_a()}));  // its first element would take HLC 0
  EXPECT_TRUE(refused(op::ListInsert{0, "l", {}, ListSide::kBefore, "v", {}}));
  EXPECT_TRUE(refused(op::ListInsert{0, "l", {{ListSide::kAfter, Stamp{5, node_a()}}},
                                     ListSide::kBefore, "v", {}}));
  EXPECT_TRUE(refused(op::ListInsert{0, "l", {{ListSide::kHead, Stamp{5, node_a()}}},
                                     ListSide::kTail, "v", {}}));
  EXPECT_TRUE(refused(op::HashSet{0, "h", {}, {}}));
  EXPECT_FALSE(refused(three, Stamp{3, node_a()}));

  // Byte-level damage that keeps the lengths right.
  const op::CounterAdd add{0, "n", Decimal::from_int(5), Decimal::from_int(5), {}, {}};
  const Unit unit{1, node_a(), {Effect{Stamp{kHlc, node_a()}, add}}};
  const std::string good = encoded(unit);
  ASSERT_TRUE(decode_unit(good));
  // seq, table size, the origin's 8-byte id, the origin's place, the effect count: the op byte
  // is at 12.
  ASSERT_EQ(static_cast<uint8_t>(good[12]), 0x11);
  auto with = [&](size_t at, uint8_t byte) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(byte);
    return decode_unit(bytes);
  };
  EXPECT_FALSE(with(12, 0x1f));  // no such op
  EXPECT_FALSE(with(12, 0x31));  // unknown flag
  // The delta: scale 0, coefficient 5 (zigzag 10) after stamp, db and key.
  const size_t delta = good.find(std::string("\x00\x0a", 2), 13);
  ASSERT_NE(delta, std::string::npos);
  EXPECT_FALSE(with(delta, 18));  // scale beyond kMaxScale
  std::string ten = good;
  ten[delta] = 1;
  ten[delta + 1] = 20;  // 10 with one decimal: "1.0", not canonical
  EXPECT_FALSE(decode_unit(ten));
  // The most negative 128-bit coefficient, whose negation overflows: zigzag all ones.
  const std::string most_negative = std::string(1, '\0') + std::string(18, '\xff') + '\x03';
  EXPECT_FALSE(decode_unit(good.substr(0, delta) + most_negative + good.substr(delta + 2)));
  const std::string most_positive = std::string(1, '\0') + std::string(18, '\xff') + '\x01';
  auto huge = decode_unit(good.substr(0, delta) + most_positive + good.substr(delta + 2));
  ASSERT_TRUE(huge);
  EXPECT_EQ(std::get<op::CounterAdd>(huge->effects[0].op).delta.format().size(), 39u);
  std::string zero_id = good;
  for (int i = 0; i < 8; ++i) zero_id[2 + i] = 0;
  EXPECT_FALSE(decode_unit(zero_id));
}

TEST(UnitCodecTest, DatabasesAreCheckedAgainstTheReplica) {
  EXPECT_TRUE(fits_databases(Unit{1, 0, {Effect{{}, op::RemoveKey{15, "k", {}}}}}, 16));
  EXPECT_FALSE(fits_databases(Unit{1, 0, {Effect{{}, op::RemoveKey{16, "k", {}}}}}, 16));
  EXPECT_TRUE(fits_databases(Unit{1, 0, {Effect{{}, op::Flush{-1, {}, {}}}}}, 16));
  EXPECT_FALSE(fits_databases(Unit{1, 0, {Effect{{}, op::SwapDb{0, 16}}}}, 16));
}

// Random bytes over a valid unit: refused, or decoded into a unit that encodes and decodes back
// to itself.
TEST(UnitCodecTest, RandomCorruptionNeverCrashes) {
  const uint64_t seed = test_seed(std::random_device{}());
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CODEC_SEED)");
  std::mt19937_64 rng(seed);
  const std::string good = encoded(small_rich_unit());
  size_t decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = good;
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips) {
      uint8_t& b = reinterpret_cast<uint8_t&>(bytes[rng() % bytes.size()]);
      b = rng() % 2 ? static_cast<uint8_t>(rng()) : b ^ static_cast<uint8_t>(1u << (rng() % 8));
    }
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    auto unit = decode_unit(bytes);
    if (!unit) continue;
    ++decoded;
    auto again = decode_unit(encoded(*unit));
    ASSERT_TRUE(again) << "round " << round;
    ASSERT_TRUE(*again == *unit) << "round " << round;
  }
  EXPECT_GT(decoded, 0u);
}

// --- Replicas writing at random --------------------------------------------------------------

using testing::Cluster;

const std::vector<std::string> kKeys = {"s", "l", "h", "x"};

// Short values mostly; long compressible ones and binary ones with NUL bytes sometimes.
std::string random_value(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0:
      return std::string(64 + rng() % 200, static_cast<char>('a' + rng() % 3));
    case 1:
      return std::string("\0z\0", 3) + std::to_string(rng() % 1000);
    case 2:
      return std::to_string(static_cast<int64_t>(rng() % 100) - 50);
    default:
      return std::string(1 + rng() % 30, static_cast<char>('a' + rng() % 26));
  }
}

// Any write to any key, as a command would build it against replica i's state, so that keys
// end up holding every kind of substate, sometimes several at once.
Op random_op(Cluster& cluster, int i) {
  auto& rng = cluster.rng();
  Replica& r = cluster.replica(i);
  const std::string& key = kKeys[rng() % kKeys.size()];
  const KeyState* s = r.peek(0, key);
  const int64_t now = r.now_ms();
  const unsigned pick = rng() % 28;
  if (pick >= 24) {  // series: settings, samples (some out of order, some rewritten), removals
    if (pick == 24) {
      SeriesConfig config;
      config.chunk_size = 48;  // tiny chunks: many of them
      config.labels = {{"l", random_value(rng)}};
      return op::SeriesMeta{0, key, config, {}, {}};
    }
    if (pick == 25) {
      const int64_t from = static_cast<int64_t>(rng() % 300);
      return op::SeriesRemove{0, key, from, from + static_cast<int64_t>(rng() % 100), {}};
    }
    std::vector<SeriesPoint> points;
    int64_t ts = static_cast<int64_t>(rng() % 300);
    for (unsigned n = 1 + rng() % 6; n > 0; --n) {
      points.push_back({ts, static_cast<double>(static_cast<int64_t>(rng() % 2000) - 1000) / 10});
      ts += 1 + static_cast<int64_t>(rng() % 20);
    }
    return op::SeriesAdd{0, key, points, {}, {}};
  }
  if (pick < 3) {
    op::SetString set{0, key, random_value(rng), ExpiryAction::kClear, 0, {}};
    if (rng() % 3 == 0) {
      set.expiry = ExpiryAction::kSet;
      set.expire_at_ms = now + 100000;
    }
    return set;
  }
  auto delta = [&](uint64_t n) {  // -n/2 .. n/2
    return Decimal::from_int(static_cast<int64_t>(rng() % n) - static_cast<int64_t>(n / 2));
  };
  if (pick < 5) return op::CounterAdd{0, key, delta(9), {}, {}, {}};
  if (pick == 5) return op::CounterAdd{0, key, *Decimal::parse("0.125"), {}, {}, {}};
  if (pick == 6) {
    const int64_t at = now + 50000 + static_cast<int64_t>(rng() % 999);
    return op::SetExpiry{0, key, rng() % 3 ? at : op::SetExpiry::kPersist, {}};
  }
  if (pick == 7) return op::RemoveKey{0, key, {}};
  if (pick == 8 && rng() % 4 == 0) return op::Flush{0, {}, {}};
  const ListState* list = s ? s->list() : nullptr;
  if (pick < 12 || (pick < 16 && !list)) {
    std::vector<std::string> values(1 + rng() % 3);
    for (auto& v : values) v = random_value(rng);
    return op::ListPush{0, key, rng() % 2 ? ListSide::kHead : ListSide::kTail, values, {}};
  }
  if (pick < 16) {
    const size_t at = rng() % list->size();
    if (pick < 14) {
      const ListSide side = rng() % 2 ? ListSide::kBefore : ListSide::kAfter;
      return op::ListInsert{0, key, list->path(at), side, random_value(rng), {}};
    }
    if (pick == 14) return op::ListSet{0, key, list->id(at), random_value(rng), {}};
    return op::ListRemove{0, key, {list->id(at)}, {}};
  }
  auto field = [&] { return "f" + std::to_string(rng() % 12); };
  if (pick < 20) {
    op::HashSet set{0, key, {}, {}};
    for (unsigned n = 1 + rng() % 3; n > 0; --n)
      set.fields.push_back({field(), random_value(rng), {}, {}});
    return set;
  }
  if (pick < 22) return op::FieldAdd{0, key, field(), delta(7), {}, {}, {}, {}};
  return op::HashRemove{0, key, {{field(), {}}}, {}};
}

// Every state and every unit of random histories, with packed and table hashes, tiny and
// default list chunks, compression on and off.
template <class Check>
void for_random_histories(int rounds, Check check) {
  const uint64_t base = test_seed(std::random_device{}());
  const HashLimits saved_hash = hash_limits();
  const ListLimits saved_list = list_limits();
  for (int round = 0; round < rounds; ++round) {
    const uint64_t seed = base + static_cast<uint64_t>(round);
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CODEC_SEED)");
    hash_limits() = round % 2 ? HashLimits{4, 40} : saved_hash;
    list_limits().max_chunk = round % 3 == 0 ? 2 : saved_list.max_chunk;
    Cluster cluster(3, seed, round % 4 != 3);
    for (int w = 0; w < 80; ++w) {
      const int i = static_cast<int>(cluster.rng()() % cluster.size());
      cluster.write(i, random_op(cluster, i));
      if (cluster.rng()() % 3 == 0) cluster.deliver_one();
    }
    check(cluster);
    if (::testing::Test::HasFatalFailure()) break;
  }
  hash_limits() = saved_hash;
  list_limits() = saved_list;
}

TEST(UnitCodecTest, EveryUnitOfRandomHistoriesRoundTrips) {
  for_random_histories(60, [](Cluster& cluster) {
    for (const testing::Message& message : cluster.log()) {
      const Unit& unit = message.unit;
      auto back = decode_unit(encoded(unit));
      ASSERT_TRUE(back);
      ASSERT_TRUE(*back == unit);
    }
  });
}

// An edge seals its units into push batches one unit at a time, finishing a batch whenever it
// is full: every batch decodes to its units, and a writer finished is a fresh one.
TEST(UnitCodecTest, BatchWriterBatchesOfRandomHistoriesRoundTrip) {
  for_random_histories(40, [](Cluster& cluster) {
    std::vector<Unit> units;
    for (const testing::Message& message : cluster.log()) units.push_back(message.unit);
    const size_t per_batch = 1 + cluster.rng()() % 7;
    UnitBatchWriter writer;
    std::vector<Unit> back;
    auto finish = [&] {
      auto decoded = decode_units(writer.finish());
      ASSERT_TRUE(decoded);
      back.insert(back.end(), decoded->begin(), decoded->end());
      EXPECT_EQ(writer.units(), 0u);
      EXPECT_EQ(writer.bytes(), 0u);
    };
    for (const Unit& unit : units) {
      writer.add(unit);
      if (writer.units() == per_batch) finish();
    }
    finish();
    ASSERT_TRUE(back == units);
  });
}

// --- Key states ------------------------------------------------------------------------------

void expect_round_trip(const KeyState& state) {
  const std::vector<NodeIndex> nodes = identity_nodes();
  const std::string bytes = encoded(state);
  auto back = decoded_state(bytes, nodes);
  ASSERT_TRUE(back) << state.debug_string();
  ASSERT_TRUE(*back == state) << state.debug_string() << "\nvs\n" << back->debug_string();
  ASSERT_EQ(reads_of(*back), reads_of(state));
  // A table's fields come in bucket order, which a rebuilt table need not share.
  if (!state.hash() || state.hash()->packed()) {
    ASSERT_EQ(encoded(*back), bytes);
  }
}

TEST(KeyStateCodecTest, EveryStateOfRandomHistoriesRoundTrips) {
  size_t states = 0, lists = 0, tables = 0, shadows = 0, lanes = 0, compressed = 0, mixed = 0,
         series = 0;
  for_random_histories(300, [&](Cluster& cluster) {
    while (cluster.rng()() % 4 != 0 && cluster.deliver_one()) {
    }
    for (int i = 0; i < cluster.size(); ++i) {
      for (const std::string& key : kKeys) {
        const KeyState* s = cluster.replica(i).peek_any(0, key);
        if (!s) continue;
        ++states;
        lists += s->list() != nullptr;
        tables += s->hash() && !s->hash()->packed();
        shadows += s->debug_string().find("shadow=") != std::string::npos;
        lanes += s->has_counter();
        compressed += s->register_value().is_compressed();
        mixed += (s->has_register() + (s->list() != nullptr) + (s->hash() != nullptr) +
                  (s->series() != nullptr)) > 1;
        series += s->series() != nullptr;
        expect_round_trip(*s);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  });
  std::cout << states << " states: " << lists << " lists, " << tables << " hash tables, " << shadows
            << " with shadows, " << lanes << " counters, " << compressed << " compressed, " << mixed
            << " of several types, " << series << " series\n";
  EXPECT_GT(lists, 0u);
  EXPECT_GT(tables, 0u);
  EXPECT_GT(shadows, 0u);
  EXPECT_GT(lanes, 0u);
  EXPECT_GT(compressed, 0u);
  EXPECT_GT(mixed, 0u);
  EXPECT_GT(series, 0u);
}

TEST(KeyStateCodecTest, EmptyStateRoundTrips) { expect_round_trip(KeyState{}); }

// A long list in tiny chunks and a big table hash, compressed values in both.
TEST(KeyStateCodecTest, LargeListsAndHashesRoundTrip) {
  ManualClock clock;
  Replica r(clock, ReplicaOptions{0xB16, 1, true});
  for (int i = 0; i < 300; ++i) {
    clock.advance_ms(1);
    r.refresh_time();
    std::string v = std::string(i % 7 == 0 ? 100 : 5, static_cast<char>('a' + i % 26));
    r.write(op::ListPush{0, "l", i % 2 ? ListSide::kHead : ListSide::kTail, {v, v + "!"}, {}});
    r.write(op::HashSet{0, "h", {{"f" + std::to_string(i), v, {}, {}}}, {}});
    if (i % 10 == 0) {
      const ListState* l = r.peek(0, "l")->list();
      r.write(op::ListInsert{0, "l", l->path(l->size() / 2), ListSide::kAfter, v, {}});
      r.write(op::ListSet{0, "l", l->id(1), "set" + v, {}});
    }
  }
  r.write(op::SetExpiry{0, "l", clock.now_ms() + 5000, {}});
  expect_round_trip(*r.peek(0, "l"));
  ASSERT_FALSE(r.peek(0, "h")->hash()->packed());
  expect_round_trip(*r.peek(0, "h"));
}

// Key state bytes made by hand, piece by piece, to break one invariant at a time.
class Bytes {
 public:
  Bytes& u8(uint8_t v) {
    enc().u8(v);
    return *this;
  }
  Bytes& count(uint64_t n) {
    enc().varint(n);
    return *this;
  }
  Bytes& number(int64_t v) {
    enc().svarint(v);
    return *this;
  }
  // A stamp: its node index, then its HLC as a delta from the previous stamp (the first one: as
  // milliseconds and logical counter).
  Bytes& stamp(uint64_t node, int64_t delta) {
    enc().varint(node);
    if (first_stamp_) {
      enc().varint(static_cast<uint64_t>(delta) >> kHlcLogicalBits);
      enc().varint(static_cast<uint64_t>(delta) & 0xffff);
    } else {
      enc().svarint(delta);
    }
    first_stamp_ = false;
    return *this;
  }
  Bytes& nobody() { return u8(0); }
  Bytes& text(std::string_view s) {
    enc().bytes(s);
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  compact::Encoder enc() { return compact::Encoder(out_); }
  std::string out_;
  bool first_stamp_ = true;
};

TEST(KeyStateCodecTest, RefusesBrokenInvariants) {
  const NodeIndex a = node_a();  // interned first: the node table below must hold it
  const std::vector<NodeIndex> nodes = identity_nodes();
  auto accepted = [&](const Bytes& b) { return decoded_state(b.str(), nodes).has_value(); };
  const auto first = static_cast<int64_t>(kHlc);
  // Cell parts: 1 register, 2 compressed, 4 lanes, 8 shadows; key parts: 0x10 expiry, 0x20 list,
  // 0x40 hash.
  EXPECT_TRUE(accepted(Bytes().u8(1).stamp(a, first).text("v")));
  EXPECT_FALSE(accepted(Bytes().u8(0x80)));
  EXPECT_FALSE(accepted(Bytes().u8(2)));  // compressed, but no register
  EXPECT_FALSE(accepted(Bytes().u8(1).stamp(nodes.size(), first).text("v")));
  EXPECT_FALSE(accepted(Bytes().u8(1).stamp(a, 0).text("v")));  // HLC 0
  EXPECT_FALSE(accepted(Bytes().u8(1).nobody().text("v")));     // a register without a dot

  // Shadows: below the register, only under one.
  auto shadow = [&](int64_t delta) {
    return Bytes().u8(1 | 8).stamp(a, first).text("v").count(1).stamp(a, delta).nobody().text("s");
  };
  EXPECT_TRUE(accepted(shadow(-1)));
  EXPECT_FALSE(accepted(shadow(1)));
  EXPECT_FALSE(accepted(Bytes().u8(8).count(1).stamp(a, first).nobody().text("s")));

  // Lanes: dot, total 1, floor total 0, floor dot, birth; above the floor, one per replica.
  auto lane = [&](Bytes& b, int64_t dot, int64_t floor) -> Bytes& {
    return b.stamp(a, dot).u8(0).u8(2).u8(0).u8(0).stamp(a, floor).nobody();
  };
  Bytes one_lane, at_floor, same_replica;
  lane(one_lane.u8(4).count(1), first, -1);
  lane(at_floor.u8(4).count(1), first, 0);
  lane(lane(same_replica.u8(4).count(2), first, -1), 5, -1);
  EXPECT_TRUE(accepted(one_lane));
  EXPECT_FALSE(accepted(at_floor));
  EXPECT_FALSE(accepted(same_replica));
  EXPECT_FALSE(accepted(Bytes().u8(4).count(0)));

  // Lists: head byte (side, 4 LSET stamp, 8 ancestors), id, value. Two HEAD pushes sit newest
  // first; ids are unique; a root element has no ancestors.
  auto list = [&](uint8_t second_side, int64_t second_delta) {
    return Bytes().u8(0x20).count(2).u8(0).stamp(a, first).text("x").u8(second_side)
        .stamp(a, second_delta).text("y");
  };
  EXPECT_TRUE(accepted(list(0, -1)));
  EXPECT_FALSE(accepted(list(0, 1)));
  EXPECT_FALSE(accepted(list(1, 0)));
  EXPECT_FALSE(accepted(Bytes().u8(0x20).count(0)));
  EXPECT_FALSE(accepted(Bytes().u8(0x20).count(1).u8(8).stamp(a, first).count(1).u8(0)
                            .stamp(a, -1).text("x")));

  // Hashes: form (0 packed, 1 table), fields of name, cell parts, birth, register.
  auto hash = [&](uint8_t form, std::string_view second, uint8_t parts, int64_t birth) {
    return Bytes().u8(0x40).u8(form).count(2).text("a").u8(1).stamp(a, first).stamp(a, 0)
        .text("v").text(second).u8(parts).stamp(a, birth).stamp(a, 0).text("v");
  };
  EXPECT_TRUE(accepted(hash(0, "b", 1, 1)));
  EXPECT_TRUE(accepted(hash(1, "b", 1, 1)));
  EXPECT_TRUE(accepted(hash(1, "b", 3, 1)));   // tables may compress
  EXPECT_FALSE(accepted(hash(0, "b", 3, 1)));  // packed values are plain
  EXPECT_FALSE(accepted(hash(2, "b", 1, 1)));
  EXPECT_FALSE(accepted(hash(0, "a", 1, 1)));  // a duplicate field
  EXPECT_FALSE(accepted(hash(1, "a", 1, 1)));
  EXPECT_FALSE(accepted(hash(0, "b", 1, -1)));  // out of place order
  EXPECT_FALSE(accepted(Bytes().u8(0x40).u8(0).count(0)));

  // Expiry entries in dot order.
  auto expiry = [&](int64_t second_delta) {
    return Bytes().u8(0x10).count(2).number(5).stamp(a, first).number(5).stamp(a, second_delta);
  };
  EXPECT_TRUE(accepted(expiry(1)));
  EXPECT_FALSE(accepted(expiry(-1)));
}

TEST(KeyStateCodecTest, NodesAreTranslatedAndCheckedAgainstTheTable) {
  KeyState state;
  state.apply(Stamp{kHlc, node_c()}, op::SetString{0, "k", "v", ExpiryAction::kClear, 0, {}},
              false);
  const std::string bytes = encoded(state);
  std::vector<NodeIndex> nodes = identity_nodes();
  ASSERT_TRUE(decoded_state(bytes, nodes));
  nodes.resize(node_c());  // the table ends just before the state's node
  EXPECT_FALSE(decoded_state(bytes, nodes));
  // A table from another process: index node_c() there is node_b() here.
  nodes = identity_nodes();
  nodes[node_c()] = node_b();
  auto moved = decoded_state(bytes, nodes);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->register_stamp(), (Stamp{kHlc, node_b()}));
  nodes[node_c()] = 0;  // an index the table says is nobody
  EXPECT_FALSE(decoded_state(bytes, nodes));
}

// Corrupt snapshots: truncations are refused, random damage never crashes, and whatever decodes
// is a state that encodes and decodes back to itself and answers every read.
TEST(KeyStateCodecTest, TruncationAndRandomCorruptionNeverCrash) {
  std::vector<std::string> samples;
  for_random_histories(20, [&](Cluster& cluster) {
    for (const std::string& key : kKeys)
      if (const KeyState* s = cluster.replica(0).peek_any(0, key)) samples.push_back(encoded(*s));
  });
  ASSERT_FALSE(samples.empty());
  const std::vector<NodeIndex> nodes = identity_nodes();
  for (const std::string& bytes : samples)
    for (size_t n = 0; n < bytes.size(); ++n)
      ASSERT_FALSE(decoded_state(std::string_view(bytes).substr(0, n), nodes)) << n;
  const uint64_t seed = test_seed(std::random_device{}());
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CODEC_SEED)");
  std::mt19937_64 rng(seed);
  size_t decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = samples[rng() % samples.size()];
    for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips) {
      uint8_t& b = reinterpret_cast<uint8_t&>(bytes[rng() % bytes.size()]);
      b = rng() % 2 ? static_cast<uint8_t>(rng()) : b ^ static_cast<uint8_t>(1u << (rng() % 8));
    }
    auto state = decoded_state(bytes, nodes);
    if (!state) continue;
    ++decoded;
    auto again = decoded_state(encoded(*state), nodes);
    ASSERT_TRUE(again) << "round " << round;
    ASSERT_TRUE(*again == *state) << "round " << round;
    ASSERT_EQ(reads_of(*again), reads_of(*state));
  }
  EXPECT_GT(decoded, 0u);
}

// --- Speed -------------------------------------------------------------------------------------

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
constexpr bool kSanitized = __has_feature(address_sanitizer);
#else
constexpr bool kSanitized = false;
#endif

double per_second(size_t n, std::chrono::steady_clock::duration d) {
  return static_cast<double>(n) / std::chrono::duration<double>(d).count();
}

// Not a benchmark, a sanity check with numbers: a million SET units and a million small string
// key states each way (optimized builds only: sanitizers make the numbers meaningless).
TEST(CodecSpeedTest, EncodesAndDecodesMillionsPerSecond) {
  using Clock = std::chrono::steady_clock;
  const size_t kCount = kSanitized ? 100'000 : 1'000'000;
  const op::SetString set{0, "key:000123", "value:0123456789", ExpiryAction::kClear, 0, {}};
  Unit unit{1, node_a(), {Effect{Stamp{kHlc, node_a()}, set}}};
  std::string journal;
  std::vector<size_t> ends;
  ends.reserve(kCount);
  auto start = Clock::now();
  for (size_t i = 0; i < kCount; ++i) {
    unit.seq = i + 1;
    unit.effects[0].stamp.hlc = kHlc + i;
    encode_unit(unit, journal);
    ends.push_back(journal.size());
  }
  const auto encode_time = Clock::now() - start;
  const size_t record = journal.size() / kCount;
  start = Clock::now();
  size_t ok = 0;
  for (size_t i = 0, begin = 0; i < kCount; begin = ends[i++])
    ok += decode_unit(std::string_view(journal).substr(begin, ends[i] - begin)).has_value();
  const auto decode_time = Clock::now() - start;
  EXPECT_EQ(ok, kCount);

  KeyState state;
  state.apply(Stamp{kHlc, node_a()}, set, false);
  std::string snapshot;
  compact::Encoder enc(snapshot);
  start = Clock::now();
  for (size_t i = 0; i < kCount; ++i) encode_key_state(state, enc);
  const auto state_encode_time = Clock::now() - start;
  const std::vector<NodeIndex> nodes = identity_nodes();
  compact::Decoder in(snapshot);
  start = Clock::now();
  KeyState loaded;
  for (size_t i = 0; i < kCount; ++i) ok += decode_key_state(in, nodes, loaded);
  const auto state_decode_time = Clock::now() - start;
  EXPECT_TRUE(in.done());
  EXPECT_EQ(ok, 2 * kCount);
  std::cout << "SET unit (" << record << " bytes): encode " << per_second(kCount, encode_time) / 1e6
            << " M/s, decode " << per_second(kCount, decode_time) / 1e6 << " M/s\n"
            << "string key state (" << snapshot.size() / kCount << " bytes): encode "
            << per_second(kCount, state_encode_time) / 1e6 << " M/s, decode "
            << per_second(kCount, state_decode_time) / 1e6 << " M/s\n";
}

}  // namespace
}  // namespace eddy::crdt
