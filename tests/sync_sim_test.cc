// The edge/hub protocol's logic (sync/unit_log.h, sync/hub.h, sync/edge.h): unit tests of its
// edge cases, then a deterministic simulator of a hub and several edges in one process, against
// the real crdt::Replica, over a network that drops, duplicates, delays and reorders messages and
// partitions links, with crashes and restarts that keep only what was fsynced. After healing,
// every replica must hold the same state, and no acknowledged write may be lost or applied twice.
// The simulator prints its seeds; EDDY_SIM_SEED replays one, EDDY_SIM_SEEDS sets how many run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "compact/sha256.h"
#include "crdt/clock.h"
#include "crdt/codec.h"
#include "crdt/decimal.h"
#include "crdt/effect.h"
#include "crdt/key_state.h"
#include "crdt/replica.h"
#include "sync/edge.h"
#include "sync/edge_tokens.h"
#include "sync/hub.h"
#include "sync/messages.h"
#include "sync/unit_log.h"

namespace eddy::sync {
namespace {

using crdt::Decimal;
using crdt::ExpiryAction;
using crdt::KeyState;
using crdt::ListSide;
using crdt::ManualClock;
using crdt::NodeIndex;
using crdt::Op;
using crdt::Replica;
using crdt::ReplicaOptions;
using crdt::Stamp;
using crdt::Unit;
namespace op = crdt::op;
using Delivery = Replica::Delivery;

constexpr int64_t kStartMs = 1'700'000'000'000;
constexpr int kDatabases = 2;

struct Capture : crdt::EffectSink {
  std::vector<Unit> units;
  void append(const Unit& unit) override { units.push_back(unit); }
};

template <class T>
const T& must(const std::variant<T, std::string>& v) {
  if (auto* error = std::get_if<std::string>(&v)) ADD_FAILURE() << *error;
  static const T empty{};
  const T* value = std::get_if<T>(&v);
  return value ? *value : empty;
}

template <class T>
std::string error_of(const std::variant<T, std::string>& v) {
  auto* error = std::get_if<std::string>(&v);
  return error ? *error : "(no error)";
}

// --- Unit tests ---------------------------------------------------------------------------------

class HubTest : public ::testing::Test {
 protected:
  HubTest() {
    hub_replica.set_sink(&hub_sink);
    edge_replica.set_sink(&edge_sink);
    other_replica.set_sink(&other_sink);
    hub.on_applied = [this](const Unit& unit) { hub_journal.push_back(unit); };
  }

  // A local write at the hub: journaled, then in the log, as the server's sink does it.
  void hub_write(const std::string& key) {
    hub_replica.write(op::SetString{0, key, "h", ExpiryAction::kClear, 0, {}});
    for (const Unit& unit : hub_sink.units) hub.on_local_unit(unit);
    hub_sink.units.clear();
  }
  std::vector<Unit> edge_writes(int n, Replica& replica, Capture& sink) {
    for (int i = 0; i < n; ++i)
      replica.write(op::CounterAdd{0, "n", Decimal::from_int(i + 1), {}, {}, {}});
    std::vector<Unit> units = std::move(sink.units);
    sink.units.clear();
    return units;
  }
  Hello hello_of(const Replica& replica, uint64_t cursor = 0) {
    Hello hello;
    hello.replica_id = replica.replica_id();
    hello.proto_version = 1;
    hello.last_seq = replica.seq();
    hello.hub_cursor = cursor;
    hello.hlc = replica.hlc();
    hello.wall_ms = clock.now_ms();
    hello.node_name = "e";
    return hello;
  }

