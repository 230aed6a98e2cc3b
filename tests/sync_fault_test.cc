// Edge/hub sync through a faulty network, with real processes: a hub and two edges, each edge
// reaching the hub through its own FaultProxy. Links are cut, delayed and made to duplicate
// requests; edges and the hub are killed with SIGKILL in the middle of a sync and restarted on
// their data. After EDGE.SYNC WAIT on every edge, every replica must hold the same data, give
// the same replies to reads, and count every write exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/fault_proxy.h"
#include "tests/process.h"

namespace eddy::testing {
namespace {

using Argv = std::vector<std::string>;
using namespace std::chrono_literals;

std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

std::string call(int port, const Argv& argv) {
  RawClient c(port);
  auto reply = c.command(argv);
  return reply ? *reply : "<no reply>";
}

// A RESP value, parsed just enough for the replies these tests read.
struct Value {
  char type = 0;
  std::string text;  // bulk or simple string, integer, error
  std::vector<Value> items;
};

Value parse(const std::string& r, size_t& pos) {
  Value v;
  v.type = r[pos];
  const size_t eol = r.find("\r\n", pos);
  const std::string line = r.substr(pos + 1, eol - pos - 1);
  pos = eol + 2;
  if (v.type == '$') {
    const long n = std::stol(line);
    if (n >= 0) {
      v.text = r.substr(pos, static_cast<size_t>(n));
      pos += static_cast<size_t>(n) + 2;
    }
  } else if (v.type == '*' || v.type == '%') {
    const long n = std::stol(line) * (v.type == '%' ? 2 : 1);
    for (long i = 0; i < n; ++i) v.items.push_back(parse(r, pos));
  } else {
    v.text = line;
  }
  return v;
}

Value parse(const std::string& reply) {
  size_t pos = 0;
  return parse(reply, pos);
}

// EDGE.STATUS as field → value.
std::map<std::string, std::string> edge_status(int port) {
  const Value v = parse(call(port, {"EDGE.STATUS"}));
  std::map<std::string, std::string> fields;
  for (size_t i = 0; i + 1 < v.items.size(); i += 2) fields[v.items[i].text] = v.items[i + 1].text;
  return fields;
}

uint64_t status_number(const std::map<std::string, std::string>& status, const std::string& f) {
  auto it = status.find(f);
  return it == status.end() || it->second.empty() ? 0 : std::stoull(it->second);
}

// The replies to `commands`, sent pipelined a thousand at a time ("<no reply>" for any that did
// not come within 30 s).
std::vector<std::string> pipelined(RawClient& c, const std::vector<Argv>& commands) {
  std::vector<std::string> replies;
  for (size_t start = 0; start < commands.size(); start += 1000) {
    const size_t end = std::min(commands.size(), start + 1000);
    std::string bytes;
    for (size_t i = start; i < end; ++i) bytes += encode_command(commands[i]);
    c.send(bytes);
    for (size_t i = start; i < end; ++i)
      replies.push_back(c.read_reply(30000).value_or("<no reply>"));
  }
  return replies;
}

// Sends `commands` pipelined and fails the test on any error reply.
void pipeline(int port, const std::vector<Argv>& commands) {
  RawClient c(port);
  ASSERT_TRUE(c.connected());
  const std::vector<std::string> replies = pipelined(c, commands);
  for (size_t i = 0; i < replies.size(); ++i)
    ASSERT_TRUE(replies[i][0] != '-' && replies[i][0] != '<')
        << commands[i][0] << " (command " << i << "): " << escape(replies[i]);
}

// Every key of db 0 → its type, the exact reply of the read for that type, and its absolute
// expiry, so that replicas compare key by key.
using Dump = std::map<std::string, std::string>;

Dump dump(int port) {
  RawClient c(port);
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    const Value v = parse(c.command({"SCAN", cursor, "COUNT", "1000"}).value_or("*0\r\n"));
    cursor = v.items.at(0).text;
    for (const Value& key : v.items.at(1).items) keys.push_back(key.text);
  } while (cursor != "0");
  std::vector<Argv> types;
  for (const std::string& key : keys) types.push_back({"TYPE", key});
  const std::vector<std::string> type = pipelined(c, types);
  std::vector<Argv> reads;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    if (type[i] == "+list\r\n")
      reads.push_back({"LRANGE", key, "0", "-1"});
    else if (type[i] == "+hash\r\n")
      reads.push_back({"HGETALL", key});
    else
      reads.push_back({"GET", key});  // a string, or an error to show in a difference
    reads.push_back({"PEXPIRETIME", key});
  }
  const std::vector<std::string> value = pipelined(c, reads);
  Dump out;
  for (size_t i = 0; i < keys.size(); ++i)
    out[keys[i]] = escape(type[i] + value[2 * i] + value[2 * i + 1]);
  return out;
}

