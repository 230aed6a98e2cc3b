// Unit and property tests of the replica model: exact decimals, the HLC, and the key container's
// CRDT laws. The property tests print their seed; EDDY_CRDT_SEED replays one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <span>

#include "crdt/decimal.h"
#include "crdt/hlc.h"
#include "crdt/key_state.h"
#include "crdt/replica.h"
#include "tests/cluster.h"

namespace eddy::crdt {
namespace {

TEST(DecimalTest, ParsesRedisFloatSyntax) {
  EXPECT_EQ(Decimal::parse("10.5")->format(), "10.5");
  EXPECT_EQ(Decimal::parse("+1")->format(), "1");
  EXPECT_EQ(Decimal::parse(".5")->format(), "0.5");
  EXPECT_EQ(Decimal::parse("5.")->format(), "5");
  EXPECT_EQ(Decimal::parse("1.5e3")->format(), "1500");
  EXPECT_EQ(Decimal::parse("1E-2")->format(), "0.01");
  EXPECT_EQ(Decimal::parse("-0.000")->format(), "0");
  EXPECT_EQ(Decimal::parse("010")->format(), "10");
  EXPECT_FALSE(Decimal::parse(""));
  EXPECT_FALSE(Decimal::parse(" 1"));
  EXPECT_FALSE(Decimal::parse("1 "));
  EXPECT_FALSE(Decimal::parse("abc"));
  EXPECT_FALSE(Decimal::parse("1e"));
  EXPECT_FALSE(Decimal::parse("."));
  EXPECT_FALSE(Decimal::parse("inf"));
  EXPECT_TRUE(Decimal::is_infinity_text("-Infinity"));
}

TEST(DecimalTest, AddsExactlyAndRoundsBeyondSeventeenDecimals) {
  auto sum = Decimal::parse("0.1")->add(*Decimal::parse("0.2"));
  EXPECT_EQ(sum->format(), "0.3");
  EXPECT_EQ(Decimal::parse("17179869184")->add(*Decimal::parse("1.5"))->format(), "17179869185.5");
  EXPECT_EQ(Decimal::parse("0.123456789012345678")->format(), "0.12345678901234568");
  auto a = Decimal::parse("0.024390243902439025");
  EXPECT_EQ(a->add(a->negated())->format(), "0");
  EXPECT_EQ(Decimal::from_int(-5).add(*Decimal::parse("2.25"))->format(), "-2.75");
  EXPECT_EQ(*Decimal::from_int(INT64_MAX).to_int64(), INT64_MAX);
  EXPECT_FALSE(Decimal::parse("1.5")->to_int64());
}

TEST(DecimalTest, RefusesValuesBeyondItsRange) {
  EXPECT_FALSE(Decimal::parse("1e300"));
  EXPECT_TRUE(Decimal::parse("1e20"));
}

TEST(StrictIntTest, FollowsRedisString2ll) {
  EXPECT_EQ(parse_strict_int64("0"), 0);
  EXPECT_EQ(parse_strict_int64("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(parse_strict_int64("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(parse_strict_int64("9223372036854775808"));
  EXPECT_FALSE(parse_strict_int64("010"));
  EXPECT_FALSE(parse_strict_int64("-0"));
  EXPECT_FALSE(parse_strict_int64("+1"));
  EXPECT_FALSE(parse_strict_int64(" 1"));
  EXPECT_FALSE(parse_strict_int64(""));
}

TEST(HybridClockTest, StrictlyIncreasesAndAdvancesPastRemoteStamps) {
  ManualClock wall(1000);
  HybridClock hlc(wall);
  uint64_t a = hlc.next(), b = hlc.next();
  EXPECT_LT(a, b);
  EXPECT_EQ(hlc_millis(a), 1000);
  hlc.observe(hlc_from_millis(5000));
  EXPECT_GT(hlc.next(), hlc_from_millis(5000));
  wall.set_ms(100);  // the wall clock going backwards never moves the HLC back
  EXPECT_GT(hlc.next(), hlc_from_millis(5000));
  hlc.restore(hlc_from_millis(9000));
  EXPECT_GT(hlc.next(), hlc_from_millis(9000));
}

using testing::Cluster;

const std::vector<std::string> kKeys = {"a", "b", "c"};

enum class Mix { kAll, kNoCounterRemovals };

// kNoCounterRemovals: registers, expiry and removals, or increments without removals. A counter
// lane that a remove floored away is forgotten (no tombstones), which causal delivery of effects
// makes safe; a state join of two such states would need the removed lanes' floors, which
// state-mode sync will ship as removed-key records. The state-join laws are checked on histories
// where that information is not needed.
Op random_op(std::mt19937_64& rng, int64_t now_ms, Mix mix = Mix::kAll, bool counters = false) {
  const std::string& key = kKeys[rng() % kKeys.size()];
  if (mix == Mix::kNoCounterRemovals) {
    if (counters)
      return op::CounterAdd{0, key, Decimal::from_int(static_cast<int64_t>(rng() % 9)), {}, {}};
    Op op = random_op(rng, now_ms);
    while (std::holds_alternative<op::CounterAdd>(op)) op = random_op(rng, now_ms);
    return op;
  }
  unsigned pick = rng() % 10;
  if (counters) pick = 2;
  switch (pick) {
    case 0:
    case 1: {
      op::SetString set{0, key, std::to_string(rng() % 50), ExpiryAction::kClear, 0, {}};
      if (rng() % 4 == 0) {
        set.expiry = ExpiryAction::kSet;
        set.expire_at_ms = now_ms + 100000 + static_cast<int64_t>(rng() % 1000);
      } else if (rng() % 4 == 0) {
        set.expiry = ExpiryAction::kKeep;
      }
      return set;
    }
    case 2:
    case 3:
    case 4:
      return op::CounterAdd{0, key, Decimal::from_int(static_cast<int64_t>(rng() % 21) - 10), {}, {}};
    case 5:
      return op::CounterAdd{0, key, *Decimal::parse(rng() % 2 ? "0.25" : "-1.5"), {}, {}};
    case 6:
      return op::RemoveKey{0, key, {}};
    case 7:
      return op::SetExpiry{0, key, now_ms + 50000 + static_cast<int64_t>(rng() % 1000), {}};
    case 8:
      return op::SetExpiry{0, key, op::SetExpiry::kPersist, {}};
    default:
      return rng() % 3 == 0 ? Op(op::Flush{0, {}, {}}) : Op(op::RemoveKey{0, key, {}});
  }
}

uint64_t test_seed(uint64_t fallback) {
  const char* env = std::getenv("EDDY_CRDT_SEED");
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

std::string visible(Replica& r, const std::string& key) {
  const KeyState* s = r.peek(0, key);
  if (!s) return "(none)";
  std::string scratch;
  std::string out(s->string_value(scratch));
  if (auto at = s->expire_at()) out += " @" + std::to_string(*at);
  return out;
}

std::vector<std::string> list_values(const Replica& r, const std::string& key) {
  std::vector<std::string> out;
  const KeyState* s = r.peek(0, key);
  if (!s || !s->list()) return out;
  std::string scratch;
  for (size_t i = 0; i < s->list()->size(); ++i) out.emplace_back(s->list()->value(i, scratch));
  return out;
}

std::string hash_fields(const Replica& r, const std::string& key) {
  const KeyState* s = r.peek(0, key);
  if (!s || !s->hash()) return "";
  std::string out, scratch;
  s->hash()->for_each([&](std::string_view name, const HashField& f) {
    out += std::string(name) + "=" + std::string(f.cell.value(scratch)) + " ";
  });
  return out;
}

// Random writes from random replicas, with deliveries (some duplicated) in between.
template <class MakeOp>
void run_random(Cluster& cluster, int writes, MakeOp make_op) {
  for (int w = 0; w < writes; ++w) {
    int i = static_cast<int>(cluster.rng()() % cluster.size());
    cluster.write(i, make_op(i));
    if (cluster.rng()() % 3 == 0) cluster.deliver_one(cluster.rng()() % 5 == 0);
  }
}

void run_random_writes(Cluster& cluster, int writes, Mix mix = Mix::kAll, bool counters = false) {
  run_random(cluster, writes, [&](int i) {
    return random_op(cluster.rng(), cluster.replica(i).now_ms(), mix, counters);
  });
}

// Every replica holds the same state for each key, entry for entry, and answers the same.
void expect_converged(Cluster& cluster, std::span<const std::string> keys) {
  for (const std::string& key : keys) {
    const KeyState* first = cluster.replica(0).peek_any(0, key);
    for (int i = 1; i < cluster.size(); ++i) {
      const KeyState* other = cluster.replica(i).peek_any(0, key);
      ASSERT_EQ(first == nullptr, other == nullptr) << key;
      if (!first) continue;
      ASSERT_TRUE(*first == *other)
          << key << ": " << first->debug_string() << " vs " << other->debug_string();
      ASSERT_EQ(first->debug_string(), other->debug_string());
      ASSERT_EQ(visible(cluster.replica(0), key), visible(cluster.replica(i), key));
      ASSERT_EQ(list_values(cluster.replica(0), key), list_values(cluster.replica(i), key));
      ASSERT_EQ(hash_fields(cluster.replica(0), key), hash_fields(cluster.replica(i), key));
    }
  }
}

// Sync may deliver a unit twice (a retried push, a re-pulled batch): the second time changes
// nothing. A unit that skips one of its origin's seqs is refused unapplied.
TEST(DeliveryTest, DuplicatesChangeNothingAndGapsAreRefused) {
  ManualClock clock;
  Replica writer(clock, ReplicaOptions{0xD1, 2, false});
  Replica reader(clock, ReplicaOptions{0xD2, 2, false});
  testing::Capture sink;
  writer.set_sink(&sink);
  writer.write(op::CounterAdd{0, "n", Decimal::from_int(5), {}, {}});
  writer.write(op::CounterAdd{0, "n", Decimal::from_int(7), {}, {}});
  ASSERT_EQ(sink.units.size(), 2u);
  using Delivery = Replica::Delivery;
  EXPECT_EQ(reader.apply_remote(sink.units[1]), Delivery::kGap);
  EXPECT_EQ(reader.peek(0, "n"), nullptr);
  EXPECT_EQ(reader.apply_remote(sink.units[0]), Delivery::kApplied);
  EXPECT_EQ(reader.apply_remote(sink.units[0]), Delivery::kDuplicate);
  EXPECT_EQ(reader.apply_remote(sink.units[1]), Delivery::kApplied);
  EXPECT_EQ(reader.apply_remote(sink.units[1]), Delivery::kDuplicate);
  EXPECT_EQ(reader.applied_seq(writer.node()), 2u);
  std::string scratch;
  EXPECT_EQ(reader.peek(0, "n")->string_value(scratch), "12");
  // A replica's own units never come back to it as remote ones.
  EXPECT_EQ(writer.apply_remote(sink.units[1]), Delivery::kDuplicate);
}

TEST(ConvergenceTest, ReplicasThatAppliedTheSameEffectsHoldTheSameState) {
  uint64_t base = test_seed(std::random_device{}());
  for (uint64_t round = 0; round < 300; ++round) {
    uint64_t seed = base + round;
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CRDT_SEED)");
    Cluster cluster(3, seed);
    run_random_writes(cluster, 40);
    cluster.deliver_all();
    expect_converged(cluster, kKeys);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ConvergenceTest, SetConcurrentWithIncrementAddsTheIncrement) {
  Cluster cluster(2, 1);
  cluster.write(0, op::SetString{0, "k", "5", ExpiryAction::kClear, 0, {}});
  cluster.deliver_all();
  cluster.write(0, op::SetString{0, "k", "10", ExpiryAction::kClear, 0, {}});
  cluster.write(1, op::CounterAdd{0, "k", Decimal::from_int(1), {}});
  cluster.deliver_all();
  EXPECT_EQ(visible(cluster.replica(0), "k"), "11");
  EXPECT_EQ(visible(cluster.replica(1), "k"), "11");
}

TEST(ConvergenceTest, ConcurrentIncrementsAddUp) {
  Cluster cluster(3, 2);
  cluster.write(0, op::CounterAdd{0, "k", Decimal::from_int(7), {}});
  cluster.write(1, op::CounterAdd{0, "k", Decimal::from_int(3), {}});
  cluster.write(2, op::CounterAdd{0, "k", *Decimal::parse("0.5"), {}});
  cluster.deliver_all();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(visible(cluster.replica(i), "k"), "10.5");
}

TEST(ConvergenceTest, DeleteConcurrentWithIncrementKeepsOnlyTheIncrement) {
  Cluster cluster(2, 3);
  cluster.write(0, op::CounterAdd{0, "k", Decimal::from_int(5), {}});
  cluster.deliver_all();
  cluster.write(0, op::RemoveKey{0, "k", {}});
  cluster.write(1, op::CounterAdd{0, "k", Decimal::from_int(1), {}});
  cluster.deliver_all();
  EXPECT_EQ(visible(cluster.replica(0), "k"), "1");
  EXPECT_EQ(visible(cluster.replica(1), "k"), "1");
}

TEST(ConvergenceTest, FlushConcurrentWithIncrementKeepsOnlyTheIncrement) {
  Cluster cluster(2, 4);
  cluster.write(1, op::CounterAdd{0, "k", Decimal::from_int(5), {}});
  cluster.deliver_all();
  cluster.write(0, op::Flush{-1, {}, {}});
  cluster.write(1, op::CounterAdd{0, "k", Decimal::from_int(2), {}});
  cluster.deliver_all();
  EXPECT_EQ(visible(cluster.replica(0), "k"), "2");
  EXPECT_EQ(visible(cluster.replica(1), "k"), "2");
}

TEST(ConvergenceTest, LongestConcurrentTtlWinsAndPersistBeatsExpire) {
  Cluster cluster(2, 5);
  cluster.write(0, op::SetString{0, "k", "v", ExpiryAction::kClear, 0, {}});
  cluster.deliver_all();
  int64_t now = cluster.replica(0).now_ms();
  cluster.write(0, op::SetExpiry{0, "k", now + 1000, {}});
  cluster.write(1, op::SetExpiry{0, "k", now + 5000, {}});
  cluster.deliver_all();
  EXPECT_EQ(*cluster.replica(0).peek(0, "k")->expire_at(), now + 5000);
  EXPECT_EQ(*cluster.replica(1).peek(0, "k")->expire_at(), now + 5000);
  cluster.write(0, op::SetExpiry{0, "k", op::SetExpiry::kPersist, {}});
  cluster.write(1, op::SetExpiry{0, "k", now + 9000, {}});
  cluster.deliver_all();
  EXPECT_FALSE(cluster.replica(0).peek(0, "k")->expire_at());
  EXPECT_FALSE(cluster.replica(1).peek(0, "k")->expire_at());
  // Causally after: a later EXPIRE replaces a longer one.
  cluster.write(0, op::SetExpiry{0, "k", now + 2000, {}});
  cluster.deliver_all();
  EXPECT_EQ(*cluster.replica(1).peek(0, "k")->expire_at(), now + 2000);
}

TEST(ConvergenceTest, DeleteConcurrentWithSetKeepsTheSet) {
  Cluster cluster(2, 6);
  cluster.write(0, op::SetString{0, "k", "old", ExpiryAction::kClear, 0, {}});
  cluster.deliver_all();
  cluster.write(0, op::RemoveKey{0, "k", {}});
  cluster.write(1, op::SetString{0, "k", "new", ExpiryAction::kClear, 0, {}});
  cluster.deliver_all();
  EXPECT_EQ(visible(cluster.replica(0), "k"), "new");
  EXPECT_EQ(visible(cluster.replica(1), "k"), "new");
}

// --- Lattice laws of the state join ----------------------------------------------------------

struct Sample {
  KeyState state;
  VersionVector context;
};

Sample sample_of(Cluster& c, int i, const std::string& key) {
  const KeyState* s = c.replica(i).peek_any(0, key);
  return Sample{s ? s->clone() : KeyState{}, c.context(i)};
}

Sample join(const Sample& a, const Sample& b) {
  VersionVector ctx = a.context;
  ctx.merge(b.context);
  return Sample{KeyState::join(a.state, a.context, b.state, b.context), ctx};
}

TEST(LatticeTest, JoinIsCommutativeAssociativeAndIdempotent) {
  uint64_t base = test_seed(std::random_device{}());
  for (uint64_t round = 0; round < 600; ++round) {
    uint64_t seed = base + round;
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CRDT_SEED)");
    Cluster cluster(3, seed);
    run_random_writes(cluster, 30, Mix::kNoCounterRemovals, round % 2 == 1);
    for (const std::string& key : kKeys) {
      Sample a = sample_of(cluster, 0, key), b = sample_of(cluster, 1, key),
             c = sample_of(cluster, 2, key);
      ASSERT_TRUE(join(a, b).state == join(b, a).state) << key;
      ASSERT_TRUE(join(join(a, b), c).state == join(a, join(b, c)).state) << key;
      ASSERT_TRUE(join(a, a).state == a.state) << key;
    }
  }
}

// Applying a remote effect gives the state that joining the sender's state gives, when the
// receiver had everything the sender had before it (which causal delivery guarantees).
TEST(LatticeTest, ApplyingAnEffectEqualsJoiningTheSendersState) {
  uint64_t base = test_seed(std::random_device{}());
  for (uint64_t round = 0; round < 600; ++round) {
    uint64_t seed = base + round;
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CRDT_SEED)");
    Cluster cluster(2, seed);
    bool counters = round % 2 == 1;
    run_random_writes(cluster, 20, Mix::kNoCounterRemovals, counters);
    cluster.deliver_all();
    // Replica 1 writes concurrently so the receiver's state has something of its own.
    cluster.write(1, random_op(cluster.rng(), cluster.replica(1).now_ms(),
                               Mix::kNoCounterRemovals, counters));
    std::vector<Sample> before;
    for (const std::string& key : kKeys) before.push_back(sample_of(cluster, 1, key));
    cluster.write(0, random_op(cluster.rng(), cluster.replica(0).now_ms(),
                               Mix::kNoCounterRemovals, counters));
    std::vector<Sample> sender;
    for (const std::string& key : kKeys) sender.push_back(sample_of(cluster, 0, key));
    // Deliver only replica 0's newest unit to replica 1.
    while (cluster.deliver_one(false)) {
    }
    for (size_t k = 0; k < kKeys.size(); ++k) {
      Sample joined = join(before[k], sender[k]);
      const KeyState* applied = cluster.replica(1).peek_any(0, kKeys[k]);
      KeyState empty;
      const KeyState& got = applied ? *applied : empty;
      ASSERT_TRUE(joined.state == got)
          << kKeys[k] << ": " << joined.state.debug_string() << " vs " << got.debug_string();
    }
  }
}

// --- Lists and hashes ---------------------------------------------------------------------


enum class CollectionMix { kAll, kNoCounters, kCountersOnly };

// A random list or hash write as a command would build it against replica i's current state
// (pops and LREM ship the ids they saw, LINSERT its pivot's path, LSET the element's id).
Op random_collection_op(Cluster& cluster, int i, CollectionMix mix) {
  auto& rng = cluster.rng();
  const Replica& r = cluster.replica(i);
  const std::string key = rng() % 2 ? "l" : "h";
  const KeyState* s = r.peek(0, key);
  auto value = [&] { return std::string(1, static_cast<char>('a' + rng() % 26)); };
  if (mix == CollectionMix::kCountersOnly)
    return op::FieldAdd{0, "h", "n" + std::to_string(rng() % 2),
                        Decimal::from_int(static_cast<int64_t>(rng() % 7)), {}, {}, {}, {}};
  const unsigned pick = rng() % 12;
  if (pick == 0) return op::RemoveKey{0, key, {}};
  if (pick == 1) return op::SetString{0, key, value(), ExpiryAction::kClear, 0, {}};
  if (key == "l") {
    const ListState* list = s ? s->list() : nullptr;
    if (!list || pick < 5) {
      std::vector<std::string> values(1 + rng() % 3);
      for (auto& v : values) v = value();
      return op::ListPush{0, key, rng() % 2 ? ListSide::kHead : ListSide::kTail, values, {}};
    }
    const size_t at = rng() % list->size();
    if (pick < 7)
      return op::ListInsert{0, key, list->path(at),
                            rng() % 2 ? ListSide::kBefore : ListSide::kAfter, value(), {}};
    if (pick < 9) return op::ListSet{0, key, list->id(at), value(), {}};
    std::vector<Stamp> ids{list->id(at)};
    if (list->size() > 1) ids.push_back(list->id(rng() % 2 ? 0 : list->size() - 1));
    return op::ListRemove{0, key, ids, {}};
  }
  const HashState* hash = s ? s->hash() : nullptr;
  if (pick < 7 || !hash) {
    op::HashSet set{0, key, {}, {}};
    for (unsigned n = 1 + rng() % 2; n > 0; --n)
      set.fields.push_back({"f" + std::to_string(rng() % 4), value(), {}, {}});
    return set;
  }
  if (pick < 9 && mix == CollectionMix::kAll)
    return op::FieldAdd{0, key, "f" + std::to_string(rng() % 4),
                        Decimal::from_int(static_cast<int64_t>(rng() % 7)), {}, {}, {}, {}};
  return op::HashRemove{0, key, {{"f" + std::to_string(rng() % 4), {}}}, {}};
}

void run_random_collection_writes(Cluster& cluster, int writes, CollectionMix mix) {
  run_random(cluster, writes, [&](int i) { return random_collection_op(cluster, i, mix); });
}

const std::vector<std::string> kCollectionKeys = {"l", "h"};

TEST(ListHashConvergenceTest, RandomCausalOrdersWithDuplicatesEndIdentical) {
  uint64_t base = test_seed(std::random_device{}());
  for (uint64_t round = 0; round < 300; ++round) {
    uint64_t seed = base + round;
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CRDT_SEED)");
    Cluster cluster(3, seed);
    run_random_collection_writes(cluster, 60, CollectionMix::kAll);
    cluster.deliver_all();
    expect_converged(cluster, kCollectionKeys);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// Small chunks put chunk boundaries everywhere: the same random histories must still converge.
TEST(ListHashConvergenceTest, TinyPackedChunksConvergeToo) {
  const int64_t saved = list_limits().max_chunk;
  list_limits().max_chunk = 2;
  uint64_t base = test_seed(std::random_device{}());
  for (uint64_t round = 0; round < 200; ++round) {
    uint64_t seed = base + round;
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CRDT_SEED)");
    Cluster cluster(3, seed);
    run_random_collection_writes(cluster, 60, CollectionMix::kNoCounters);
    cluster.deliver_all();
    expect_converged(cluster, kCollectionKeys);
    if (::testing::Test::HasFatalFailure()) break;
  }
  list_limits().max_chunk = saved;
}

// One replica against a std::deque model, with chunks of a few elements or a few KiB (and LZ4
// values): every position-based operation lands on chunk boundaries.
TEST(ListStorageTest, PackedChunksBehaveLikeASequence) {
  const int64_t saved = list_limits().max_chunk;
  uint64_t seed = test_seed(std::random_device{}());
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CRDT_SEED)");
  std::mt19937_64 rng(seed);
  for (int64_t limit : {1, 3, 7, -1}) {
    list_limits().max_chunk = limit;
    ManualClock clock(1'700'000'000'000);
    // With 4 KiB chunks the values are long and compressible, and compression is on.
    Replica r(clock, ReplicaOptions{77, 1, limit == -1});
    std::deque<std::string> model;
    for (int step = 0; step < 3000; ++step) {
      clock.advance_ms(static_cast<int64_t>(rng() % 2));
      r.refresh_time();
      const KeyState* s = r.peek(0, "l");
      const ListState* list = s ? s->list() : nullptr;
      std::string v(1 + rng() % (limit == -1 ? 300 : 5), static_cast<char>('a' + rng() % 26));
      unsigned pick = rng() % 10;
      if (!list || pick < 3) {
        bool head = rng() % 2;
        r.write(op::ListPush{0, "l", head ? ListSide::kHead : ListSide::kTail, {v, v + "2"}, {}});
        if (head) {
          model.push_front(v);
          model.push_front(v + "2");
        } else {
          model.push_back(v);
          model.push_back(v + "2");
        }
      } else {
        size_t at = rng() % list->size();
        if (pick < 5) {
          bool before = rng() % 2;
          r.write(op::ListInsert{0, "l", list->path(at), before ? ListSide::kBefore : ListSide::kAfter,
                                 v, {}});
          model.insert(model.begin() + static_cast<std::ptrdiff_t>(at + (before ? 0 : 1)), v);
        } else if (pick < 7) {
          r.write(op::ListSet{0, "l", list->id(at), v, {}});
          model[at] = v;
        } else if (pick < 9) {
          size_t end = rng() % 2 ? 0 : list->size() - 1;
          r.write(op::ListRemove{0, "l", {list->id(end)}, {}});
          model.erase(model.begin() + static_cast<std::ptrdiff_t>(end));
        } else {
          std::vector<Stamp> ids{list->id(at)};
          if (list->size() > 2) ids.push_back(list->id((at + 1) % list->size()));
          r.write(op::ListRemove{0, "l", ids, {}});
          size_t second = (at + 1) % model.size();
          bool two = model.size() > 2;
          model.erase(model.begin() + static_cast<std::ptrdiff_t>(std::max(at, two ? second : at)));
          if (two && second != at)
            model.erase(model.begin() + static_cast<std::ptrdiff_t>(std::min(at, second)));
        }
      }
      auto got = list_values(r, "l");
      ASSERT_EQ(got, std::vector<std::string>(model.begin(), model.end()))
          << "limit " << limit << " step " << step;
      if (rng() % 50 == 0 && !model.empty()) {  // random reads at random positions
        const ListState* l = r.peek(0, "l")->list();
        std::string scratch;
        for (int k = 0; k < 20; ++k) {
          size_t i = rng() % model.size();
          ASSERT_EQ(l->value(i, scratch), model[i]);
        }
      }
    }
  }
  list_limits().max_chunk = saved;
}

TEST(ListHashConvergenceTest, ConcurrentPushesInterleaveByTimeKeepingEachReplicasOrder) {
  Cluster cluster(2, 11);
  cluster.write(0, op::ListPush{0, "l", ListSide::kTail, {"a1", "a2"}, {}});
  cluster.write(1, op::ListPush{0, "l", ListSide::kTail, {"b1"}, {}});
  cluster.write(0, op::ListPush{0, "l", ListSide::kTail, {"a3"}, {}});
  cluster.deliver_all();
  auto merged = list_values(cluster.replica(0), "l");
  EXPECT_EQ(merged, list_values(cluster.replica(1), "l"));
  auto pos = [&](const std::string& v) { return std::find(merged.begin(), merged.end(), v) - merged.begin(); };
  EXPECT_LT(pos("a1"), pos("a2"));
  EXPECT_LT(pos("a2"), pos("a3"));
  EXPECT_EQ(merged.size(), 4u);
}

TEST(ListHashConvergenceTest, DeleteConcurrentWithPushKeepsOnlyThePush) {
  Cluster cluster(2, 12);
  cluster.write(0, op::ListPush{0, "l", ListSide::kHead, {"x"}, {}});
  cluster.deliver_all();
  cluster.write(0, op::RemoveKey{0, "l", {}});
  cluster.write(1, op::ListPush{0, "l", ListSide::kHead, {"y"}, {}});
  cluster.deliver_all();
  EXPECT_EQ(list_values(cluster.replica(0), "l"), std::vector<std::string>{"y"});
  EXPECT_EQ(list_values(cluster.replica(1), "l"), std::vector<std::string>{"y"});
}

TEST(ListHashConvergenceTest, LsetConcurrentWithPopLeavesTheElementPopped) {
  Cluster cluster(2, 13);
  cluster.write(0, op::ListPush{0, "l", ListSide::kTail, {"a", "b"}, {}});
  cluster.deliver_all();
  const Stamp first = cluster.replica(0).peek(0, "l")->list()->id(0);
  cluster.write(0, op::ListRemove{0, "l", {first}, {}});
  cluster.write(1, op::ListSet{0, "l", first, "z", {}});
  cluster.deliver_all();
  EXPECT_EQ(list_values(cluster.replica(0), "l"), std::vector<std::string>{"b"});
  EXPECT_EQ(list_values(cluster.replica(1), "l"), std::vector<std::string>{"b"});
}

TEST(ListHashConvergenceTest, HsetConcurrentWithHdelSurvivesAndIncrementsAddUp) {
  Cluster cluster(2, 14);
  cluster.write(0, op::HashSet{0, "h", {{"f", "1", {}, {}}, {"n", "10", {}, {}}}, {}});
  cluster.deliver_all();
  cluster.write(0, op::HashRemove{0, "h", {{"f", {}}}, {}});
  cluster.write(1, op::HashSet{0, "h", {{"f", "2", {}, {}}}, {}});
  cluster.write(0, op::FieldAdd{0, "h", "n", Decimal::from_int(7), {}, {}, {}, {}});
  cluster.write(1, op::FieldAdd{0, "h", "n", Decimal::from_int(3), {}, {}, {}, {}});
  cluster.deliver_all();
  EXPECT_EQ(hash_fields(cluster.replica(0), "h"), "f=2 n=20 ");
  EXPECT_EQ(hash_fields(cluster.replica(1), "h"), "f=2 n=20 ");
}

TEST(ListHashConvergenceTest, ConcurrentTypesResolveToTheLatestWriteAndTheLoserGoes) {
  Cluster cluster(2, 15);
  cluster.write(0, op::SetString{0, "k", "s", ExpiryAction::kClear, 0, {}});
  cluster.write(1, op::ListPush{0, "k", ListSide::kHead, {"x"}, {}});
  cluster.deliver_all();
  EXPECT_EQ(cluster.replica(0).peek(0, "k")->type(), KeyType::kList);
  EXPECT_EQ(cluster.replica(1).peek(0, "k")->type(), KeyType::kList);
  EXPECT_TRUE(cluster.replica(0).peek(0, "k")->has_register());
  cluster.write(0, op::ListPush{0, "k", ListSide::kHead, {"y"}, {}});
  cluster.deliver_all();
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(cluster.replica(i).peek(0, "k")->has_register());
    EXPECT_EQ(list_values(cluster.replica(i), "k"), (std::vector<std::string>{"y", "x"}));
  }
}

TEST(ListHashLatticeTest, JoinIsCommutativeAssociativeIdempotentAndMatchesApply) {
  uint64_t base = test_seed(std::random_device{}());
  for (uint64_t round = 0; round < 300; ++round) {
    uint64_t seed = base + round;
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CRDT_SEED)");
    const CollectionMix mix = round % 2 ? CollectionMix::kCountersOnly : CollectionMix::kNoCounters;
    Cluster cluster(3, seed);
    run_random_collection_writes(cluster, 30, mix);
    for (const std::string& key : kCollectionKeys) {
      Sample a = sample_of(cluster, 0, key), b = sample_of(cluster, 1, key),
             c = sample_of(cluster, 2, key);
      ASSERT_TRUE(join(a, b).state == join(b, a).state) << key;
      ASSERT_TRUE(join(join(a, b), c).state == join(a, join(b, c)).state) << key;
      ASSERT_TRUE(join(a, a).state == a.state) << key;
    }
    cluster.deliver_all();
    for (const std::string& key : kCollectionKeys) {
      Sample a = sample_of(cluster, 0, key), b = sample_of(cluster, 1, key);
      ASSERT_TRUE(join(a, b).state == a.state)
          << key << ": " << join(a, b).state.debug_string() << " vs " << a.state.debug_string();
    }
  }
}

}  // namespace
}  // namespace eddy::crdt