  ManualClock clock{kStartMs};
  Replica hub_replica{clock, ReplicaOptions{0x5100, kDatabases, false}};
  Replica edge_replica{clock, ReplicaOptions{0x5101, kDatabases, false}};
  Replica other_replica{clock, ReplicaOptions{0x5102, kDatabases, false}};
  Capture hub_sink, edge_sink, other_sink;
  std::vector<Unit> hub_journal;
  UnitLog log;
  Hub hub{hub_replica, log};
};

TEST_F(HubTest, HelloRepliesWithWhatTheHubHolds) {
  auto reply = must(hub.hello(hello_of(edge_replica), clock.now_ms()));
  EXPECT_EQ(reply.hub_replica_id, 0x5100u);
  EXPECT_EQ(reply.acked_seq, 0u);
  EXPECT_EQ(reply.head, 0u);
  EXPECT_EQ(reply.horizon, 1u);
  EXPECT_EQ(reply.mode, CatchUp::kIncremental);
  ASSERT_EQ(hub.peers().count(0x5101), 1u);
  EXPECT_EQ(hub.peers().at(0x5101).node_name, "e");
}

TEST_F(HubTest, DuplicatePushIsAcknowledgedAgainAndAppliedOnce) {
  auto units = edge_writes(2, edge_replica, edge_sink);
  EXPECT_EQ(must(hub.push(0x5101, Push{units})), 2u);
  EXPECT_EQ(must(hub.push(0x5101, Push{units})), 2u);
  EXPECT_EQ(must(hub.push(0x5101, Push{{units[1]}})), 2u);
  EXPECT_EQ(hub_journal.size(), 2u);
  EXPECT_EQ(log.head(), 2u);
  std::string scratch;
  EXPECT_EQ(hub_replica.peek(0, "n")->string_value(scratch), "3");
  EXPECT_EQ(hub.peers().at(0x5101).acked_seq, 2u);
}

TEST_F(HubTest, PushWithGapAppliesThePrefixAndRefusesTheRest) {
  auto units = edge_writes(4, edge_replica, edge_sink);
  auto result = hub.push(0x5101, Push{{units[0], units[2], units[3]}});
  EXPECT_EQ(error_of(result).rfind("REFUSED gap unit seq 3 follows seq 1", 0), 0u)
      << error_of(result);
  EXPECT_EQ(hub_replica.applied_seq(edge_replica.node()), 1u);
  EXPECT_EQ(log.head(), 1u);
  EXPECT_EQ(must(hub.push(0x5101, Push{{units[1], units[2]}})), 3u);
  EXPECT_EQ(must(hub.push(0x5101, Push{{units[3]}})), 4u);
  EXPECT_EQ(hub_journal.size(), 4u);
}

TEST_F(HubTest, PushOfAnotherReplicasUnitsIsRefusedWhole) {
  auto mine = edge_writes(1, edge_replica, edge_sink);
  auto theirs = edge_writes(1, other_replica, other_sink);
  auto result = hub.push(0x5101, Push{{mine[0], theirs[0]}});
  EXPECT_EQ(error_of(result).rfind("REFUSED foreign_unit", 0), 0u) << error_of(result);
  EXPECT_EQ(log.head(), 0u);
  EXPECT_EQ(hub_replica.applied_seq(edge_replica.node()), 0u);
}

TEST_F(HubTest, AUnitCarryingAnotherReplicasStampIsRefusedWhole) {
  auto units = edge_writes(2, edge_replica, edge_sink);
  units[1].effects[0].stamp.node = other_replica.node();  // forged: another edge's dot
  auto result = hub.push(0x5101, Push{units});
  EXPECT_EQ(error_of(result).rfind("REFUSED foreign_stamp unit seq 2 carries an effect stamped by "
                                   "replica 20738, not the pushing edge",
                                   0),
            0u)
      << error_of(result);
  EXPECT_EQ(log.head(), 0u);
  EXPECT_EQ(hub_replica.applied_seq(edge_replica.node()), 0u);
}

TEST(EdgeTokensTest, ParsesNamesAndHashesAndNamesTheBadLine) {
  const std::string hash = compact::sha256_hex("s3cret");
  auto parsed = EdgeTokens::parse("# edges of the north region\n\n  shop1 " + hash +
                                  "\r\nshop2\t" + compact::sha256_hex("other") + "  \n");
  const EdgeTokens& tokens = must(parsed);
  EXPECT_EQ(tokens.size(), 2u);
  EXPECT_TRUE(tokens.accepts("shop1", "s3cret"));
  EXPECT_FALSE(tokens.accepts("shop1", "other"));
  EXPECT_TRUE(tokens.accepts("shop2", "other"));
  EXPECT_FALSE(tokens.accepts("shop3", "s3cret"));
  EXPECT_FALSE(tokens.accepts("", ""));
  EXPECT_EQ(error_of(EdgeTokens::parse("shop1 " + hash + "\nshop2 abc\n")),
            "line 2: the token hash must be 64 hex digits (the sha256 of the token)");
  EXPECT_EQ(error_of(EdgeTokens::parse("shop1\n")),
            "line 1: the token hash must be 64 hex digits (the sha256 of the token)");
  EXPECT_EQ(error_of(EdgeTokens::parse("shop1 " + hash + " extra\n")),
            "line 1: expected <node-name> <token sha256>");
  EXPECT_EQ(error_of(EdgeTokens::parse("a " + hash + "\na " + hash)),
            "line 2: node 'a' is listed twice");
}

// With sync-tokens-file, a hello must carry a listed name and its token, and may not claim a
// replica id the hub knows under another name.
TEST_F(HubTest, TokensFileDecidesWhoMaySayHello) {
  const std::string path = ::testing::TempDir() + "eddy-tokens-" + std::to_string(getpid());
  {
    std::ofstream out(path);
    out << "e " << compact::sha256_hex("right") << "\nf " << compact::sha256_hex("f-token") << "\n";
  }
  Hub guarded{hub_replica, log, HubOptions{60000, path}};
  Hello hello = hello_of(edge_replica);
  EXPECT_EQ(error_of(guarded.hello(hello, clock.now_ms())),
            "REFUSED unauthorized node name or token not accepted");
  hello.auth_token = "wrong";
  EXPECT_EQ(error_of(guarded.hello(hello, clock.now_ms())),
            "REFUSED unauthorized node name or token not accepted");
  hello.auth_token = "right";
  EXPECT_EQ(must(guarded.hello(hello, clock.now_ms())).hub_replica_id, 0x5100u);
  // Edge f, with its own valid token, claims e's replica id.
  hello.node_name = "f";
  hello.auth_token = "f-token";
  EXPECT_EQ(error_of(guarded.hello(hello, clock.now_ms())),
            "REFUSED unauthorized replica id 20737 belongs to edge 'e'");
  std::remove(path.c_str());
  hello.node_name = "e";
  hello.auth_token = "right";
  EXPECT_EQ(error_of(guarded.hello(hello, clock.now_ms())),
            "REFUSED unauthorized the hub cannot read its tokens file");
}

TEST_F(HubTest, AReplicaThatLostAcknowledgedUnitsIsRefused) {
  auto units = edge_writes(2, edge_replica, edge_sink);
  EXPECT_EQ(must(hub.push(0x5101, Push{units})), 2u);
  Hello hello = hello_of(edge_replica);
  hello.last_seq = 1;  // restored from a backup taken after seq 1
  auto refused = hub.hello(hello, clock.now_ms());
  EXPECT_EQ(error_of(refused).rfind("REFUSED replica_reused the hub holds units up to seq 2", 0),
            0u)
      << error_of(refused);
  hello.last_seq = 2;
  EXPECT_EQ(must(hub.hello(hello, clock.now_ms())).acked_seq, 2u);
  hello.replica_id = 0x5100;  // the hub's own id
  EXPECT_EQ(error_of(hub.hello(hello, clock.now_ms())).rfind("REFUSED replica_reused", 0), 0u);
}

TEST_F(HubTest, ClockSkewAndUnknownProtocolAreRefused) {
  Hello hello = hello_of(edge_replica);
  hello.hlc = crdt::hlc_from_millis(clock.now_ms() + 61000);
  EXPECT_EQ(error_of(hub.hello(hello, clock.now_ms())).rfind("REFUSED clock_skew", 0), 0u);
  hello.hlc = crdt::hlc_from_millis(clock.now_ms() + 59000);
  EXPECT_TRUE(std::holds_alternative<HelloReply>(hub.hello(hello, clock.now_ms())));
  hello.proto_version = 2;
  EXPECT_EQ(error_of(hub.hello(hello, clock.now_ms())).rfind("REFUSED protocol", 0), 0u);
  // A pushed unit stamped beyond the skew is refused too.
  ManualClock ahead(kStartMs + 120000);
  Replica fast(ahead, ReplicaOptions{0x5103, kDatabases, false});
  Capture sink;
  fast.set_sink(&sink);
  auto units = edge_writes(1, fast, sink);
  EXPECT_EQ(error_of(hub.push(0x5103, Push{units})).rfind("REFUSED clock_skew", 0), 0u);
  EXPECT_EQ(log.head(), 0u);
}

TEST_F(HubTest, PullNeverEchoesOwnUnitsAndTheCursorPassesThem) {
  hub_write("x");                                       // position 1
  auto mine = edge_writes(2, edge_replica, edge_sink);  // positions 2, 3
  EXPECT_EQ(must(hub.push(0x5101, Push{mine})), 2u);
  hub_write("y");                                           // position 4
  auto theirs = edge_writes(1, other_replica, other_sink);  // position 5
  EXPECT_EQ(must(hub.push(0x5102, Push{theirs})), 1u);
  log.mark_durable(log.head());

  PullReply reply = must(hub.pull(0x5101, Pull{0, 1 << 20, 0}));
  EXPECT_EQ(reply.from, 0u);
  EXPECT_EQ(reply.to, 5u);
  ASSERT_EQ(reply.units.size(), 3u);
  for (const Unit& unit : reply.units) EXPECT_NE(unit.origin, edge_replica.node());
  // From inside the edge's own run: the cursor still moves past it.
  reply = must(hub.pull(0x5101, Pull{1, 1 << 20, 0}));
  EXPECT_EQ(reply.to, 5u);
  EXPECT_EQ(reply.units.size(), 2u);
  // Nothing but its own units left: no units, but the cursor reaches the head.
  reply = must(hub.pull(0x5102, Pull{4, 1 << 20, 0}));
  EXPECT_EQ(reply.to, 5u);
  EXPECT_TRUE(reply.units.empty());
  // Another edge gets everything.
  EXPECT_EQ(must(hub.pull(0x5102, Pull{0, 1 << 20, 0})).units.size(), 4u);

  // The edge applies what it pulled, then its cursor goes on from there.
  Edge edge(edge_replica);
  reply = must(hub.pull(0x5101, Pull{edge.cursor(), 1 << 20, 0}));
  auto ack = std::get<Ack>(edge.on_pull_reply(reply));
  EXPECT_EQ(ack.cursor, 5u);
  EXPECT_EQ(edge_replica.applied_seq(hub_replica.node()), 2u);
  EXPECT_EQ(edge_replica.applied_seq(other_replica.node()), 1u);
  hub.ack(0x5101, ack, clock.now_ms());
  EXPECT_EQ(hub.peers().at(0x5101).cursor, 5u);
}

TEST_F(HubTest, PullServesOnlyDurablePositionsAndAtLeastOneUnit) {
  hub_write("a");
  hub_write("b");
  hub_write("c");
  EXPECT_EQ(must(hub.pull(0x5101, Pull{0, 1 << 20, 0})).to, 0u);
  log.mark_durable(2);
  PullReply reply = must(hub.pull(0x5101, Pull{0, 1 << 20, 0}));
  EXPECT_EQ(reply.to, 2u);
  EXPECT_EQ(reply.units.size(), 2u);
  reply = must(hub.pull(0x5101, Pull{0, 1, 0}));  // smaller than any unit
  EXPECT_EQ(reply.to, 1u);
  EXPECT_EQ(reply.units.size(), 1u);
  EXPECT_EQ(must(hub.hello(hello_of(edge_replica), clock.now_ms())).head, 2u);
}

TEST_F(HubTest, TrimmedPositionsAskForAStateCatchUp) {
  for (int i = 0; i < 4; ++i) hub_write("k" + std::to_string(i));
  log.mark_durable(4);
  log.trim_before(3);
  EXPECT_EQ(log.horizon(), 3u);
  EXPECT_EQ(error_of(hub.pull(0x5101, Pull{0, 1 << 20, 0})).rfind("REFUSED horizon", 0), 0u);
  EXPECT_EQ(must(hub.pull(0x5101, Pull{2, 1 << 20, 0})).units.size(), 2u);
  EXPECT_EQ(must(hub.hello(hello_of(edge_replica, 0), clock.now_ms())).mode, CatchUp::kFullMerge);
  EXPECT_EQ(must(hub.hello(hello_of(edge_replica, 2), clock.now_ms())).mode, CatchUp::kIncremental);
  // A cursor past the hub's head: the hub lost positions.
  EXPECT_EQ(must(hub.hello(hello_of(edge_replica, 9), clock.now_ms())).mode, CatchUp::kFullMerge);
  Edge edge(edge_replica);
  EXPECT_TRUE(edge.on_hello_reply(HelloReply{1, 0, 4, 3, 0, 0, CatchUp::kFullMerge}));
}

// What the hub makes of an outbox batch: its units, decoded as EDGE.PUSH decodes its frame.
Push push_of(const OutboxBatch& batch) {
  auto units = crdt::decode_units(batch.payload);
  EXPECT_TRUE(units);
  return Push{units ? std::move(*units) : std::vector<Unit>{}};
}

TEST_F(HubTest, EdgeOutboxPushesInWindowsAndRestartsAfterTheAcknowledgedSeq) {
  EdgeOptions options{"e1", "", 60000};
  options.batch_units = 2;
  Edge edge(edge_replica, options);
  for (const Unit& unit : edge_writes(5, edge_replica, edge_sink)) edge.on_local_unit(unit);
  EXPECT_EQ(edge.pending_units(), 5u);
  EXPECT_EQ(edge.batches(), 3u);  // [1 2] [3 4] and the open [5]
  Hello hello = edge.hello(clock.now_ms());
  EXPECT_EQ(hello.last_seq, 5u);
  EXPECT_EQ(hello.node_name, "e1");
  HelloReply reply = must(hub.hello(hello, clock.now_ms()));
  EXPECT_FALSE(edge.on_hello_reply(reply));
  const OutboxBatch* first = edge.next_push();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->units, 2u);
  EXPECT_EQ(first->first_seq, 1u);
  const Push first_push = push_of(*first);
  ASSERT_EQ(first_push.units.size(), 2u);
  EXPECT_EQ(first_push.units[1].seq, 2u);
  const OutboxBatch* second = edge.next_push();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->first_seq, 3u);
  EXPECT_EQ(edge.pushed_through(), 4u);
  // The first push arrives, the second is lost; the connection drops.
  edge.on_push_acked(std::get<uint64_t>(hub.push(0x5101, first_push)));
  EXPECT_EQ(edge.acked_seq(), 2u);
  EXPECT_EQ(edge.pending_units(), 3u);
  EXPECT_FALSE(edge.on_hello_reply(must(hub.hello(edge.hello(clock.now_ms()), clock.now_ms()))));
  const OutboxBatch* again = edge.next_push();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->first_seq, 3u);
  EXPECT_EQ(again->last_seq, 4u);
  // A batch the hub took in part (after an ack it lost) is sent whole: it skips the duplicates.
  edge.on_push_acked(std::get<uint64_t>(hub.push(0x5101, push_of(*again))));
  EXPECT_EQ(edge.pending_units(), 1u);
  const OutboxBatch* rest = edge.next_push();
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->units, 1u);
  edge.on_push_acked(std::get<uint64_t>(hub.push(0x5101, push_of(*rest))));
  EXPECT_EQ(edge.pending_units(), 0u);
  EXPECT_EQ(edge.batches(), 0u);
  EXPECT_FALSE(edge.next_push());
  // A restart feeds the journal's own units again: the acknowledged ones are ignored.
  Edge restarted(edge_replica);
  restarted.set_acked_seq(3);
  for (uint64_t seq = 1; seq <= 5; ++seq)
    restarted.on_local_unit(Unit{seq, edge_replica.node(), {}});
  EXPECT_EQ(restarted.pending_units(), 2u);
}

