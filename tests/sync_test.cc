// Edge/hub sync with real processes over loopback: a hub and two edges, writes on all three
// while links are up and while the hub is down, restarts; every replica ends with the same keys.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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

}  // namespace
}  // namespace eddy::testing
