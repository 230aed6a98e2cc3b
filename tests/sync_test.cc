// Edge/hub sync with real processes over loopback: a hub and two edges, writes on all three
// while links are up and while the hub is down, restarts; every replica ends with the same keys.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "compact/sha256.h"
#include "tests/process.h"

namespace eddy::testing {
namespace {

using Argv = std::vector<std::string>;

std::string call(int port, const Argv& argv) {
  RawClient c(port);
  auto reply = c.command(argv);
  return reply ? *reply : "<no reply>";
}

// Every key of db 0 with its type and value, in one string per replica (sorted by key), so that
// replicas compare as a whole.
std::string dump(int port) {
  RawClient c(port);
  std::map<std::string, std::string> keys;
  std::string cursor = "0";
  do {
    std::string reply = *c.command({"SCAN", cursor, "COUNT", "1000"});
    // *2\r\n$<n>\r\n<cursor>\r\n*<k>\r\n($<n>\r\n<key>\r\n)*
    size_t p = reply.find("\r\n", 4);  // end of the cursor's length line
    size_t end = reply.find("\r\n", p + 2);
    cursor = reply.substr(p + 2, end - p - 2);
    p = reply.find("\r\n", end + 2) + 2;  // past the array header
    while (p < reply.size()) {
      const size_t len_end = reply.find("\r\n", p);
      const size_t len = std::stoul(reply.substr(p + 1, len_end - p - 1));
      keys[reply.substr(len_end + 2, len)];
      p = len_end + 2 + len + 2;
    }
  } while (cursor != "0");
  std::string out;
  for (auto& [key, value] : keys) {
    const std::string type = *c.command({"TYPE", key});
    std::string v;
    if (type == "+string\r\n") v = *c.command({"GET", key});
    if (type == "+list\r\n") v = *c.command({"LRANGE", key, "0", "-1"});
    if (type == "+hash\r\n") v = *c.command({"HGETALL", key});
    out += key + " " + type + v + "\n";
  }
  return out;
}

// One field's value in a field/value reply (EDGE.STATUS, EDGE.QUEUE: RESP2 bulk strings).
std::string field(const std::string& reply, const std::string& name) {
  const std::string label = "$" + std::to_string(name.size()) + "\r\n" + name + "\r\n$";
  const size_t at = reply.find(label);
  if (at == std::string::npos) return "<no " + name + ">";
  const size_t len_at = at + label.size();
  const size_t len_end = reply.find("\r\n", len_at);
  return reply.substr(len_end + 2, std::stoul(reply.substr(len_at, len_end - len_at)));
}

int64_t info_number(int port, const std::string& name, const std::string& section = "stats") {
  const std::string info = call(port, {"INFO", section});
  const size_t at = info.find(name + ":");
  return at == std::string::npos ? -1 : std::stoll(info.substr(at + name.size() + 1));
}

// Waits until every replica shows the same keys (or 20 s pass); returns the last dumps.
std::vector<std::string> converge(const std::vector<int>& ports) {
  std::vector<std::string> dumps;
  for (int i = 0; i < 400; ++i) {
    dumps.clear();
    for (int port : ports) dumps.push_back(dump(port));
    bool same = true;
    for (const std::string& d : dumps) same = same && d == dumps[0];
    if (same) return dumps;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return dumps;
}

struct Cluster {
  TempDir hub_dir, a_dir, b_dir;
  int hub_port = free_port();
  std::optional<Process> hub, a, b;

  Argv edge_args(const std::string& name) const {
    return {"--hub", "127.0.0.1:" + std::to_string(hub_port), "--node-name", name};
  }
  void start_hub() {
    hub.emplace(Process::start_eddy_in(hub_dir.path(), {"--role", "hub"}, hub_port));
  }
  void start_a() { a.emplace(Process::start_eddy_in(a_dir.path(), edge_args("a"))); }
  void start_b() { b.emplace(Process::start_eddy_in(b_dir.path(), edge_args("b"))); }
  std::vector<int> ports() const { return {hub->port(), a->port(), b->port()}; }
};

TEST(SyncTest, HubAndTwoEdgesConverge) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  for (int port : c.ports()) {
    const std::string me = std::to_string(port);
    EXPECT_EQ(call(port, {"INCRBY", "visits", "5"}).substr(0, 1), ":");
    EXPECT_EQ(call(port, {"RPUSH", "log", "from-" + me}).substr(0, 1), ":");
    EXPECT_EQ(call(port, {"HSET", "seen", me, "yes"}), ":1\r\n");
    EXPECT_EQ(call(port, {"SET", "only-" + me, me}), "+OK\r\n");
  }
  auto dumps = converge(c.ports());
  EXPECT_EQ(dumps[0], dumps[1]);
  EXPECT_EQ(dumps[0], dumps[2]);
  for (int port : c.ports()) {
    EXPECT_EQ(call(port, {"GET", "visits"}), "$2\r\n15\r\n");
    EXPECT_EQ(call(port, {"LLEN", "log"}), ":3\r\n");
    EXPECT_EQ(call(port, {"HLEN", "seen"}), ":3\r\n");
    EXPECT_EQ(call(port, {"DBSIZE"}), ":6\r\n");
  }
}

// The edges keep taking writes while the hub is down (and one edge restarts meanwhile); once
// the hub is back, everything reaches everyone, counted exactly once.
TEST(SyncTest, WritesDuringAnOutageArriveOnceTheHubIsBack) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  EXPECT_EQ(call(c.a->port(), {"SET", "before", "1"}), "+OK\r\n");
  converge(c.ports());
  c.hub->stop();
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(call(c.a->port(), {"INCR", "n"}).substr(0, 1), ":");
    EXPECT_EQ(call(c.b->port(), {"INCR", "n"}).substr(0, 1), ":");
    EXPECT_EQ(call(c.b->port(), {"RPUSH", "offline", std::to_string(i)}).substr(0, 1), ":");
  }
  EXPECT_EQ(call(c.a->port(), {"DEL", "before"}), ":1\r\n");
  c.a->stop();
  c.start_a();  // restarted while the hub is still down: its outbox comes back from its journal
  c.start_hub();
  EXPECT_EQ(call(c.hub->port(), {"HSET", "hubside", "f", "v"}), ":1\r\n");
  auto dumps = converge(c.ports());
  EXPECT_EQ(dumps[0], dumps[1]);
  EXPECT_EQ(dumps[0], dumps[2]);
  for (int port : c.ports()) {
    EXPECT_EQ(call(port, {"GET", "n"}), "$3\r\n100\r\n");
    EXPECT_EQ(call(port, {"LLEN", "offline"}), ":50\r\n");
    EXPECT_EQ(call(port, {"EXISTS", "before"}), ":0\r\n");
    EXPECT_EQ(call(port, {"HGET", "hubside", "f"}), "$1\r\nv\r\n");
  }
}