TEST_F(HubTest, EdgeRefusesRepliesThatSkipPositionsOrSeqs) {
  Edge edge(edge_replica);
  auto theirs = edge_writes(3, other_replica, other_sink);
  auto gap = edge.on_pull_reply(PullReply{2, 3, {theirs[2]}});
  EXPECT_EQ(error_of(gap).rfind("pull reply starts after", 0), 0u) << error_of(gap);
  auto skip = edge.on_pull_reply(PullReply{0, 3, {theirs[0], theirs[2]}});
  EXPECT_NE(error_of(skip).find("delivery was not causal"), std::string::npos) << error_of(skip);
  EXPECT_EQ(edge.cursor(), 0u);
  EXPECT_EQ(edge_replica.applied_seq(other_replica.node()), 1u);
  // The same positions again, in full: the applied one is a duplicate.
  int journaled = 0;
  edge.on_applied = [&](const Unit&) { ++journaled; };
  EXPECT_EQ(std::get<Ack>(edge.on_pull_reply(PullReply{0, 3, theirs})).cursor, 3u);
  EXPECT_EQ(journaled, 2);
  // A stale reply changes nothing and never moves the cursor back.
  EXPECT_EQ(std::get<Ack>(edge.on_pull_reply(PullReply{0, 1, {theirs[0]}})).cursor, 3u);
  EXPECT_EQ(journaled, 2);
}