// Checks that every replica holds what the first one holds, reporting the first differences.
void expect_same_data(const std::vector<std::pair<std::string, int>>& nodes) {
  std::vector<Dump> dumps;
  for (const auto& [name, port] : nodes) dumps.push_back(dump(port));
  for (size_t n = 1; n < nodes.size(); ++n) {
    int reported = 0;
    std::string diff;
    std::map<std::string, std::pair<std::string, std::string>> both;
    for (const auto& [key, v] : dumps[0]) both[key].first = v;
    for (const auto& [key, v] : dumps[n]) both[key].second = v;
    for (const auto& [key, v] : both) {
      if (v.first == v.second) continue;
      if (++reported > 10) break;
      diff += "  " + key + ":\n    " + nodes[0].first + ": " + v.first.substr(0, 300) + "\n    " +
              nodes[n].first + ": " + v.second.substr(0, 300) + "\n";
    }
    EXPECT_TRUE(diff.empty()) << nodes[0].first << " (" << dumps[0].size() << " keys) and "
                              << nodes[n].first << " (" << dumps[n].size() << " keys) differ:\n"
                              << diff;
  }
}

// The elements of a list, sorted, to compare with what was pushed: each exactly once.
std::vector<std::string> sorted_elements(int port, const std::string& key) {
  std::vector<std::string> out;
  for (const Value& v : parse(call(port, {"LRANGE", key, "0", "-1"})).items) out.push_back(v.text);
  std::sort(out.begin(), out.end());
  return out;
}

// A hub and two edges, `a` and `b`, each edge behind its own proxy to the hub.
struct Cluster {
  TempDir hub_dir, a_dir, b_dir;
  int hub_port = free_port();
  std::optional<Process> hub, a, b;
  FaultProxy to_hub_a{hub_port};
  FaultProxy to_hub_b{hub_port};

