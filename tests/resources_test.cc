// Resource levels over real processes with a small max-disk (1 MiB): writes of 4 KB values,
// paced so that cron (hz 100) measures after each, take the data directory through the levels.
// Standalone: warning compacts the journal into a snapshot, critical refuses writes with -OOM,
// deletes make room again. An edge whose hub is down: nothing is compacted (every record is an
// effect the hub lacks), high logs the state mode that is not built, critical refuses writes,
// and once a hub comes up it receives every write and the edge compacts.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Fields = std::map<std::string, std::string>;

constexpr uint64_t kMaxDisk = 1 << 20;
constexpr size_t kValueBytes = 4000;
const std::string kDiskFull =
    "-OOM command not allowed when the data directory is at the critical level of 'max-disk'.\r\n";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A distinct value per key, random letters so that no encoding shrinks it.
std::string value_of(int i) {
  std::mt19937 rng(static_cast<unsigned>(i));
  std::string v(kValueBytes, 'a');
  for (char& ch : v) ch = static_cast<char>('a' + rng() % 26);
  return v;
}

std::string key_of(int i) { return "key:" + std::to_string(i); }

// A RESP2 array of bulk strings (EDGE.RESOURCES's pairs, INFO's text as one bulk).
std::vector<std::string> bulks(const std::string& reply) {
  std::vector<std::string> out;
  size_t pos = reply[0] == '*' ? reply.find("\r\n") + 2 : 0;
  while (pos < reply.size() && reply[pos] == '$') {
    const size_t eol = reply.find("\r\n", pos);
    const size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
    out.push_back(reply.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

Fields resources(RawClient& c) {
  const auto b = bulks(c.command({"EDGE.RESOURCES"}).value_or(""));
  Fields f;
  for (size_t i = 0; i + 1 < b.size(); i += 2) f[b[i]] = b[i + 1];
  return f;
}

// One INFO field ("aof_rewrites"), or "" when absent.
std::string info_field(RawClient& c, const std::string& section, const std::string& name) {
  const auto b = bulks(c.command({"INFO", section}).value_or(""));
  if (b.empty()) return "";
  const size_t at = b[0].find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 3;
  return b[0].substr(start, b[0].find("\r\n", start) - start);
}

// What max-disk counts, as the files are: the journal's segments and the snapshot.
uint64_t journal_bytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(dir + "/journal"))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}
uint64_t disk_bytes(const std::string& dir) {
  std::error_code ec;
  const auto snapshot = fs::file_size(dir + "/snapshot.eddy", ec);
  return journal_bytes(dir) + (ec ? 0 : snapshot);
}

// The level `used` reaches with every threshold lowered by `lower` points.
int level_at(uint64_t used, uint64_t lower) {
  int level = 0;
  for (uint64_t threshold : {70, 85, 95})
    if (used * 100 >= (threshold - lower) * kMaxDisk) ++level;
  return level;
}
const char* const kLevels[] = {"normal", "warning", "high", "critical"};

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// At rest, once cron measured: every field exact against the files and the configuration.
void expect_at_rest(RawClient& c, const std::string& dir, int connections = 1) {
  Fields f;
  ASSERT_TRUE(eventually([&] {
    f = resources(c);
    return f["disk_used"] == std::to_string(disk_bytes(dir));
  })) << f["disk_used"]
      << " vs " << disk_bytes(dir);
  // The level reached, or one above it that usage has not yet left (5 points of hysteresis).
  const uint64_t used = std::stoull(f["disk_used"]);
  EXPECT_EQ(f["disk_limit"], std::to_string(kMaxDisk));
  bool consistent = false;
  for (int level = level_at(used, 0); level <= level_at(used, 5); ++level)
    consistent |= f["disk_level"] == kLevels[level];
  EXPECT_TRUE(consistent) << f["disk_level"] << " at " << used;
  EXPECT_EQ(f["memory_limit"], "0");
  EXPECT_EQ(f["memory_level"], "normal");
  EXPECT_GT(std::stoull(f["memory_used"]), 0u);
  EXPECT_EQ(f["connections"], std::to_string(connections));
  EXPECT_EQ(f["maxclients"], "10000");
  EXPECT_EQ(f.size(), 10u);
}

// SETs key:from, key:from+1, ... one at a time, each after cron measured the one before,
// until one is refused; calls `seen` with EDGE.RESOURCES after each. Returns the next index.
int write_until_refused(RawClient& c, int from, std::string& refusal,
                        const std::function<void(const Fields&)>& seen) {
  for (int i = from; i < from + 1000; ++i) {
    const std::string reply = c.command({"SET", key_of(i), value_of(i)}).value_or("<none>");
    if (reply != "+OK\r\n") {
      refusal = reply;
      seen(resources(c));
      return i;
    }
    std::this_thread::sleep_for(15ms);
    seen(resources(c));
  }
  return from + 1000;
}

TEST(DiskCap, StandaloneLevelsCompactionRefusalAndRecovery) {
  TempDir dir;
  const int64_t started = now_ms();
  Process eddy = Process::start_eddy_in(dir.path(), {"--max-disk", "1mb", "--hz", "100"});
  RawClient c(eddy.port());
  expect_at_rest(c, dir.path());
  Fields f = resources(c);
  EXPECT_EQ(f["disk_level"], "normal");
  EXPECT_EQ(f["last_action"], "none");
  EXPECT_EQ(f["last_action_ms"], "0");

  // Warning: the journal is compacted into a snapshot.
  std::string refusal;
  std::map<std::string, std::string> first_action_at;  // level → last_action when first seen
  const int written = write_until_refused(c, 0, refusal, [&](const Fields& r) {
    first_action_at.emplace(r.at("disk_level"), r.at("last_action"));
  });
  EXPECT_EQ(first_action_at["warning"], "compact");
  EXPECT_TRUE(first_action_at.count("high"));
  EXPECT_EQ(first_action_at["critical"], "refuse-writes");
  EXPECT_GE(std::stoi(info_field(c, "persistence", "aof_rewrites")), 1);
  const std::string log = eddy.log();
  EXPECT_NE(log.find("Disk usage is at the warning level now (was normal)"), std::string::npos);
  EXPECT_NE(log.find("Disk usage is at the warning level: compacting the journal with a snapshot"),
            std::string::npos);
  EXPECT_NE(log.find("Background AOF rewrite terminated with success"), std::string::npos);
  EXPECT_NE(log.find("Disk usage is at the critical level now"), std::string::npos);

  // Critical: denyoom writes refused with -OOM, reads and deletes served.
  EXPECT_EQ(refusal, kDiskFull);
  EXPECT_EQ(c.command({"APPEND", key_of(0), "x"}).value_or(""), kDiskFull);
  EXPECT_EQ(c.command({"GET", key_of(1)}).value_or(""),
            "$" + std::to_string(kValueBytes) + "\r\n" + value_of(1) + "\r\n");
  EXPECT_EQ(c.command({"DBSIZE"}).value_or(""), ":" + std::to_string(written) + "\r\n");
  EXPECT_EQ(c.command({"MULTI"}).value_or(""), "+OK\r\n");
  EXPECT_EQ(c.command({"SET", "in-multi", "1"}).value_or(""), kDiskFull);
  EXPECT_EQ(c.command({"EXEC"}).value_or(""),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
  // Every key survived the compactions; the journal holds only what came after the last.
  EXPECT_LT(journal_bytes(dir.path()), kMaxDisk / 4);
  ASSERT_TRUE(
      eventually([&] { return info_field(c, "persistence", "aof_rewrite_in_progress") == "0"; }));
  expect_at_rest(c, dir.path());
  f = resources(c);
  EXPECT_EQ(f["disk_level"], "critical");
  EXPECT_EQ(f["last_action"], "refuse-writes");
  EXPECT_GE(std::stoll(f["last_action_ms"]), started);
  EXPECT_LE(std::stoll(f["last_action_ms"]), now_ms());

  // Deleting half the keys: the next compaction makes their room and writes are taken again.
  for (int i = 0; i < written / 2; ++i)
    ASSERT_EQ(c.command({"DEL", key_of(i)}).value_or(""), ":1\r\n");
  ASSERT_TRUE(eventually([&] { return resources(c)["disk_level"] == "normal"; }));
  expect_at_rest(c, dir.path());
  f = resources(c);
  EXPECT_EQ(f["disk_level"], "normal");
  EXPECT_EQ(f["last_action"], "accept-writes");
  EXPECT_EQ(c.command({"SET", "again", "1"}).value_or(""), "+OK\r\n");
  EXPECT_NE(eddy.log().find("Disk usage is below the critical level: accepting writes again"),
            std::string::npos);
  EXPECT_EQ(c.command({"DBSIZE"}).value_or(""),
            ":" + std::to_string(written - written / 2 + 1) + "\r\n");

  // CONFIG SET takes effect at the next cron: a smaller budget, then none.
  EXPECT_EQ(c.command({"CONFIG", "SET", "max-disk", "100kb"}).value_or(""), "+OK\r\n");
  EXPECT_TRUE(eventually([&] { return resources(c)["disk_level"] == "critical"; }));
  EXPECT_EQ(c.command({"SET", "k", "v"}).value_or(""), kDiskFull);
  EXPECT_EQ(c.command({"CONFIG", "SET", "max-disk", "0"}).value_or(""), "+OK\r\n");
  EXPECT_TRUE(eventually([&] {
    f = resources(c);
    return f["disk_limit"] == "0" && f["disk_level"] == "normal";
  }));
  EXPECT_EQ(c.command({"SET", "k", "v"}).value_or(""), "+OK\r\n");

  // The section of INFO (in the default set) with the same fields.
  const auto info = bulks(c.command({"INFO"}).value_or(""));
  ASSERT_FALSE(info.empty());
  EXPECT_NE(info[0].find("# Resources\r\nmemory_used:"), std::string::npos);
  EXPECT_NE(info[0].find("\r\ndisk_limit:0\r\ndisk_level:normal\r\n"), std::string::npos);
}

TEST(DiskCap, EdgeKeepsWhatTheHubLacksThenCompactsOnceItHasIt) {
  TempDir edge_dir, hub_dir;
  const int hub_port = free_port();
  Process edge = Process::start_eddy_in(
      edge_dir.path(), {"--hub", "127.0.0.1:" + std::to_string(hub_port), "--node-name", "e1",
                        "--max-disk", "1mb", "--hz", "100"});
  RawClient c(edge.port());
  expect_at_rest(c, edge_dir.path());

  std::string refusal;
  std::map<std::string, std::string> first_action_at;
  const int written = write_until_refused(c, 0, refusal, [&](const Fields& r) {
    first_action_at.emplace(r.at("disk_level"), r.at("last_action"));
  });
  EXPECT_EQ(refusal, kDiskFull);
  EXPECT_EQ(first_action_at["warning"], "none");  // nothing the hub holds, nothing to compact
  EXPECT_EQ(first_action_at["high"], "state-mode-not-built");
  EXPECT_EQ(first_action_at["critical"], "refuse-writes");
  EXPECT_EQ(info_field(c, "persistence", "aof_rewrites"), "0");
  // Every write is still in the journal: the edge's queue for its hub.
  EXPECT_GE(journal_bytes(edge_dir.path()), static_cast<uint64_t>(written) * kValueBytes);
  expect_at_rest(c, edge_dir.path());
  Fields f = resources(c);
  EXPECT_EQ(f["disk_level"], "critical");
  EXPECT_EQ(f["last_action"], "refuse-writes");
  const std::string log = edge.log();
  EXPECT_NE(log.find("Nothing to compact: the journal keeps the effects the hub has not "
                     "acknowledged"),
            std::string::npos);
  EXPECT_NE(log.find("Disk usage is high: switching the sync queue to state mode is not built "
                     "yet (issue 6), action not taken"),
            std::string::npos);

  // The hub comes up: it gets every write; once it acknowledged them the edge compacts.
  Process hub = Process::start_eddy_in(hub_dir.path(), {"--role", "hub"}, hub_port);
  EXPECT_EQ(c.command({"EDGE.SYNC", "WAIT", "30000"}).value_or(""), "+OK\r\n");
  RawClient h(hub.port());
  EXPECT_EQ(h.command({"DBSIZE"}).value_or(""), ":" + std::to_string(written) + "\r\n");
  for (int i = 0; i < written; ++i)
    ASSERT_EQ(h.command({"GET", key_of(i)}).value_or(""),
              "$" + std::to_string(kValueBytes) + "\r\n" + value_of(i) + "\r\n")
        << key_of(i);
  ASSERT_TRUE(eventually([&] {
    return info_field(c, "persistence", "aof_rewrites") != "0" &&
           info_field(c, "persistence", "aof_rewrite_in_progress") == "0";
  }));
  EXPECT_TRUE(eventually([&] { return journal_bytes(edge_dir.path()) < kMaxDisk / 4; }));

  // Deletes, once at the hub, make room: writes are taken again.
  for (int i = 0; i < written / 2; ++i)
    ASSERT_EQ(c.command({"DEL", key_of(i)}).value_or(""), ":1\r\n");
  EXPECT_EQ(c.command({"EDGE.SYNC", "WAIT", "30000"}).value_or(""), "+OK\r\n");
  ASSERT_TRUE(eventually([&] { return resources(c)["disk_level"] == "normal"; }));
  EXPECT_EQ(resources(c)["last_action"], "accept-writes");
  EXPECT_EQ(c.command({"SET", "again", "1"}).value_or(""), "+OK\r\n");
  EXPECT_NE(edge.log().find("Disk usage is below the critical level: accepting writes again"),
            std::string::npos);
  EXPECT_EQ(c.command({"EDGE.SYNC", "WAIT", "30000"}).value_or(""), "+OK\r\n");
  EXPECT_EQ(h.command({"DBSIZE"}).value_or(""),
            ":" + std::to_string(written - written / 2 + 1) + "\r\n");
}

}  // namespace
}  // namespace eddy::testing