TEST(UnitLogTest, MemoryPerSetUnit) {
  ManualClock clock(kStartMs);
  Replica replica(clock, ReplicaOptions{0x5200, 1, false});
  Capture sink;
  replica.set_sink(&sink);
  UnitLog log;
  constexpr int kUnits = 100000;
  char key[16], value[24];
  for (int i = 0; i < kUnits; ++i) {
    std::snprintf(key, sizeof key, "key:%06d", i);         // 10 bytes
    std::snprintf(value, sizeof value, "value:%010d", i);  // 16 bytes
    clock.advance_ms(1);
    replica.write(op::SetString{0, key, value, ExpiryAction::kClear, 0, {}});
    log.append(sink.units.back());
    sink.units.clear();
  }
  log.mark_durable(log.head());
  const double per_unit = static_cast<double>(log.memory_bytes()) / kUnits;
  std::printf("UnitLog: %d SET units (10-byte key, 16-byte value): %.1f bytes per unit\n", kUnits,
              per_unit);
  EXPECT_LT(per_unit, 80.0);
  PullReply reply = log.read(kUnits - 3, 1 << 20, 0);
  ASSERT_EQ(reply.units.size(), 3u);
  EXPECT_EQ(reply.units.back().seq, static_cast<uint64_t>(kUnits));
  log.trim_before(kUnits / 2);
  EXPECT_LT(log.memory_bytes(), static_cast<size_t>(per_unit * kUnits * 0.6));
  EXPECT_EQ(log.read(kUnits / 2 - 1, UINT64_MAX, 0).units.size(),
            static_cast<size_t>(kUnits / 2 + 1));
}

// --- The simulator ------------------------------------------------------------------------------

// A node's disk: the units it journaled, in order; a prefix of them fsynced. A crash keeps the
// fsynced prefix only. An edge fsyncs its cursor with its journal.
struct Disk {
  std::vector<Unit> journal;
  size_t durable = 0;
  uint64_t cursor = 0;
};

// Requests carry an id so that a reply can be matched to the request still waiting for it;
// replies to older requests (delayed, duplicated, from an earlier connection) are still handed to
// the protocol code, which must take them in its stride.
struct PushRequest {
  uint64_t id = 0;
  Push push;
};
struct PushResult {
  uint64_t id = 0;
  std::variant<uint64_t, std::string> result;
};
struct PullRequest {
  uint64_t id = 0;
  Pull pull;
};
struct PullResult {
  uint64_t id = 0;
  std::variant<PullReply, std::string> result;
};
struct Refused {
  std::string text;
};
using Body =
    std::variant<Hello, HelloReply, Refused, PushRequest, PushResult, PullRequest, PullResult, Ack>;

struct Message {
  int edge = 0;  // the edge end of the link
  bool to_hub = false;
  uint64_t incarnation = 0;  // the edge process's: a dead process's connections are gone
  uint64_t epoch = 0;        // the edge's connection
  int64_t at = 0;
  uint64_t order = 0;
  Body body;
};

struct SimNode;

struct JournalSink : crdt::EffectSink {
  SimNode* node = nullptr;
  void append(const Unit& unit) override;
};

struct SimNode {
  enum class Conn { kDown, kHelloSent, kReady };

  bool is_hub = false;
  uint64_t replica_id = 0;
  std::string name;
  std::unique_ptr<ManualClock> clock;
  Disk disk;
  std::unique_ptr<Replica> replica;
  JournalSink sink;
  bool up = true;
  int64_t restart_at = 0;
  uint64_t incarnation = 0;
  int64_t next_fsync = 0;
  // The hub.
  std::unique_ptr<UnitLog> log;
  std::unique_ptr<Hub> hub;
  // An edge.
  std::unique_ptr<Edge> edge;
  Conn conn = Conn::kDown;
  uint64_t epoch = 0;
  int64_t retry_at = 0;
  int64_t hello_deadline = 0;
  std::map<uint64_t, int64_t> pushes;  // request id → deadline
  std::optional<std::pair<uint64_t, int64_t>> pull;
  int64_t next_pull_at = 0;
  uint64_t next_request = 1;
  int64_t link_down_until = 0;
};

void JournalSink::append(const Unit& unit) {
  node->disk.journal.push_back(unit);
  if (node->hub) node->hub->on_local_unit(unit);
}

struct SimStats {
  uint64_t seeds = 0, writes = 0, units = 0, crashes = 0, partitions = 0, dropped = 0,
           duplicated = 0, reconnects = 0, push_errors = 0, pull_errors = 0, pushed = 0, pulled = 0,
           trims = 0, lost_unsynced = 0, pull_refusals = 0;
  int64_t sim_ms = 0;
};

const std::vector<std::string> kChaosKeys = {"a", "b", "n", "l", "h"};

class Sim {
 public:
  Sim(uint64_t seed, SimStats& stats) : seed_(seed), rng_(seed), stats_(stats) {
    edges_ = 3 + static_cast<int>(rng_() % 3);
    flushall_ = rng_() % 4 == 0;
    drop_ = 1 + rng_() % 6;  // percent
    for (int i = 0; i <= edges_; ++i) {
      auto node = std::make_unique<SimNode>();
      node->is_hub = i == edges_;
      node->replica_id = 0x51000000ull + seed * 16 + static_cast<uint64_t>(i);
      node->name = node->is_hub ? "hub" : "edge-" + std::to_string(i);
      const int64_t skew = static_cast<int64_t>(rng_() % 4001) - 2000;
      node->clock = std::make_unique<ManualClock>(kStartMs + skew);
      node->sink.node = node.get();
      nodes_.push_back(std::move(node));
    }
    for (auto& node : nodes_) boot(*node);
  }