// EDGE.SYNC WAIT returns once what this edge wrote is at the hub and it has pulled what the hub
// had; so a write on one edge, synced there, then a sync on the other, is visible on both.
TEST(SyncTest, SyncWaitMakesWritesVisibleAcrossEdges) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  EXPECT_EQ(call(c.a->port(), {"SET", "greeting", "hello"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.b->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.b->port(), {"GET", "greeting"}), "$5\r\nhello\r\n");
  const std::string status = call(c.a->port(), {"EDGE.STATUS"});
  EXPECT_NE(status.find("$4\r\nlink\r\n$2\r\nup\r\n"), std::string::npos) << status;
  EXPECT_NE(status.find("$15\r\npending_effects\r\n$1\r\n0\r\n"), std::string::npos) << status;
  EXPECT_EQ(call(c.hub->port(), {"EDGE.SYNC", "WAIT", "10"}),
            "-ERR this eddy is not an edge with a hub\r\n");
  // With the hub down, a wait ends in a timeout, and the write stays pending.
  c.hub->stop();
  EXPECT_EQ(call(c.a->port(), {"SET", "later", "1"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "300"}),
            "-TIMEOUT the edge has not caught up with its hub in time\r\n");
  EXPECT_NE(call(c.a->port(), {"EDGE.STATUS"}).find("$4\r\nlink\r\n$4\r\ndown\r\n"),
            std::string::npos);
}