  Cluster() {
    start_hub();
    start_a();
    start_b();
  }
  ~Cluster() { print_logs_on_failure(); }
  void start_hub() {
    hub.emplace(Process::start_eddy_in(hub_dir.path(), {"--role", "hub"}, hub_port));
  }
  void start_a() { a.emplace(Process::start_eddy_in(a_dir.path(), edge_args("a", to_hub_a))); }
  void start_b() { b.emplace(Process::start_eddy_in(b_dir.path(), edge_args("b", to_hub_b))); }
  static Argv edge_args(const std::string& name, const FaultProxy& proxy) {
    return {"--role",      "edge", "--hub", "127.0.0.1:" + std::to_string(proxy.port()),
            "--node-name", name};
  }
  std::vector<std::pair<std::string, int>> nodes() const {
    return {{"hub", hub->port()}, {"a", a->port()}, {"b", b->port()}};
  }
  // Brings every replica up to date: a's writes reach the hub, b gets them and sends its own,
  // a gets b's. Each EDGE.SYNC WAIT must succeed.
  void sync_all(int wait_ms = 10000) {
    for (Process* edge : {&*a, &*b, &*a}) {
      sync(*edge, wait_ms);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  static void sync(const Process& edge, int wait_ms = 10000) {
    RawClient client(edge.port());
    client.send(encode_command({"EDGE.SYNC", "WAIT", std::to_string(wait_ms)}));
    ASSERT_EQ(client.read_reply(wait_ms + 5000).value_or("<no reply>"), "+OK\r\n")
        << "edge on port " << edge.port() << ": " << escape(call(edge.port(), {"EDGE.STATUS"}));
  }
  void print_logs_on_failure() const {
    if (!::testing::Test::HasFailure()) return;
    for (const auto& [name, p] : {std::pair{"hub", &hub}, {"a", &a}, {"b", &b}})
      if (*p) std::cerr << "---- " << name << " log:\n" << (*p)->log() << "\n";
  }
};

// The writes of the partition scenario and what every replica must show after it.
struct Ledger {
  std::chrono::steady_clock::time_point short_expiries_passed;
  int64_t counter = 0;
  int64_t hits = 0;
  std::map<std::string, std::vector<std::string>> pushed;  // node → its elements, in order
};

// Writes on all three nodes while `b` is cut off: strings, one counter and one list and one hash
// written by everyone, deletes of keys all have seen, expiries long and short, and a DEL at the
// hub concurrent with an RPUSH at the cut-off edge.
void write_during_partition(Cluster& c, Ledger& ledger) {
  std::map<std::string, std::unique_ptr<RawClient>> to;
  for (const auto& [name, port] : c.nodes()) to[name] = std::make_unique<RawClient>(port);
  auto run = [&](const std::string& node, const Argv& argv) {
    auto reply = to[node]->command(argv);
    EXPECT_TRUE(reply && (*reply)[0] != '-')
        << node << " " << argv[0] << ": " << (reply ? escape(*reply) : "<no reply>");
  };
  int amount = 1;
  for (int i = 0; i < 20; ++i) {
    for (const auto& [name, port] : c.nodes()) {
      run(name, {"INCRBY", "counter", std::to_string(amount)});
      ledger.counter += amount++;
      if (i < 10) {
        const std::string element = name + "-" + std::to_string(i);
        run(name, {"RPUSH", "list", element});
        ledger.pushed[name].push_back(element);
      }
    }
  }
  for (const auto& [name, port] : c.nodes()) {
    run(name, {"SET", "str:" + name, "value-of-" + name});
    run(name, {"SET", "shared", "from-" + name});
    run(name, {"HSET", "hash", "f-" + name, "v-" + name, "common", name});
    run(name, {"HINCRBY", "hash", "hits", "3"});
    ledger.hits += 3;
    run(name, {"DEL", "doomed:" + name});
    run(name, {"SET", "ttl:" + name, name});
    run(name, {"EXPIRE", "ttl:" + name, "1000"});
    run(name, {"SET", "short:" + name, name, "PX", "300"});
  }
  ledger.short_expiries_passed = std::chrono::steady_clock::now() + 350ms;
  run("hub", {"DEL", "contested"});
  run("b", {"RPUSH", "contested", "y-b"});
}

// After the partition: writes one at a time on the edges, each synced before the next, so that
// every write travels in a push of its own.
void trickle(Cluster& c, Ledger& ledger) {
  for (int i = 0; i < 8; ++i) {
    for (const Process* edge : {&*c.a, &*c.b}) {
      EXPECT_EQ(call(edge->port(), {"INCRBY", "counter", "1000"}).substr(0, 1), ":");
      ledger.counter += 1000;
      c.sync(*edge);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

void check_partition_outcome(Cluster& c, const Ledger& ledger) {
  // The short expiries set during the partition must have passed (usually they have by now).
  std::this_thread::sleep_until(ledger.short_expiries_passed);
  expect_same_data(c.nodes());
  std::vector<std::string> all;
  for (const auto& [node, elements] : ledger.pushed)
    all.insert(all.end(), elements.begin(), elements.end());
  std::sort(all.begin(), all.end());
  for (const auto& [name, port] : c.nodes()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(call(port, {"GET", "counter"}), bulk(std::to_string(ledger.counter)));
    EXPECT_EQ(sorted_elements(port, "list"), all);
    // Each node's own pushes keep their order in the merged list.
    std::vector<std::string> merged;
    for (const Value& v : parse(call(port, {"LRANGE", "list", "0", "-1"})).items)
      merged.push_back(v.text);
    for (const auto& [node, elements] : ledger.pushed) {
      std::vector<std::string> own;
      for (const std::string& e : merged)
        if (e.rfind(node + "-", 0) == 0) own.push_back(e);
      EXPECT_EQ(own, elements) << node << "'s pushes out of order";
    }
    EXPECT_EQ(call(port, {"HGET", "hash", "hits"}), bulk(std::to_string(ledger.hits)));
    EXPECT_EQ(call(port, {"LRANGE", "contested", "0", "-1"}), "*1\r\n$3\r\ny-b\r\n");
    for (const std::string node : {"hub", "a", "b"}) {
      EXPECT_EQ(call(port, {"GET", "str:" + node}), bulk("value-of-" + node));
      EXPECT_EQ(call(port, {"HGET", "hash", "f-" + node}), bulk("v-" + node));
      EXPECT_EQ(call(port, {"EXISTS", "doomed:" + node}), ":0\r\n");
      EXPECT_EQ(call(port, {"EXISTS", "short:" + node}), ":0\r\n");
      const std::string ttl = call(port, {"TTL", "ttl:" + node});
      EXPECT_TRUE(ttl.size() > 3 && ttl[0] == ':' && ttl[1] != '-') << node << ": " << escape(ttl);
    }
    const std::string shared = call(port, {"GET", "shared"});
    EXPECT_TRUE(shared == bulk("from-hub") || shared == bulk("from-a") || shared == bulk("from-b"))
        << escape(shared);
  }
}

// Keys that exist everywhere before the partition, for the deletes and the concurrent DEL.
void write_before_partition(Cluster& c) {
  for (const auto& [name, port] : c.nodes())
    EXPECT_EQ(call(port, {"SET", "doomed:" + name, "x"}), "+OK\r\n");
  EXPECT_EQ(call(c.hub->port(), {"RPUSH", "contested", "base"}), ":1\r\n");
  ASSERT_NO_FATAL_FAILURE(c.sync_all());
  EXPECT_EQ(call(c.b->port(), {"LRANGE", "contested", "0", "-1"}), "*1\r\n$4\r\nbase\r\n");
}

void partition_and_heal(Cluster& c) {
  ASSERT_NO_FATAL_FAILURE(write_before_partition(c));
  c.to_hub_b.cut();
  Ledger ledger;
  write_during_partition(c, ledger);
  EXPECT_EQ(edge_status(c.b->port())["link"], "down");
  c.to_hub_b.heal();
  ASSERT_NO_FATAL_FAILURE(trickle(c, ledger));
  ASSERT_NO_FATAL_FAILURE(c.sync_all());
  check_partition_outcome(c, ledger);
}

TEST(SyncFaultTest, WritesEverywhereDuringAPartitionConverge) {
  Cluster c;
  partition_and_heal(c);
}

TEST(SyncFaultTest, DelayedAndDuplicatedRequestsChangeNothing) {
  Cluster c;
  for (FaultProxy* p : {&c.to_hub_a, &c.to_hub_b}) {
    p->delay(15ms);
    p->duplicate(2);
    p->replay(2);
  }
  partition_and_heal(c);
  for (FaultProxy* p : {&c.to_hub_a, &c.to_hub_b}) {
    // The faults did happen: pushes were sent twice, and replayed late.
    FaultProxy::Stats s = p->stats();
    EXPECT_GT(s.duplicated_commands["EDGE.PUSH"], 0u) << s.duplicated << " duplicated";
    EXPECT_GT(s.replayed_commands["EDGE.PUSH"], 0u) << s.replayed << " replayed";
  }
}

// A backlog of `n` writes on one node: INCR of a counter, RPUSH of distinct elements and SETs of
// a hundred keys. Returns the elements pushed; the counter grows by `n / 2`.
std::vector<std::string> backlog(int port, const std::string& node, int n, const std::string& p) {
  std::vector<Argv> commands;
  std::vector<std::string> elements;
  for (int i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      commands.push_back({"INCR", p + ":counter"});
    } else if (i % 4 == 1) {
      elements.push_back(node + "-" + std::to_string(i));
      commands.push_back({"RPUSH", p + ":list", elements.back()});
    } else {
      commands.push_back({"SET", p + ":s:" + std::to_string(i % 100), node + std::to_string(i)});
    }
  }
  pipeline(port, commands);
  return elements;
}

// Polls an edge until it has pushed part of its backlog (its acked seq moved past `acked_before`)
// and part is still to push; false if that moment did not come within 30 s.
bool wait_mid_push(int edge_port, uint64_t acked_before) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto s = edge_status(edge_port);
    if (status_number(s, "acked_seq") > acked_before && status_number(s, "pending_effects") > 0)
      return true;
    if (status_number(s, "pending_effects") == 0) return false;  // already done: missed it
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

TEST(SyncFaultTest, EdgeKilledWhilePushingABacklogResumesExactlyOnce) {
  Cluster c;
  ASSERT_NO_FATAL_FAILURE(c.sync_all());
  c.to_hub_a.cut();
  const int n = 50000;
  std::vector<std::string> elements = backlog(c.a->port(), "a", n, "big");
  int64_t counter = n / 2;
  for (const auto& [name, port] : {std::pair{"hub", c.hub->port()}, {"b", c.b->port()}}) {
    auto more = backlog(port, name, 200, "big");
    elements.insert(elements.end(), more.begin(), more.end());
    counter += 100;
  }
  ASSERT_FALSE(HasFatalFailure());
  const uint64_t acked_before = status_number(edge_status(c.a->port()), "acked_seq");
  // A slow link (about 1.4 MB to push at 1 MiB/s), so that the kill lands mid-push.
  c.to_hub_a.limit_rate(1 << 20);
  c.to_hub_a.heal();
  ASSERT_TRUE(wait_mid_push(c.a->port(), acked_before)) << call(c.a->port(), {"EDGE.STATUS"});
  c.a->kill();
  c.to_hub_a.limit_rate(0);
  auto more = backlog(c.b->port(), "b2", 200, "big");  // while the edge is down
  elements.insert(elements.end(), more.begin(), more.end());
  counter += 100;
  c.start_a();
  ASSERT_NO_FATAL_FAILURE(c.sync_all(30000));
  expect_same_data(c.nodes());
  std::sort(elements.begin(), elements.end());
  for (const auto& [name, port] : c.nodes()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(call(port, {"GET", "big:counter"}), bulk(std::to_string(counter)));
    EXPECT_EQ(sorted_elements(port, "big:list"), elements);
  }
}

TEST(SyncFaultTest, HubKilledDuringASyncRecoversExactlyOnce) {
  Cluster c;
  ASSERT_NO_FATAL_FAILURE(c.sync_all());
  c.to_hub_a.cut();
  c.to_hub_b.cut();
  const int n = 20000;
  std::vector<std::string> elements;
  int64_t counter = 0;
  for (const auto& [name, port] :
       {std::pair{"a", c.a->port()}, {"b", c.b->port()}, {"hub", c.hub->port()}}) {
    const int count = name == std::string("hub") ? 200 : n;
    auto pushed = backlog(port, name, count, "d");
    elements.insert(elements.end(), pushed.begin(), pushed.end());
    counter += count / 2;
  }
  ASSERT_FALSE(HasFatalFailure());
  const uint64_t acked_before = status_number(edge_status(c.a->port()), "acked_seq");
  // Slow links (about 0.5 MB to push from each edge at 512 KiB/s), so that the kill lands
  // mid-push.
  for (FaultProxy* p : {&c.to_hub_a, &c.to_hub_b}) {
    p->limit_rate(512 << 10);
    p->heal();
  }
  ASSERT_TRUE(wait_mid_push(c.a->port(), acked_before)) << call(c.a->port(), {"EDGE.STATUS"});
  c.hub->kill();
  for (FaultProxy* p : {&c.to_hub_a, &c.to_hub_b}) p->limit_rate(0);
  // The edges keep taking writes while the hub is down.
  for (const auto& [name, port] : {std::pair{"a2", c.a->port()}, {"b2", c.b->port()}}) {
    auto pushed = backlog(port, name, 100, "d");
    elements.insert(elements.end(), pushed.begin(), pushed.end());
    counter += 50;
  }
  c.start_hub();  // same directory, same port: the edges find it again by themselves
  ASSERT_NO_FATAL_FAILURE(c.sync_all(30000));
  expect_same_data(c.nodes());
  std::sort(elements.begin(), elements.end());
  for (const auto& [name, port] : c.nodes()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(call(port, {"GET", "d:counter"}), bulk(std::to_string(counter)));
    EXPECT_EQ(sorted_elements(port, "d:list"), elements);
  }
}

}  // namespace
}  // namespace eddy::testing