  void run() {
    constexpr int64_t kWriteMs = 2500, kQuiesceMs = 60000;
    while (now_ < kWriteMs) {
      tick(true);
      if (::testing::Test::HasFatalFailure()) return;
    }
    // Heal: no new faults; every node comes back; the network still drops and duplicates.
    while (!quiescent()) {
      ASSERT_LT(now_, kWriteMs + kQuiesceMs) << "not quiescent: " << describe();
      tick(false);
      if (::testing::Test::HasFatalFailure()) return;
    }
    stats_.sim_ms += now_;
    check_converged();
    if (::testing::Test::HasFatalFailure()) return;
    check_ledger();
  }

 private:
  SimNode& hub() { return *nodes_[static_cast<size_t>(edges_)]; }
  SimNode& node(int i) { return *nodes_[static_cast<size_t>(i)]; }
  bool chance(uint64_t percent) { return rng_() % 100 < percent; }
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }

  // A (re)start: a fresh replica under the same id replays the fsynced journal; the edge's outbox
  // and cursor, or the hub's log, are rebuilt from it.
  void boot(SimNode& n) {
    n.hub.reset();
    n.edge.reset();
    n.log.reset();
    n.replica.reset();
    stats_.lost_unsynced += n.disk.journal.size() - n.disk.durable;
    n.disk.journal.resize(n.disk.durable);
    n.replica =
        std::make_unique<Replica>(*n.clock, ReplicaOptions{n.replica_id, kDatabases, false});
    for (const Unit& unit : n.disk.journal)
      ASSERT_EQ(n.replica->replay(unit), Delivery::kApplied)
          << n.name << " replay seq " << unit.seq;
    if (n.is_hub) {
      n.log = std::make_unique<UnitLog>();
      for (const Unit& unit : n.disk.journal) n.log->append(unit);
      n.log->mark_durable(n.log->head());
      n.hub = std::make_unique<Hub>(*n.replica, *n.log);
      n.hub->on_applied = [&n](const Unit& unit) { n.disk.journal.push_back(unit); };
    } else {
      EdgeOptions options{n.name, "", 60000};
      options.batch_units = 1 + rng_() % 6;
      options.batch_bytes = 2048;
      n.edge = std::make_unique<Edge>(*n.replica, options);
      n.edge->set_cursor(n.disk.cursor);
      for (const Unit& unit : n.disk.journal)
        if (unit.origin == n.replica->node()) n.edge->on_local_unit(unit);
      n.edge->on_applied = [&n](const Unit& unit) { n.disk.journal.push_back(unit); };
      n.conn = SimNode::Conn::kDown;
      n.pushes.clear();
      n.pull.reset();
      n.retry_at = now_ + between(0, 50);
    }
    n.replica->set_sink(&n.sink);
    n.up = true;
    ++n.incarnation;
    n.next_fsync = now_ + between(5, 60);
  }

  // What an fsync makes durable: the journal so far; for an edge, its cursor, and its own new
  // units become pushable; for the hub, the log positions become servable.
  void fsync(SimNode& n) {
    const size_t from = n.disk.durable;
    n.disk.durable = n.disk.journal.size();
    if (n.is_hub) {
      ASSERT_EQ(n.log->head(), n.disk.journal.size());
      n.log->mark_durable(n.log->head());
      return;
    }
    n.disk.cursor = n.edge->cursor();
    for (size_t i = from; i < n.disk.durable; ++i)
      if (n.disk.journal[i].origin == n.replica->node()) n.edge->on_local_unit(n.disk.journal[i]);
  }

  void send(int edge, bool to_hub, uint64_t incarnation, uint64_t epoch, Body body) {
    if (node(edge).link_down_until > now_ || chance(drop_)) {
      ++stats_.dropped;
      return;
    }
    const int copies = chance(3) ? 2 : 1;
    stats_.duplicated += static_cast<uint64_t>(copies - 1);
    for (int c = 0; c < copies; ++c)
      net_.push_back(
          Message{edge, to_hub, incarnation, epoch, now_ + between(1, 30), order_++, body});
  }
  void send_to_hub(SimNode& e, int index, Body body) {
    send(index, true, e.incarnation, e.epoch, std::move(body));
  }

  void tick(bool faults) {
    now_ += 2;
    for (auto& n : nodes_) n->clock->advance_ms(2);
    deliver();
    for (int i = 0; i <= edges_; ++i) {
      SimNode& n = node(i);
      if (!n.up) {
        if (now_ >= n.restart_at || !faults) boot(n);
        continue;
      }
      if (faults && chance(1) && rng_() % (n.is_hub ? 25 : 15) == 0) {
        n.up = false;
        n.restart_at = now_ + between(20, 600);
        ++stats_.crashes;
        continue;
      }
      if (faults && !n.is_hub && rng_() % 800 == 0) {
        n.link_down_until = now_ + between(50, 1500);
        ++stats_.partitions;
      }
      if (!faults) n.link_down_until = 0;
      if (faults && rng_() % 25 == 0) random_write(n);
      if (now_ >= n.next_fsync) {
        fsync(n);
        n.next_fsync = now_ + between(5, 60);
      }
      if (!n.is_hub) run_edge(n, i);
    }
    if (faults && hub().up && now_ % 200 == 0 &&
        hub().hub->peers().size() == static_cast<size_t>(edges_)) {
      hub().log->trim_before(hub().hub->min_cursor() + 1);
      ++stats_.trims;
    }
  }

  void deliver() {
    std::vector<Message> due;
    std::vector<Message> later;
    for (Message& m : net_) (m.at <= now_ ? due : later).push_back(std::move(m));
    net_ = std::move(later);
    std::sort(due.begin(), due.end(), [](const Message& a, const Message& b) {
      return a.at != b.at ? a.at < b.at : a.order < b.order;
    });
    for (Message& m : due) {
      if (node(m.edge).link_down_until > now_) {
        ++stats_.dropped;
        continue;
      }
      if (m.to_hub) {
        if (hub().up) hub_receive(m);
      } else {
        SimNode& e = node(m.edge);
        if (e.up && e.incarnation == m.incarnation) edge_receive(e, m);
      }
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  void hub_receive(const Message& m) {
    SimNode& h = hub();
    const uint64_t edge_id = node(m.edge).replica_id;
    auto reply = [&](Body body) { send(m.edge, false, m.incarnation, m.epoch, std::move(body)); };
    h.replica->refresh_time();
    const int64_t now_ms = h.clock->now_ms();
    if (auto* hello = std::get_if<Hello>(&m.body)) {
      auto result = h.hub->hello(*hello, now_ms);
      if (auto* ok = std::get_if<HelloReply>(&result))
        reply(*ok);
      else
        reply(Refused{std::get<std::string>(result)});
    } else if (auto* push = std::get_if<PushRequest>(&m.body)) {
      auto result = h.hub->push(edge_id, push->push);
      fsync(h);  // acknowledged only once durable
      reply(PushResult{push->id, std::move(result)});
    } else if (auto* pull = std::get_if<PullRequest>(&m.body)) {
      reply(PullResult{pull->id, h.hub->pull(edge_id, pull->pull)});
    } else if (auto* ack = std::get_if<Ack>(&m.body)) {
      h.hub->ack(edge_id, *ack, now_ms);
    }
  }

  void disconnect(SimNode& e) {
    e.conn = SimNode::Conn::kDown;
    e.pushes.clear();
    e.pull.reset();
    e.retry_at = now_ + between(10, 200);
    ++stats_.reconnects;
  }

  void edge_receive(SimNode& e, const Message& m) {
    const bool current = m.epoch == e.epoch;
    if (auto* reply = std::get_if<HelloReply>(&m.body)) {
      if (!current || e.conn != SimNode::Conn::kHelloSent) return;
      auto error = e.edge->on_hello_reply(*reply);
      ASSERT_FALSE(error) << e.name << ": " << *error;
      e.conn = SimNode::Conn::kReady;
      e.next_pull_at = now_;
    } else if (auto* refused = std::get_if<Refused>(&m.body)) {
      // Once the connection is up, a refusal answers a duplicated hello that reached the hub
      // after this edge's newer pushes (TCP would not duplicate it): nothing to act on.
      if (!current || e.conn != SimNode::Conn::kHelloSent) return;
      FAIL() << "seed " << seed_ << " " << e.name << " refused: " << refused->text;
    } else if (auto* result = std::get_if<PushResult>(&m.body)) {
      if (current) e.pushes.erase(result->id);
      if (auto* acked = std::get_if<uint64_t>(&result->result)) {
        e.edge->on_push_acked(*acked);
      } else {
        // Pushes in flight reordered by the network: the hub refuses the one that arrives
        // before its predecessor; the connection starts again from the acknowledged seq.
        ++stats_.push_errors;
        if (current && e.conn != SimNode::Conn::kDown) disconnect(e);
      }
    } else if (auto* result = std::get_if<PullResult>(&m.body)) {
      const bool awaited = current && e.pull && e.pull->first == result->id;
      if (awaited) e.pull.reset();
      auto* reply = std::get_if<PullReply>(&result->result);
      // The hub trims its log before the smallest cursor edges acknowledged: a request sent
      // from an older cursor (a stale reply moved the cursor on meanwhile) may be refused. The
      // edge says hello again, and the hello's mode tells whether it really needs state.
      if (!reply) {
        ++stats_.pull_refusals;
        if (awaited && e.conn != SimNode::Conn::kDown) disconnect(e);
        return;
      }
      auto applied = e.edge->on_pull_reply(*reply);
      // Replies come from one hub log in position order, and a stale one starts at or before
      // the cursor: an error here is a protocol bug.
      if (auto* error = std::get_if<std::string>(&applied)) {
        ++stats_.pull_errors;
        FAIL() << "seed " << seed_ << " " << e.name << ": " << *error;
      }
      stats_.pulled += reply->units.size();
      fsync(e);  // the ack goes out only once what was pulled is durable
      if (e.conn == SimNode::Conn::kReady) send_to_hub(e, index_of(e), std::get<Ack>(applied));
      if (current) e.next_pull_at = reply->units.empty() ? now_ + 10 : now_;
    }
  }

  int index_of(const SimNode& e) const {
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].get() == &e) return static_cast<int>(i);
    return -1;
  }

  // An edge's sync client: hello, then pushes (a window of 3 in flight) and a pull at a time,
  // with timeouts; any timeout or refused request drops the connection and a new one says hello.
  void run_edge(SimNode& e, int index) {
    constexpr int64_t kTimeoutMs = 250;
    switch (e.conn) {
      case SimNode::Conn::kDown:
        if (now_ < e.retry_at) return;
        ++e.epoch;
        e.conn = SimNode::Conn::kHelloSent;
        e.hello_deadline = now_ + kTimeoutMs;
        send_to_hub(e, index, e.edge->hello(e.clock->now_ms()));
        return;
      case SimNode::Conn::kHelloSent:
        if (now_ > e.hello_deadline) disconnect(e);
        return;
      case SimNode::Conn::kReady:
        break;
    }
    bool timed_out = e.pull && e.pull->second < now_;
    for (auto [id, deadline] : e.pushes) timed_out |= deadline < now_;
    if (timed_out) {
      disconnect(e);
      return;
    }
    while (e.pushes.size() < 3) {
      const OutboxBatch* batch = e.edge->next_push();
      if (!batch) break;
      stats_.pushed += batch->units;
      const uint64_t id = e.next_request++;
      e.pushes[id] = now_ + kTimeoutMs;
      send_to_hub(e, index, PushRequest{id, push_of(*batch)});
    }
    if (!e.pull && now_ >= e.next_pull_at) {
      const uint64_t id = e.next_request++;
      e.pull = {id, now_ + kTimeoutMs};
      send_to_hub(e, index, PullRequest{id, e.edge->next_pull(1 + rng_() % 1024)});
    }
  }

  bool quiescent() {
    SimNode& h = hub();
    if (!h.up || h.disk.durable != h.disk.journal.size()) return false;
    for (int i = 0; i < edges_; ++i) {
      SimNode& e = node(i);
      // Pulls keep polling: what matters is that nothing is left to move.
      if (!e.up || e.disk.durable != e.disk.journal.size()) return false;
      if (e.edge->pending_units() != 0 || e.edge->acked_seq() != e.replica->seq()) return false;
      if (e.edge->cursor() != h.log->durable()) return false;
    }
    return true;
  }

  std::string describe() {
    std::string out = "seed " + std::to_string(seed_) + " hub head " +
                      std::to_string(hub().log->head()) + " durable " +
                      std::to_string(hub().log->durable());
    for (int i = 0; i < edges_; ++i) {
      SimNode& e = node(i);
      out += "; " + e.name + " up " + std::to_string(e.up) + " conn " +
             std::to_string(static_cast<int>(e.conn)) + " cursor " +
             std::to_string(e.edge->cursor()) + " pending " +
             std::to_string(e.edge->pending_units()) + " acked " +
             std::to_string(e.edge->acked_seq()) + " seq " + std::to_string(e.replica->seq());
    }
    return out;
  }

  // --- Writes, built as the commands build them: against the writer's current state ---------

  void random_write(SimNode& n) {
    Replica& r = *n.replica;
    r.refresh_time();
    ++stats_.writes;
    if (rng_() % 10 == 0) {  // MULTI/EXEC: one unit of several effects
      r.begin_unit();
      write_one(r);
      write_one(r);
      r.commit_unit();
    } else {
      write_one(r);
    }
    if (rng_() % 20 == 0) r.active_expire_cycle(1000);
    if (rng_() % 4 == 0) r.find(0, kChaosKeys[rng_() % kChaosKeys.size()]);  // a read: lazy expiry
  }

  std::string value() { return std::string(1 + rng_() % 3, static_cast<char>('a' + rng_() % 26)); }

  // The ledger: database 1, never removed wholesale. Counters only ever incremented, and a list
  // of unique values pushed and popped.
  void write_ledger(Replica& r) {
    const unsigned pick = rng_() % 10;
    if (pick < 4) {
      r.write(op::CounterAdd{1,
                             "c" + std::to_string(rng_() % 2),
                             Decimal::from_int(static_cast<int64_t>(rng_() % 16) - 5),
                             {},
                             {},
                             {}});
    } else if (pick < 8) {
      std::vector<std::string> values(1 + rng_() % 2);
      for (auto& v : values) v = "v" + std::to_string(unique_++);
      r.write(op::ListPush{1, "q", rng_() % 2 ? ListSide::kHead : ListSide::kTail, values, {}});
    } else {
      const KeyState* s = r.find_for_write(1, "q");
      if (!s || !s->list()) return;
      const crdt::ListState* list = s->list();
      r.write(op::ListRemove{1, "q", {list->id(rng_() % 2 ? 0 : list->size() - 1)}, {}});
    }
  }

  void write_one(Replica& r) {
    if (rng_() % 3 == 0) return write_ledger(r);
    const int64_t now = r.now_ms();
    const std::string key = kChaosKeys[rng_() % kChaosKeys.size()];
    const KeyState* s = r.find_for_write(0, key);
    const auto type = s ? s->type() : crdt::KeyType::kNone;
    const unsigned pick = rng_() % 20;
    if (pick < 3) {  // SET, SET EX, SET KEEPTTL: any type
      op::SetString set{0, key, value(), ExpiryAction::kClear, 0, {}};
      if (rng_() % 4 == 0) {
        set.expiry = ExpiryAction::kSet;
        set.expire_at_ms = now + between(20, 400);
      } else if (rng_() % 4 == 0) {
        set.expiry = ExpiryAction::kKeep;
      }
      return r.write(std::move(set));
    }
    if (pick < 5) {  // EXPIRE, PERSIST: only on a key that exists
      if (!s) return;
      if (rng_() % 4 == 0) return r.write(op::SetExpiry{0, key, op::SetExpiry::kPersist, {}});
      return r.write(op::SetExpiry{0, key, now + between(10, 500), {}});
    }
    if (pick == 5) {  // DEL
      if (s) r.write(op::RemoveKey{0, key, {}});
      return;
    }
    if (pick == 6 && rng_() % 8 == 0) return r.write(op::Flush{flushall_ ? -1 : 0, {}, {}});
    if (key == "l") {
      if (type != crdt::KeyType::kList && type != crdt::KeyType::kNone) return;  // WRONGTYPE
      const crdt::ListState* list = s ? s->list() : nullptr;
      if (!list || pick < 12) {
        std::vector<std::string> values(1 + rng_() % 3);
        for (auto& v : values) v = value();
        return r.write(
            op::ListPush{0, key, rng_() % 2 ? ListSide::kHead : ListSide::kTail, values, {}});
      }
      const size_t at = rng_() % list->size();
      if (pick < 14)
        return r.write(op::ListInsert{0,
                                      key,
                                      list->path(at),
                                      rng_() % 2 ? ListSide::kBefore : ListSide::kAfter,
                                      value(),
                                      {}});
      if (pick < 16) return r.write(op::ListSet{0, key, list->id(at), value(), {}});
      return r.write(op::ListRemove{0, key, {list->id(rng_() % 2 ? 0 : list->size() - 1)}, {}});
    }
    if (key == "h") {
      if (type != crdt::KeyType::kHash && type != crdt::KeyType::kNone) return;
      const std::string field = "f" + std::to_string(rng_() % 4);
      if (pick < 13) {
        op::HashSet set{0, key, {{field, value(), {}, {}}}, {}};
        if (rng_() % 3 == 0) set.fields.push_back({"g", value(), {}, {}});
        return r.write(std::move(set));
      }
      if (pick < 16)
        return r.write(op::FieldAdd{0,
                                    key,
                                    "n" + std::to_string(rng_() % 2),
                                    Decimal::from_int(static_cast<int64_t>(rng_() % 9) - 2),
                                    {},
                                    {},
                                    {},
                                    {}});
      if (!s) return;
      return r.write(op::HashRemove{0, key, {{field, {}}}, {}});
    }
    if (key == "n") {  // INCRBY, INCRBYFLOAT
      if (type != crdt::KeyType::kString && type != crdt::KeyType::kNone) return;
      Decimal delta = rng_() % 5 == 0 ? *Decimal::parse("0.5")
                                      : Decimal::from_int(static_cast<int64_t>(rng_() % 21) - 10);
      return r.write(op::CounterAdd{0, key, delta, {}, {}, {}});
    }
    r.write(op::SetString{0, key, value(), ExpiryAction::kClear, 0, {}});
  }

  // --- Checks -------------------------------------------------------------------------------

  static std::string reads(const KeyState* s) {
    if (!s) return "(none)";
    std::string out = "type " + std::to_string(static_cast<int>(s->type())), scratch;
    out += " str " + std::string(s->string_value(scratch));
    if (auto at = s->expire_at()) out += " @" + std::to_string(*at);
    if (const crdt::ListState* list = s->list())
      for (size_t i = 0; i < list->size(); ++i)
        out += " [" + std::string(list->value(i, scratch)) + "]";
    if (const crdt::HashState* hash = s->hash())
      hash->for_each([&](std::string_view name, const crdt::HashField& f) {
        out += " " + std::string(name) + "=" + std::string(f.cell.value(scratch));
      });
    return out;
  }

  // Every replica applied every unit, and holds the same state for every key (visible or
  // ghost), entry for entry, and answers the same reads.
  void check_converged() {
    for (int i = 0; i <= edges_; ++i)
      for (int j = 0; j <= edges_; ++j)
        ASSERT_EQ(node(i).replica->applied_seq(node(j).replica->node()), node(j).replica->seq())
            << "seed " << seed_ << ": " << node(i).name << " lacks units of " << node(j).name;
    for (int db = 0; db < kDatabases; ++db) {
      std::set<std::string> keys;
      for (auto& n : nodes_) {
        n->replica->table(db).for_each(
            [&](std::string_view k, const KeyState&) { keys.emplace(k); });
        n->replica->ghosts(db).for_each(
            [&](std::string_view k, const KeyState&) { keys.emplace(k); });
      }
      for (const std::string& key : keys) {
        const Replica& first = *hub().replica;
        const KeyState* a = first.peek_any(db, key);
        for (int i = 0; i < edges_; ++i) {
          const KeyState* b = node(i).replica->peek_any(db, key);
          ASSERT_EQ(a == nullptr, b == nullptr)
              << "seed " << seed_ << " db " << db << " key " << key << " on hub vs " << node(i).name
              << ": " << (a ? a->debug_string() : "(none)") << " vs "
              << (b ? b->debug_string() : "(none)");
          if (!a) continue;
          ASSERT_TRUE(*a == *b) << "seed " << seed_ << " db " << db << " key " << key << " hub vs "
                                << node(i).name << ": " << a->debug_string() << " vs "
                                << b->debug_string();
          ASSERT_EQ(a->debug_string(), b->debug_string());
          ASSERT_EQ(reads(first.peek(db, key)), reads(node(i).replica->peek(db, key)))
              << "seed " << seed_ << " key " << key;
        }
      }
    }
  }

  // No acknowledged write lost or applied twice. A write is acknowledged once fsynced where it
  // was made (appendfsync always); a crash may take back only what was not. The ledger counters
  // hold the sum of every such increment; the ledger list holds every such pushed element
  // exactly once unless a durable pop removed it.
  void check_ledger() {
    if (flushall_) return;  // FLUSHALL removes the ledger too
    std::map<std::string, Decimal> sums;
    std::map<std::pair<uint64_t, NodeIndex>, std::string> pushed;
    std::set<std::pair<uint64_t, NodeIndex>> popped;
    for (auto& n : nodes_) {
      for (const Unit& unit : n->disk.journal) {
        if (unit.origin != n->replica->node()) continue;
        for (const crdt::Effect& effect : unit.effects) {
          if (auto* add = std::get_if<op::CounterAdd>(&effect.op); add && add->db == 1) {
            sums[add->key] = sums[add->key].add(add->delta).value();
          } else if (auto* push = std::get_if<op::ListPush>(&effect.op); push && push->db == 1) {
            const uint64_t count = push->values.size();
            for (uint64_t i = 0; i < count; ++i)
              pushed[{effect.stamp.hlc - (count - 1 - i), effect.stamp.node}] = push->values[i];
          } else if (auto* pop = std::get_if<op::ListRemove>(&effect.op); pop && pop->db == 1) {
            for (const Stamp& id : pop->ids) popped.insert({id.hlc, id.node});
          }
        }
      }
    }
    for (auto& n : nodes_) {
      for (const auto& [key, sum] : sums) {
        const KeyState* s = n->replica->peek(1, key);
        std::string scratch;
        ASSERT_EQ(s ? std::string(s->string_value(scratch)) : "0", sum.format())
            << "seed " << seed_ << " ledger counter " << key << " on " << n->name;
      }
      std::set<std::pair<uint64_t, NodeIndex>> seen;
      const KeyState* q = n->replica->peek(1, "q");
      const crdt::ListState* list = q ? q->list() : nullptr;
      std::string scratch;
      for (size_t i = 0; list && i < list->size(); ++i) {
        const Stamp id = list->id(i);
        const std::pair<uint64_t, NodeIndex> key{id.hlc, id.node};
        ASSERT_TRUE(seen.insert(key).second) << "seed " << seed_ << " element twice on " << n->name;
        ASSERT_TRUE(pushed.count(key)) << "seed " << seed_ << " element never acknowledged";
        ASSERT_FALSE(popped.count(key)) << "seed " << seed_ << " popped element back";
        ASSERT_EQ(list->value(i, scratch), pushed[key]);
      }
      size_t expected = 0;
      for (const auto& [key, v] : pushed) expected += popped.count(key) ? 0 : 1;
      ASSERT_EQ(seen.size(), expected) << "seed " << seed_ << " ledger list on " << n->name;
    }
  }

  uint64_t seed_;
  std::mt19937_64 rng_;
  SimStats& stats_;
  int edges_ = 3;
  bool flushall_ = false;
  uint64_t drop_ = 3;
  int64_t now_ = 0;
  uint64_t order_ = 0;
  uint64_t unique_ = 0;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<Message> net_;
};

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* env = std::getenv(name);
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