// A killed edge loses nothing it acknowledged, and applies nothing twice after its restart.
TEST(SyncTest, KilledEdgeResumesExactlyOnce) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(call(c.a->port(), {"INCR", "a"}).substr(0, 1), ":");
    EXPECT_EQ(call(c.b->port(), {"INCR", "b"}).substr(0, 1), ":");
  }
  c.a->kill();
  c.start_a();
  auto dumps = converge(c.ports());
  EXPECT_EQ(dumps[0], dumps[1]);
  EXPECT_EQ(dumps[0], dumps[2]);
  for (int port : c.ports()) {
    EXPECT_EQ(call(port, {"GET", "a"}), "$3\r\n200\r\n");
    EXPECT_EQ(call(port, {"GET", "b"}), "$3\r\n200\r\n");
  }
}

// EDGE.PAUSE keeps the edge away from its hub (EDGE.SYNC included) while writes queue;
// EDGE.QUEUE shows them; EDGE.RESUME delivers them.
TEST(SyncTest, PausedEdgeQueuesWritesUntilResumed) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.PAUSE"}), "+OK\r\n");
  EXPECT_EQ(field(call(c.a->port(), {"EDGE.STATUS"}), "link"), "paused");
  const std::string info = call(c.a->port(), {"INFO", "sync"});
  EXPECT_NE(info.find("# Sync\r\nrole:edge\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("\r\nlink:paused\r\n"), std::string::npos) << info;
  EXPECT_EQ(call(c.a->port(), {"SET", "queued", "1"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"INCR", "queued-counter"}), ":1\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "300"}),
            "-TIMEOUT the edge has not caught up with its hub in time\r\n");
  const std::string queue = call(c.a->port(), {"EDGE.QUEUE"});
  EXPECT_EQ(field(queue, "pending_effects"), "2") << queue;
  EXPECT_EQ(field(queue, "queue_mode"), "effects");
  EXPECT_GE(std::stoll(field(queue, "oldest_pending_age_ms")), 250) << queue;
  EXPECT_NE(field(queue, "pending_bytes"), "0");
  EXPECT_EQ(call(c.hub->port(), {"EXISTS", "queued"}), ":0\r\n");

  EXPECT_EQ(call(c.a->port(), {"EDGE.RESUME"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.hub->port(), {"GET", "queued"}), "$1\r\n1\r\n");
  const std::string drained = call(c.a->port(), {"EDGE.QUEUE"});
  EXPECT_EQ(field(drained, "pending_effects"), "0");
  EXPECT_EQ(field(drained, "oldest_pending_age_ms"), "0");
  EXPECT_EQ(field(call(c.a->port(), {"EDGE.STATUS"}), "link"), "up");
  EXPECT_EQ(call(c.hub->port(), {"EDGE.PAUSE"}), "-ERR this eddy is not an edge with a hub\r\n");
  EXPECT_EQ(call(c.hub->port(), {"EDGE.QUEUE"}), "-ERR this eddy is not an edge with a hub\r\n");
}

// The hub lists its edges with what each has delivered and pulled.
TEST(SyncTest, HubPeersShowEveryEdge) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  EXPECT_EQ(call(c.a->port(), {"SET", "x", "1"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.b->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  const std::string peers = call(c.hub->port(), {"EDGE.PEERS"});
  EXPECT_EQ(peers.substr(0, 4), "*2\r\n") << peers;
  // Each edge's part of the reply starts at its node_name.
  const size_t a_at = peers.find("$1\r\na\r\n");
  const size_t b_at = peers.find("$1\r\nb\r\n");
  ASSERT_NE(a_at, std::string::npos) << peers;
  ASSERT_NE(b_at, std::string::npos) << peers;
  const std::string a_part = peers.substr(a_at, b_at > a_at ? b_at - a_at : std::string::npos);
  EXPECT_EQ(field(a_part, "connected"), "2");  // a push and a pull connection
  EXPECT_EQ(field(a_part, "acked_seq"), field(call(c.a->port(), {"EDGE.STATUS"}), "seq"));
  EXPECT_EQ(field(a_part, "replica_id"), field(call(c.a->port(), {"EDGE.STATUS"}), "replica_id"));
  EXPECT_EQ(field(a_part, "address").substr(0, 10), "127.0.0.1:");
  EXPECT_EQ(call(c.a->port(), {"EDGE.PEERS"}), "-ERR this eddy is not a hub (role hub)\r\n");
}

// Idle edges wait in long polls instead of asking the hub again and again, and a hub write
// still reaches them at once.
TEST(SyncTest, IdleEdgesLongPollTheHub) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.b->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  const int64_t before = info_number(c.hub->port(), "total_commands_processed");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const int64_t after = info_number(c.hub->port(), "total_commands_processed");
  // The second INFO counts itself; two edges polling every 20 ms would make it about 100.
  EXPECT_LE(after - before, 3) << before << " " << after;

  const auto written = std::chrono::steady_clock::now();
  EXPECT_EQ(call(c.hub->port(), {"SET", "news", "fresh"}), "+OK\r\n");
  while (call(c.a->port(), {"GET", "news"}) != "$5\r\nfresh\r\n" &&
         std::chrono::steady_clock::now() - written < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - written, std::chrono::seconds(2));
}

// A client blocked in BLPOP on one edge is served by a push made on another edge, which
// reaches it by sync.
TEST(SyncTest, BlockedPopIsServedByAnElementArrivingBySync) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  RawClient blocked(c.b->port());
  blocked.send(encode_command({"BLPOP", "jobs", "10"}));
  for (int i = 0; i < 1000 && info_number(c.b->port(), "blocked_clients", "clients") != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(call(c.a->port(), {"RPUSH", "jobs", "job-1"}), ":1\r\n");
  EXPECT_EQ(blocked.read_reply(10000), "*2\r\n$4\r\njobs\r\n$5\r\njob-1\r\n");
  // Popped on b: the pop reaches a and the hub too.
  EXPECT_EQ(call(c.b->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EXISTS", "jobs"}), ":0\r\n");
  EXPECT_EQ(call(c.hub->port(), {"EXISTS", "jobs"}), ":0\r\n");
}

// An edge that restarts resumes pulling where it was, instead of from the hub's first position.
TEST(SyncTest, RestartedEdgeKeepsItsHubCursor) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(call(c.b->port(), {"RPUSH", "l", std::to_string(i)}).substr(0, 1), ":");
  EXPECT_EQ(call(c.b->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  const std::string cursor = field(call(c.a->port(), {"EDGE.STATUS"}), "hub_cursor");
  EXPECT_NE(cursor, "0");
  c.a->stop();
  // Restarted towards a port where nothing listens: the cursor can only come from its disk.
  c.a.emplace(Process::start_eddy_in(
      c.a_dir.path(), {"--hub", "127.0.0.1:" + std::to_string(free_port()), "--node-name", "a"}));
  EXPECT_EQ(field(call(c.a->port(), {"EDGE.STATUS"}), "hub_cursor"), cursor);
  EXPECT_EQ(call(c.a->port(), {"LLEN", "l"}), ":20\r\n");
}

// sync-exclude: an edge's keys that match stay on it, and the hub's writes to such names are
// refused there, a FLUSHALL from the hub included; CONFIG SET changes the patterns at run time.
TEST(SyncTest, ExcludedKeysStayLocal) {
  Cluster c;
  c.start_hub();
  c.a.emplace(Process::start_eddy_in(
      c.a_dir.path(), {"--hub", "127.0.0.1:" + std::to_string(c.hub_port), "--node-name", "a",
                       "--sync-exclude", "local:* tmp:*"}));
  const int hub = c.hub->port(), a = c.a->port();
  EXPECT_EQ(call(a, {"CONFIG", "GET", "sync-exclude"}),
            "*2\r\n$12\r\nsync-exclude\r\n$13\r\nlocal:* tmp:*\r\n");
  EXPECT_EQ(call(a, {"SET", "local:a", "edge"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"INCR", "tmp:n"}), ":1\r\n");
  EXPECT_EQ(call(a, {"MSET", "local:b", "1", "shared:b", "2"}), "+OK\r\n");
  EXPECT_EQ(call(hub, {"SET", "local:z", "hub"}), "+OK\r\n");
  EXPECT_EQ(call(hub, {"SET", "shared:c", "3"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(hub, {"EXISTS", "local:a", "local:b", "tmp:n"}), ":0\r\n");
  EXPECT_EQ(call(hub, {"GET", "shared:b"}), "$1\r\n2\r\n");
  EXPECT_EQ(call(a, {"GET", "shared:c"}), "$1\r\n3\r\n");
  EXPECT_EQ(call(a, {"EXISTS", "local:z"}), ":0\r\n");
  EXPECT_NE(c.a->log().find("Refused 1 effect(s) from the hub"), std::string::npos);

  // The hub's FLUSHALL removes what it has seen, and nothing that never left the edge.
  EXPECT_EQ(call(hub, {"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"EXISTS", "shared:b", "shared:c"}), ":0\r\n");
  EXPECT_EQ(call(a, {"MGET", "local:a", "local:b", "tmp:n"}),
            "*3\r\n$4\r\nedge\r\n$1\r\n1\r\n$1\r\n1\r\n");

  // Without the pattern, the next writes to tmp: keys sync.
  EXPECT_EQ(call(a, {"CONFIG", "SET", "sync-exclude", "local:*"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"SET", "tmp:m", "now"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(hub, {"GET", "tmp:m"}), "$3\r\nnow\r\n");
  EXPECT_EQ(call(hub, {"EXISTS", "local:a"}), ":0\r\n");
}

// Two edges write the same string key and hash field while both are cut off: the later writes
// win everywhere, and EDGE.CONFLICTS shows what lost (the hub sees both conflicts when the second
// edge's writes arrive; each edge when the other's do).
TEST(SyncTest, ConflictsShowConcurrentWritesThatLost) {
  Cluster c;
  c.start_hub();
  c.start_a();
  c.start_b();
  const int hub = c.hub->port(), a = c.a->port(), b = c.b->port();
  for (int port : {a, b}) EXPECT_EQ(call(port, {"EDGE.PAUSE"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"SET", "k", "from-a"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"HSET", "h", "f", "a", "g", "only-a"}), ":2\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string long_value(100, 'b');
  EXPECT_EQ(call(b, {"SET", "k", long_value}), "+OK\r\n");
  EXPECT_EQ(call(b, {"HSET", "h", "f", "b"}), ":1\r\n");
  EXPECT_EQ(call(a, {"EDGE.RESUME"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(hub, {"EDGE.CONFLICTS"}), "*0\r\n");
  EXPECT_EQ(call(b, {"EDGE.RESUME"}), "+OK\r\n");
  EXPECT_EQ(call(b, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  for (int port : {hub, a, b}) {
    EXPECT_EQ(call(port, {"GET", "k"}), "$100\r\n" + long_value + "\r\n");
    // f's place is its latest entry's birth: b created f too (concurrently), after a.
    EXPECT_EQ(call(port, {"HGETALL", "h"}),
              "*4\r\n$1\r\ng\r\n$6\r\nonly-a\r\n$1\r\nf\r\n$1\r\nb\r\n");
    EXPECT_EQ(field(call(port, {"EDGE.STATUS"}), "conflicts"), "2") << port;
  }
  const std::string a_id = field(call(a, {"EDGE.STATUS"}), "replica_id");
  const std::string b_id = field(call(b, {"EDGE.STATUS"}), "replica_id");
  // Newest first: the hash field's conflict came after the string key's.
  const std::string newest = call(hub, {"EDGE.CONFLICTS", "COUNT", "1"});
  EXPECT_EQ(newest.substr(0, 9), "*1\r\n*20\r\n");
  EXPECT_EQ(field(newest, "key"), "h");
  EXPECT_EQ(field(newest, "field"), "f");
  EXPECT_EQ(field(newest, "winner_node"), b_id);
  EXPECT_EQ(field(newest, "winner_value"), "b");
  EXPECT_EQ(field(newest, "loser_node"), a_id);
  EXPECT_EQ(field(newest, "loser_value"), "a");
  const std::string both = call(hub, {"EDGE.CONFLICTS"});
  const std::string older = both.substr(both.find("*20\r\n", 8));
  EXPECT_EQ(field(older, "key"), "k");
  EXPECT_EQ(field(older, "field"), "");
  EXPECT_EQ(field(older, "winner_value"), std::string(64, 'b') + "... (36 more bytes)");
  EXPECT_EQ(field(older, "loser_value"), "from-a");
  EXPECT_LT(std::stoll(field(older, "loser_time_ms")), std::stoll(field(older, "winner_time_ms")));
  EXPECT_EQ(call(hub, {"EDGE.CONFLICTS", "COUNT", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(call(hub, {"EDGE.CONFLICTS", "LIMIT", "1"}), "-ERR syntax error\r\n");
  // A write that saw the conflict settles it: nothing new is recorded.
  EXPECT_EQ(call(a, {"SET", "k", "settled"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(b, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(b, {"GET", "k"}), "$7\r\nsettled\r\n");
  EXPECT_EQ(field(call(hub, {"EDGE.STATUS"}), "conflicts"), "2");
}

// A hub with sync-tokens-file takes units only from the edges it lists, with their tokens: an
// edge with a wrong token is refused at hello, says why in EDGE.STATUS, and nothing it wrote
// reaches the hub.
TEST(SyncTest, HubRefusesAnEdgeWithAWrongToken) {
  Cluster c;
  const std::string tokens = c.hub_dir.path() + "/edges.tokens";
  {
    std::ofstream out(tokens);
    out << "# node-name sha256(token)\n"
        << "a " << compact::sha256_hex("a-secret") << "\n"
        << "b " << compact::sha256_hex("b-secret") << "\n";
  }
  c.hub.emplace(
      Process::start_eddy_in(c.hub_dir.path(), {"--role", "hub", "--sync-tokens-file", tokens},
                             c.hub_port));
  Argv a_args = c.edge_args("a"), b_args = c.edge_args("b");
  a_args.insert(a_args.end(), {"--hub-token", "a-secret"});
  b_args.insert(b_args.end(), {"--hub-token", "a-secret"});  // a's token, not b's
  c.a.emplace(Process::start_eddy_in(c.a_dir.path(), a_args));
  c.b.emplace(Process::start_eddy_in(c.b_dir.path(), b_args));
  EXPECT_EQ(call(c.a->port(), {"SET", "from-a", "1"}), "+OK\r\n");
  EXPECT_EQ(call(c.b->port(), {"SET", "from-b", "1"}), "+OK\r\n");
  EXPECT_EQ(call(c.a->port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(c.b->port(), {"EDGE.SYNC", "WAIT", "300"}),
            "-TIMEOUT the edge has not caught up with its hub in time\r\n");
  EXPECT_EQ(field(call(c.b->port(), {"EDGE.STATUS"}), "last_error"),
            "the hub refused: REFUSED unauthorized node name or token not accepted");
  EXPECT_EQ(field(call(c.b->port(), {"EDGE.STATUS"}), "link"), "down");
  EXPECT_EQ(call(c.hub->port(), {"KEYS", "*"}), "*1\r\n$6\r\nfrom-a\r\n");
}

// sync-include: only the keys that match leave the edge.
TEST(SyncTest, OnlyIncludedKeysSync) {
  Cluster c;
  c.start_hub();
  c.a.emplace(Process::start_eddy_in(
      c.a_dir.path(), {"--hub", "127.0.0.1:" + std::to_string(c.hub_port), "--node-name", "a",
                       "--sync-include", "pos:*", "--sync-exclude", "pos:draft:*"}));
  const int hub = c.hub->port(), a = c.a->port();
  for (const char* key : {"pos:1", "pos:draft:2", "cache:3"})
    EXPECT_EQ(call(a, {"SET", key, "v"}), "+OK\r\n");
  EXPECT_EQ(call(a, {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(hub, {"KEYS", "*"}), "*1\r\n$5\r\npos:1\r\n");
}

}  // namespace
}  // namespace eddy::testing