// Seeds per run: thousands in the plain build (about 160 seeds a second); the sanitized build runs
// some 40 times slower, so it checks fewer.
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kDefaultSeeds = 300;
#else
constexpr uint64_t kDefaultSeeds = 2000;
#endif

TEST(SyncSimTest, EdgesAndHubConvergeThroughFaults) {
  const char* replay = std::getenv("EDDY_SIM_SEED");
  const uint64_t base = replay ? std::strtoull(replay, nullptr, 10) : std::random_device{}();
  const uint64_t seeds = replay ? 1 : env_number("EDDY_SIM_SEEDS", kDefaultSeeds);
  std::printf("sync simulator: seeds %llu..%llu (replay one with EDDY_SIM_SEED)\n",
              static_cast<unsigned long long>(base),
              static_cast<unsigned long long>(base + seeds - 1));
  SimStats stats;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t round = 0; round < seeds; ++round) {
    const uint64_t seed = base + round;
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_SIM_SEED)");
    Sim sim(seed, stats);
    sim.run();
    ++stats.seeds;
    if (::testing::Test::HasFailure()) {
      std::printf("sync simulator: FAILED at seed %llu\n", static_cast<unsigned long long>(seed));
      break;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "sync simulator: %llu seeds in %.2f s (%.0f seeds/s), %.1f simulated s; writes %llu, "
      "units pushed %llu, pulled %llu; crashes %llu (unsynced units lost %llu), partitions %llu, "
      "messages dropped %llu, duplicated %llu; reconnects %llu, push errors %llu, pull errors "
      "%llu, stale pulls refused %llu, trims %llu\n",
      static_cast<unsigned long long>(stats.seeds), seconds, stats.seeds / seconds,
      stats.sim_ms / 1000.0, static_cast<unsigned long long>(stats.writes),
      static_cast<unsigned long long>(stats.pushed), static_cast<unsigned long long>(stats.pulled),
      static_cast<unsigned long long>(stats.crashes),
      static_cast<unsigned long long>(stats.lost_unsynced),
      static_cast<unsigned long long>(stats.partitions),
      static_cast<unsigned long long>(stats.dropped),
      static_cast<unsigned long long>(stats.duplicated),
      static_cast<unsigned long long>(stats.reconnects),
      static_cast<unsigned long long>(stats.push_errors),
      static_cast<unsigned long long>(stats.pull_errors),
      static_cast<unsigned long long>(stats.pull_refusals),
      static_cast<unsigned long long>(stats.trims));
}

}  // namespace
}  // namespace eddy::sync
