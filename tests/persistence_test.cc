// Durability over real processes: eddy is stopped (SHUTDOWN) or killed (SIGKILL) and started
// again on the same data directory, and what it answers afterwards is compared with what it
// acknowledged before. The crash tests kill at a random moment and print their seed;
// EDDY_CRASH_SEED replays one.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

using namespace std::string_literals;
using Argv = std::vector<std::string>;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// A client that parses RESP2 replies.

struct Reply {
  char type = 0;  // '+', '-', ':', '$', '*'; 0 when no reply came
  bool null = false;
  std::string str;
  long long integer = 0;
  std::vector<Reply> elements;
};

Reply parse(std::string_view bytes, size_t& pos) {
  Reply r;
  size_t eol = bytes.find("\r\n", pos);
  r.type = bytes[pos];
  std::string line(bytes.substr(pos + 1, eol - pos - 1));
  pos = eol + 2;
  switch (r.type) {
    case '+':
    case '-':
      r.str = line;
      break;
    case ':':
      r.integer = std::stoll(line);
      break;
    case '$': {
      long long n = std::stoll(line);
      if (n < 0) {
        r.null = true;
        break;
      }
      r.str = std::string(bytes.substr(pos, static_cast<size_t>(n)));
      pos += static_cast<size_t>(n) + 2;
      break;
    }
    case '*': {
      long long n = std::stoll(line);
      if (n < 0) r.null = true;
      for (long long i = 0; i < n; ++i) r.elements.push_back(parse(bytes, pos));
      break;
    }
  }
  return r;
}

// A reply as one line for comparisons: +OK, -ERR ..., :5, "bulk", (nil), [a, b].
std::string show(const Reply& r) {
  switch (r.type) {
    case '+':
      return "+" + r.str;
    case '-':
      return "-" + r.str;
    case ':':
      return ":" + std::to_string(r.integer);
    case '$':
      return r.null ? "(nil)" : "\"" + escape(r.str) + "\"";
    case '*': {
      if (r.null) return "(nil array)";
      std::string out = "[";
      for (size_t i = 0; i < r.elements.size(); ++i) out += (i ? ", " : "") + show(r.elements[i]);
      return out + "]";
    }
    default:
      return "(no reply)";
  }
}

class Client {
 public:
  explicit Client(int port) : raw_(port) {}
  Reply call(const Argv& argv) {
    auto bytes = raw_.command(argv);
    if (!bytes) {
      ADD_FAILURE() << "no reply to " << argv[0];
      return {};
    }
    size_t pos = 0;
    return parse(*bytes, pos);
  }
  std::string show(const Argv& argv) { return testing::show(call(argv)); }
  // A field of INFO persistence, as text ("" when missing).
  std::string info(const std::string& field) {
    const std::string text = "\r\n" + call({"INFO", "persistence"}).str;
    size_t at = text.find("\r\n" + field + ":");
    if (at == std::string::npos) return "";
    at += field.size() + 3;
    return text.substr(at, text.find("\r\n", at) - at);
  }
  long long info_int(const std::string& field) {
    std::string v = info(field);
    EXPECT_FALSE(v.empty()) << "INFO persistence has no " << field;
    return v.empty() ? -1 : std::stoll(v);
  }
  // Polls INFO until `field` reads `value`.
  bool wait_info(const std::string& field, const std::string& value, int timeout_ms = 10000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      if (info(field) == value) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  RawClient raw_;
};

// Commands and the replies they must get, shown as show() shows them.
using Steps = std::vector<std::pair<Argv, std::string>>;

// Sends each command and compares its reply.
void expect_replies(Client& c, const Steps& steps) {
  for (const auto& [argv, want] : steps) {
    std::string cmd;
    for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + escape(a.substr(0, 40));
    EXPECT_EQ(c.show(argv), want) << cmd;
  }
}

// SHUTDOWN closes the connection without a reply and the process exits 0.
void shutdown(Process& eddy, const Argv& argv = {"SHUTDOWN"}) {
  RawClient c(eddy.port());
  c.send(encode_command(argv));
  std::string out;
  EXPECT_TRUE(c.read_until_closed(out, 10000));
  EXPECT_EQ(escape(out), "");
  const int status = eddy.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

bool exited_with(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }

// ---------------------------------------------------------------------------------------------
// Files of the data directory.

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The journal's segment files, in seq order.
std::vector<std::string> segment_files(const std::string& dir) {
  std::vector<std::string> out;
  const std::string prefix = "journal.eddy.";
  for (const auto& entry : fs::directory_iterator(dir + "/journal")) {
    const std::string name = entry.path().filename().string();
    if (name.size() == prefix.size() + 20 && name.compare(0, prefix.size(), prefix) == 0)
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t total_size(const std::vector<std::string>& files) {
  uint64_t n = 0;
  for (const std::string& f : files) n += fs::file_size(f);
  return n;
}

// A journal record as the segment file frames it: [u32 length][u32 crc32c][payload] after a
// 32-byte segment header.
struct Frame {
  std::string file;
  size_t offset = 0;
  size_t bytes = 0;  // header included
};
constexpr size_t kSegmentHeader = 32;
constexpr size_t kRecordHeader = 8;

std::vector<Frame> frames(const std::vector<std::string>& files) {
  std::vector<Frame> out;
  for (const std::string& file : files) {
    const std::string bytes = read_file(file);
    size_t pos = kSegmentHeader;
    while (pos + kRecordHeader <= bytes.size()) {
      uint32_t length = 0;
      for (int i = 0; i < 4; ++i)
        length |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[pos + i])) << (8 * i);
      if (pos + kRecordHeader + length > bytes.size()) break;
      out.push_back({file, pos, kRecordHeader + length});
      pos += kRecordHeader + length;
    }
  }
  return out;
}

// The log line about a truncated journal tail, or "".
std::string truncation_line(const std::string& log) {
  size_t at = log.find("torn or corrupt tail was truncated");
  if (at == std::string::npos) return "";
  size_t start = log.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  return log.substr(start, log.find('\n', at) - start);
}

// ---------------------------------------------------------------------------------------------
// A full dump of every database: for each key its type, absolute expiry and value.

using Dump = std::map<std::string, std::string>;

std::string value_of(Client& c, const std::string& key, const std::string& type) {
  if (type == "string") return show(c.call({"GET", key}));
  if (type == "list") return show(c.call({"LRANGE", key, "0", "-1"}));
  if (type == "hash") {
    Reply all = c.call({"HGETALL", key});
    std::vector<std::string> pairs;
    for (size_t i = 0; i + 1 < all.elements.size(); i += 2)
      pairs.push_back(show(all.elements[i]) + "=" + show(all.elements[i + 1]));
    std::sort(pairs.begin(), pairs.end());
    std::string out = "{";
    for (const std::string& p : pairs) out += p + ", ";
    return out + "}";
  }
  return "unexpected type";
}

Dump dump(int port) {
  Client c(port);
  Dump out;
  for (int db = 0; db < 16; ++db) {
    const std::string prefix = "db" + std::to_string(db) + "/";
    EXPECT_EQ(c.show({"SELECT", std::to_string(db)}), "+OK");
    std::set<std::string> keys;
    std::string cursor = "0";
    do {
      Reply r = c.call({"SCAN", cursor, "COUNT", "200"});
      if (r.elements.size() != 2) {
        ADD_FAILURE() << "SCAN: " << show(r);
        break;
      }
      cursor = r.elements[0].str;
      for (const Reply& k : r.elements[1].elements) keys.insert(k.str);
    } while (cursor != "0");
    long long present = 0;
    for (const std::string& key : keys) {
      const std::string type = c.call({"TYPE", key}).str;
      if (type == "none") continue;  // SCAN may return a key that expired meanwhile
      ++present;
      out[prefix + escape(key)] =
          type + " expires " + show(c.call({"PEXPIRETIME", key})) + " " + value_of(c, key, type);
    }
    const long long dbsize = c.call({"DBSIZE"}).integer;
    EXPECT_EQ(dbsize, present) << "db " << db << ": DBSIZE against the keys SCAN finds";
    out[prefix + "DBSIZE"] = std::to_string(dbsize);
  }
  EXPECT_EQ(c.show({"SELECT", "0"}), "+OK");
  return out;
}

std::string clip(const std::string& s) { return s.size() > 300 ? s.substr(0, 300) + "..." : s; }

void expect_same(const Dump& before, const Dump& after) {
  int shown = 0;
  for (const auto& [key, value] : before) {
    auto it = after.find(key);
    if (it == after.end()) {
      ADD_FAILURE() << key << " is gone after the restart (was " << clip(value) << ")";
    } else if (it->second != value) {
      ADD_FAILURE() << key << " changed across the restart:\n  before " << clip(value)
                    << "\n  after  " << clip(it->second);
    } else {
      continue;
    }
    if (++shown == 10) return;
  }
  for (const auto& [key, value] : after)
    if (!before.count(key) && shown++ < 10) {
      ADD_FAILURE() << key << " appeared after the restart: " << clip(value);
    }
}

// ---------------------------------------------------------------------------------------------
// RestartKeepsEverything: every type, written by many commands, survives a restart.

std::string numbered(const std::string& prefix, int i) { return prefix + std::to_string(i); }

// Incompressible printable bytes, the same for a given seed.
std::string noise(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, ' ');
  for (char& c : out) c = static_cast<char>(33 + rng() % 90);
  return out;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Writes every type in databases 0, 3 (swapped to 4), 5, 6, 15; leaves `n` at 12.
void populate(Client& c) {
  const std::string in_3h = std::to_string(wall_ms() + 3 * 3600 * 1000);
  const std::string bkey = "bin\0key\r\n"s, bval = "\0\r\n\xff\x01 end"s;
  const std::string big = noise(300, 1);
  const Steps steps = {
      {{"SET", "str", "hello"}, "+OK"},
      {{"APPEND", "str", " world"}, ":11"},
      {{"SETRANGE", "str", "6", "WORLD"}, ":11"},
      {{"SETRANGE", "padded", "3", "x"}, ":4"},
      {{"APPEND", "app", "abc"}, ":3"},
      {{"SET", "ttl:ex", "a", "EX", "1000"}, "+OK"},
      {{"SET", "ttl:px", "b", "PX", "5000000"}, "+OK"},
      {{"SET", "gone", "c", "PX", "20"}, "+OK"},
      {{"SETEX", "sx", "700", "v"}, "+OK"},
      {{"MSET", "m1", "1", "m2", "2", "m3", "3", "m4", "4"}, "+OK"},
      {{"SET", "n", "10"}, "+OK"},
      {{"INCR", "n"}, ":11"},
      {{"INCRBY", "n", "5"}, ":16"},
      {{"DECR", "n"}, ":15"},
      {{"DECRBY", "n", "3"}, ":12"},
      {{"INCR", "fresh"}, ":1"},
      {{"INCRBYFLOAT", "f", "1.5"}, "\"1.5\""},
      {{"INCRBYFLOAT", "f", "2.25"}, "\"3.75\""},
      {{"EXPIRE", "m1", "1000"}, ":1"},
      {{"PEXPIREAT", "m2", in_3h}, ":1"},
      {{"EXPIRE", "m3", "500"}, ":1"},
      {{"PERSIST", "m3"}, ":1"},
      {{"GETDEL", "m4"}, "\"4\""},
      {{"DEL", "app", "nonexistent"}, ":1"},
      {{"RENAME", "str", "str2"}, "+OK"},
      {{"RENAME", "ttl:ex", "ttl:renamed"}, "+OK"},
      {{"GETSET", "gs", "new"}, "(nil)"},
      {{"LPUSH", "list", "c", "b", "a"}, ":3"},
      {{"RPUSH", "list", "d", "e", "f"}, ":6"},
      {{"LINSERT", "list", "BEFORE", "d", "x"}, ":7"},
      {{"LSET", "list", "0", "A"}, "+OK"},
      {{"LREM", "list", "1", "x"}, ":1"},
      {{"LPOP", "list"}, "\"A\""},
      {{"LTRIM", "list", "0", "3"}, "+OK"},
      {{"LMOVE", "list", "list2", "LEFT", "RIGHT"}, "\"b\""},
      {{"RPOP", "list"}, "\"e\""},
      {{"LRANGE", "list", "0", "-1"}, "[\"c\", \"d\"]"},
      {{"EXPIRE", "list2", "3000"}, ":1"},
      {{"RPUSH", "emptied", "x"}, ":1"},
      {{"LPOP", "emptied"}, "\"x\""},
      {{"RPUSH", "retyped", "x"}, ":1"},
      {{"SET", "retyped", "now a string"}, "+OK"},
      {{"HSET", "h", "f1", "v1", "f2", "v2", "f3", "v3"}, ":3"},
      {{"HDEL", "h", "f2"}, ":1"},
      {{"HINCRBY", "h", "cnt", "7"}, ":7"},
      {{"HINCRBY", "h", "cnt", "-2"}, ":5"},
      {{"HINCRBYFLOAT", "h", "fl", "0.5"}, "\"0.5\""},
      {{"HSET", "h", "f1", "v1b"}, ":0"},
      {{"HSETNX", "h", "f3", "no"}, ":0"},
      {{"EXPIRE", "h", "4000"}, ":1"},
      {{"SET", bkey, bval}, "+OK"},
      {{"RPUSH", "blist", "\0"s, "\r\n", "a\0b"s, bval}, ":4"},
      {{"HSET", "bhash", "\0f"s, "\r\nv", bkey, bval}, ":2"},
      {{"SET", "big", big}, "+OK"},
      {{"RPUSH", "biglist", std::string(64, 'a'), std::string(200, 'z'), big}, ":3"},
      {{"HSET", "bighash", "f", big, "g", std::string(100, 'q')}, ":2"},
  };
  expect_replies(c, steps);
  // A list of 10,000 elements and a hash of 1,000 fields (past hash-max-listpack-entries).
  for (int batch = 0; batch < 10; ++batch) {
    Argv push = {"RPUSH", "long"};
    for (int i = 0; i < 1000; ++i) push.push_back(numbered("e", batch * 1000 + i));
    EXPECT_EQ(c.show(push), ":" + std::to_string((batch + 1) * 1000));
  }
  Argv wide = {"HSET", "wide"};
  for (int i = 0; i < 1000; ++i) {
    wide.push_back(numbered("f", i));
    wide.push_back(numbered("v", i));
  }
  EXPECT_EQ(c.show(wide), ":1000");
  const Steps rest = {
      {{"LSET", "long", "5000", "middle"}, "+OK"},
      {{"HDEL", "wide", "f500"}, ":1"},
      {{"HINCRBY", "wide", "counter", "3"}, ":3"},
      {{"MULTI"}, "+OK"},
      {{"SET", "tx", "1"}, "+QUEUED"},
      {{"INCR", "tx"}, "+QUEUED"},
      {{"RPUSH", "txl", "a", "b"}, "+QUEUED"},
      {{"HSET", "txh", "f", "v"}, "+QUEUED"},
      {{"EXPIRE", "tx", "900"}, "+QUEUED"},
      {{"EXEC"}, "[+OK, :2, :2, :1, :1]"},
      {{"SELECT", "3"}, "+OK"},
      {{"SET", "db3key", "x"}, "+OK"},
      {{"RPUSH", "db3list", "1", "2", "3"}, ":3"},
      {{"HSET", "db3hash", "a", "1"}, ":1"},
      {{"SWAPDB", "3", "4"}, "+OK"},
      {{"DBSIZE"}, ":0"},
      {{"SET", "after-swap", "1"}, "+OK"},
      {{"SELECT", "5"}, "+OK"},
      {{"SET", "a", "1"}, "+OK"},
      {{"SET", "b", "2"}, "+OK"},
      {{"FLUSHDB"}, "+OK"},
      {{"SET", "c", "3"}, "+OK"},
      {{"SELECT", "6"}, "+OK"},
      {{"SET", "x", "1"}, "+OK"},
      {{"FLUSHDB"}, "+OK"},
      {{"SELECT", "15"}, "+OK"},
      {{"SET", "last", "db"}, "+OK"},
      {{"SELECT", "0"}, "+OK"},
  };
  expect_replies(c, rest);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(c.show({"GET", "gone"}), "(nil)");
}

// Writes after a snapshot, `round` 1 or 2; `n` counts the INCRs.
void more_writes(Client& c, int round, long long& n) {
  const std::string r = std::to_string(round);
  const Steps steps = {
      {{"SET", "after:" + r, "v" + r}, "+OK"},
      {{"INCR", "n"}, ":" + std::to_string(++n)},
      {{"RPUSH", "long", "tail" + r}, ":10001"},
      {{"LPOP", "long"}, "\"e" + std::to_string(round - 1) + "\""},
      {{"HSET", "wide", "g" + r, "x"}, ":1"},
      {{"HDEL", "wide", "f" + r}, ":1"},
      {{"EXPIRE", "str2", std::to_string(2000 + round)}, ":1"},
      {{"SET", "tmp" + r, "x"}, "+OK"},
      {{"DEL", "tmp" + r}, ":1"},
      {{"SELECT", "4"}, "+OK"},
      {{"RPUSH", "db3list", "r" + r}, ":" + std::to_string(3 + round)},
      {{"SELECT", "7"}, "+OK"},
      {{"SET", "swapme" + r, "v"}, "+OK"},
      {{"SWAPDB", "7", "8"}, "+OK"},
      {{"SELECT", "0"}, "+OK"},
  };
  expect_replies(c, steps);
}

enum class Snapshot { kNone, kSave, kBgsave, kRewrite, kShutdownSave };

class RestartTest : public ::testing::TestWithParam<Snapshot> {};

TEST_P(RestartTest, RestartKeepsEverything) {
  TempDir dir;
  Dump before;
  long long seq = 0, seq_at_snapshot = 0, n = 12;
  {
    Process eddy = Process::start_eddy_in(dir.path());
    Client c(eddy.port());
    populate(c);
    switch (GetParam()) {
      case Snapshot::kNone:
      case Snapshot::kShutdownSave:
        more_writes(c, 1, n);
        break;
      case Snapshot::kSave:
        EXPECT_EQ(c.show({"SAVE"}), "+OK");
        seq_at_snapshot = c.info_int("journal_seq");
        more_writes(c, 1, n);
        break;
      case Snapshot::kBgsave:
      case Snapshot::kRewrite: {
        const bool save = GetParam() == Snapshot::kBgsave;
        EXPECT_EQ(
            c.show({save ? "BGSAVE" : "BGREWRITEAOF"}),
            save ? "+Background saving started" : "+Background append only file rewriting started");
        seq_at_snapshot = c.info_int("journal_seq");
        more_writes(c, 1, n);  // while the child writes the snapshot
        const std::string field = save ? "rdb_bgsave_in_progress" : "aof_rewrite_in_progress";
        EXPECT_TRUE(c.wait_info(field, "0")) << field;
        EXPECT_EQ(c.info(save ? "rdb_last_bgsave_status" : "aof_last_bgrewrite_status"), "ok");
        EXPECT_TRUE(fs::exists(dir.path() + "/snapshot.eddy"));
        break;
      }
    }
    more_writes(c, 2, n);
    before = dump(eddy.port());
    const std::map<std::string, std::string> sizes = {{"db0", "29"}, {"db3", "1"}, {"db4", "3"},
                                                      {"db5", "1"},  {"db6", "0"}, {"db7", "1"},
                                                      {"db8", "1"},  {"db15", "1"}};
    for (const auto& [db, size] : sizes) EXPECT_EQ(before[db + "/DBSIZE"], size) << db;
    EXPECT_EQ(before["db0/list"], "list expires :-1 [\"c\", \"d\"]");
    EXPECT_EQ(before["db4/db3list"], "list expires :-1 [\"1\", \"2\", \"3\", \"r1\", \"r2\"]");
    seq = c.info_int("journal_seq");
    EXPECT_EQ(c.show({"GET", "n"}), "\"" + std::to_string(n) + "\"");
    if (GetParam() == Snapshot::kShutdownSave) {
      shutdown(eddy, {"SHUTDOWN", "SAVE"});
      seq_at_snapshot = seq;
    } else {
      shutdown(eddy);
    }
  }
  EXPECT_EQ(fs::exists(dir.path() + "/snapshot.eddy"), GetParam() != Snapshot::kNone);

  Process eddy = Process::start_eddy_in(dir.path());
  Client c(eddy.port());
  expect_same(before, dump(eddy.port()));
  EXPECT_EQ(c.info_int("journal_seq"), seq);
  EXPECT_EQ(c.info_int("journal_replayed_records"), seq - seq_at_snapshot);
  EXPECT_EQ(c.info_int("journal_dropped_bytes"), 0);
  EXPECT_EQ(c.info("loading"), "0");
  EXPECT_EQ(c.show({"EXISTS", "gone"}), ":0");
  EXPECT_EQ(c.show({"INCR", "n"}), ":" + std::to_string(n + 1));
  EXPECT_EQ(c.show({"RPUSH", "long", "more"}), ":10001");
  EXPECT_EQ(c.show({"HLEN", "wide"}), ":1000");
  EXPECT_EQ(c.info_int("journal_seq"), seq + 2);
  EXPECT_EQ(truncation_line(eddy.log()), "");
}

INSTANTIATE_TEST_SUITE_P(Persistence, RestartTest,
                         ::testing::Values(Snapshot::kNone, Snapshot::kSave, Snapshot::kBgsave,
                                           Snapshot::kRewrite, Snapshot::kShutdownSave),
                         [](const auto& info) {
                           switch (info.param) {
                             case Snapshot::kNone:
                               return "JournalOnly";
                             case Snapshot::kSave:
                               return "AfterSave";
                             case Snapshot::kBgsave:
                               return "AfterBgsave";
                             case Snapshot::kRewrite:
                               return "AfterBgrewriteaof";
                             default:
                               return "ShutdownSave";
                           }
                         });

// DEBUG RELOAD (which Redis's own tests use between steps): save, empty, load; nothing changes,
// and a restart afterwards still finds everything.
TEST(DebugReloadTest, ReloadKeepsEverything) {
  TempDir dir;
  Dump before;
  {
    Process eddy = Process::start_eddy_in(dir.path());
    Client c(eddy.port());
    populate(c);
    long long n = 12;
    more_writes(c, 1, n);
    before = dump(eddy.port());
    const long long seq = c.info_int("journal_seq");
    EXPECT_EQ(c.show({"DEBUG", "RELOAD"}), "+OK");
    expect_same(before, dump(eddy.port()));
    EXPECT_EQ(c.info_int("journal_seq"), seq);
    EXPECT_EQ(c.show({"OBJECT", "ENCODING", "wide"}), "\"hashtable\"");
    EXPECT_EQ(c.show({"DEBUG", "RELOAD", "NOSAVE"}), "+OK");
    expect_same(before, dump(eddy.port()));
    EXPECT_EQ(c.show({"DEBUG", "RELOAD", "MERGE"}),
              "-ERR DEBUG RELOAD only supports the NOSAVE option in eddy.");
    shutdown(eddy);
  }
  Process eddy = Process::start_eddy_in(dir.path());
  expect_same(before, dump(eddy.port()));
}

// ---------------------------------------------------------------------------------------------
// Crashes: writers keep a ledger of what was acknowledged while eddy is killed with SIGKILL.

constexpr int kWriters = 20;

// Writer i runs INCRBY c:i 1, RPUSH l:i n, HSET h:i fn n, SET s:i:n n for n = 1, 2, ...: its
// k-th command (from 0) and the reply it must get.
std::pair<Argv, std::string> ledger_command(int i, int64_t k) {
  const std::string id = std::to_string(i), n = std::to_string(k / 4 + 1);
  switch (k % 4) {
    case 0:
      return {{"INCRBY", "c:" + id, "1"}, ":" + n + "\r\n"};
    case 1:
      return {{"RPUSH", "l:" + id, n}, ":" + n + "\r\n"};
    case 2:
      return {{"HSET", "h:" + id, "f" + n, n}, ":1\r\n"};
    default:
      return {{"SET", "s:" + id + ":" + n, n}, "+OK\r\n"};
  }
}

struct Ledger {
  int64_t applied = 0;                       // commands found applied after the last restart
  int64_t acked = 0;                         // commands acknowledged so far, `applied` included
  std::vector<Clock::time_point> ack_times;  // this round's acknowledgements
  std::string error;
};

// What writer i's keys hold; `strings` are s:i:1 .. s:i:probe, "(nil)" when missing.
struct LedgerState {
  std::string counter;
  std::vector<std::string> list;
  std::map<std::string, std::string> hash;
  std::vector<std::string> strings;
  bool operator==(const LedgerState&) const = default;
};

LedgerState expected_state(int64_t p, size_t probe) {
  LedgerState s;
  const int64_t counter = (p + 3) / 4, list = (p + 2) / 4, hash = (p + 1) / 4, strings = p / 4;
  s.counter = counter ? "\"" + std::to_string(counter) + "\"" : "(nil)";
  for (int64_t n = 1; n <= list; ++n) s.list.push_back(std::to_string(n));
  for (int64_t n = 1; n <= hash; ++n) s.hash["f" + std::to_string(n)] = std::to_string(n);
  for (size_t n = 1; n <= probe; ++n)
    s.strings.push_back(static_cast<int64_t>(n) <= strings ? "\"" + std::to_string(n) + "\""
                                                           : "(nil)");
  return s;
}

LedgerState read_state(Client& c, int i, size_t probe) {
  const std::string id = std::to_string(i);
  LedgerState s;
  s.counter = c.show({"GET", "c:" + id});
  for (const Reply& e : c.call({"LRANGE", "l:" + id, "0", "-1"}).elements) s.list.push_back(e.str);
  Reply hash = c.call({"HGETALL", "h:" + id});
  for (size_t k = 0; k + 1 < hash.elements.size(); k += 2)
    s.hash[hash.elements[k].str] = hash.elements[k + 1].str;
  Argv mget = {"MGET"};
  for (size_t n = 1; n <= probe; ++n) mget.push_back("s:" + id + ":" + std::to_string(n));
  for (const Reply& e : c.call(mget).elements) s.strings.push_back(show(e));
  return s;
}

std::string describe(const LedgerState& s) {
  size_t strings = 0;
  while (strings < s.strings.size() && s.strings[strings] != "(nil)") ++strings;
  size_t present = 0;
  for (const std::string& v : s.strings) present += v != "(nil)";
  return "c=" + s.counter + " list " + std::to_string(s.list.size()) + " (last " +
         (s.list.empty() ? "-" : s.list.back()) + ") hash " + std::to_string(s.hash.size()) +
         " strings 1.." + std::to_string(strings) + " (" + std::to_string(present) + " present)";
}

// The length of the prefix of writer i's sequence that its keys hold, or -1 (and `why`) when
// they hold no prefix of at most acked + 1 commands.
int64_t observed_prefix(Client& c, int i, int64_t acked, std::string& why) {
  const size_t probe = static_cast<size_t>(acked / 4 + 3);
  LedgerState got = read_state(c, i, probe);
  int64_t p = static_cast<int64_t>(got.list.size() + got.hash.size());
  if (got.counter != "(nil)") p += std::atoll(got.counter.c_str() + 1);
  size_t strings = 0;
  while (strings < got.strings.size() && got.strings[strings] != "(nil)") ++strings;
  p += static_cast<int64_t>(strings);
  if (p <= acked + 1 && got == expected_state(p, probe)) return p;
  why = "writer " + std::to_string(i) + " (" + std::to_string(acked) +
        " acknowledged): keys hold " + describe(got) + "; the nearest prefix (" +
        std::to_string(std::min(p, acked + 1)) + ") would hold " +
        describe(expected_state(std::min(p, acked + 1), probe));
  return -1;
}

void write_ledger(int port, int i, Ledger& ledger) {
  RawClient c(port);
  ledger.acked = ledger.applied;
  ledger.ack_times.clear();
  if (!c.connected()) {
    ledger.error = "writer " + std::to_string(i) + " cannot connect";
    return;
  }
  for (int64_t k = ledger.applied;; ++k) {
    auto [argv, want] = ledger_command(i, k);
    c.send(encode_command(argv));
    auto reply = c.read_reply(10000);
    if (!reply) return;  // the server is gone
    if (*reply != want) {
      ledger.error = "writer " + std::to_string(i) + " command " + std::to_string(k) + ": got " +
                     escape(*reply) + ", want " + escape(want);
      return;
    }
    ledger.acked = k + 1;
    ledger.ack_times.push_back(Clock::now());
  }
}

struct Round {
  int64_t acked = 0;              // acknowledged in this round
  int64_t acked_last_2s = 0;      // of those, in the 2 s before the kill
  long long seq_before_kill = 0;  // INFO journal_seq just before the kill
};

// Runs the writers until eddy is killed, `delay_ms` after they start.
Round write_until_killed(Process& eddy, std::vector<Ledger>& ledgers, int delay_ms) {
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] { write_ledger(eddy.port(), i, ledgers[static_cast<size_t>(i)]); });
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  Round round;
  round.seq_before_kill = Client(eddy.port()).info_int("journal_seq");
  const auto killed_at = Clock::now();
  eddy.kill();
  for (std::thread& t : writers) t.join();
  for (const Ledger& l : ledgers) {
    EXPECT_EQ(l.error, "");
    round.acked += l.acked - l.applied;
    for (auto t : l.ack_times) round.acked_last_2s += t > killed_at - std::chrono::seconds(2);
  }
  return round;
}

// Checks every writer's keys after a restart: each holds a prefix of its sequence, at most one
// command past what was acknowledged and, when `durable`, nothing acknowledged missing; and no
// other key exists but `other_keys`. Moves `applied` to the prefix; returns the writes lost.
int64_t check_ledgers(int port, std::vector<Ledger>& ledgers, bool durable, long long other_keys) {
  Client c(port);
  int64_t lost = 0;
  long long keys = other_keys;
  for (int i = 0; i < kWriters; ++i) {
    Ledger& l = ledgers[static_cast<size_t>(i)];
    std::string why;
    const int64_t p = observed_prefix(c, i, l.acked, why);
    if (p < 0) {
      ADD_FAILURE() << why;
      continue;
    }
    if (durable) {
      EXPECT_GE(p, l.acked) << "writer " << i << " lost acknowledged writes";
    }
    lost += std::max<int64_t>(0, l.acked - p);
    l.applied = p;
    keys += (p >= 1) + (p >= 2) + (p >= 3) + p / 4;
  }
  EXPECT_EQ(c.call({"DBSIZE"}).integer, keys) << "keys the writers never wrote";
  return lost;
}

unsigned crash_seed() {
  if (const char* s = std::getenv("EDDY_CRASH_SEED")) return static_cast<unsigned>(std::atoll(s));
  return static_cast<unsigned>(Clock::now().time_since_epoch().count());
}

int64_t applied_total(const std::vector<Ledger>& ledgers) {
  int64_t n = 0;
  for (const Ledger& l : ledgers) n += l.applied;
  return n;
}

// With appendfsync always a reply means the write is on disk: three kills at random moments,
// each followed by a restart on the same directory, lose nothing acknowledged. The seq goes on
// from where it was (never backwards), and a write after the restart wins over one before.
TEST(CrashTest, AppendfsyncAlwaysKeepsEveryAcknowledgedWrite) {
  const unsigned seed = crash_seed();
  std::printf("crash seed %u (replay with EDDY_CRASH_SEED)\n", seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  const Argv args = {"--appendfsync", "always"};
  std::vector<Ledger> ledgers(kWriters);
  std::optional<Process> eddy;
  eddy.emplace(Process::start_eddy_in(dir.path(), args));
  EXPECT_EQ(Client(eddy->port()).show({"SET", "hlc", "before-0"}), "+OK");
  long long other_writes = 1;
  for (int round = 0; round < 3; ++round) {
    const int delay = 200 + static_cast<int>(rng() % 1301);
    Round r = write_until_killed(*eddy, ledgers, delay);
    std::printf("round %d: killed after %d ms, %lld writes acknowledged, journal_seq %lld\n", round,
                delay, static_cast<long long>(r.acked), r.seq_before_kill);
    EXPECT_GT(r.acked, 0);

    eddy.emplace(Process::start_eddy_in(dir.path(), args));
    EXPECT_EQ(check_ledgers(eddy->port(), ledgers, true, 1), 0);
    Client c(eddy->port());
    const long long seq = c.info_int("journal_seq");
    EXPECT_GE(seq, r.seq_before_kill) << "the seq went backwards";
    EXPECT_EQ(seq, applied_total(ledgers) + other_writes);
    EXPECT_EQ(c.show({"GET", "hlc"}), "\"before-" + std::to_string(round) + "\"");
    EXPECT_EQ(c.show({"SET", "hlc", "before-" + std::to_string(round + 1)}), "+OK");
    EXPECT_EQ(c.show({"GET", "hlc"}), "\"before-" + std::to_string(round + 1) + "\"");
    ++other_writes;
  }
}

// With appendfsync everysec a kill -9 loses nothing: every record is written to its file before
// its reply leaves, and the OS keeps what was written when the process dies. (A power loss may
// lose the last second, which a test cannot cause.) Prints the loss.
TEST(CrashTest, AppendfsyncEverysecLosesNothingWhenTheProcessDies) {
  const unsigned seed = crash_seed();
  std::printf("crash seed %u (replay with EDDY_CRASH_SEED)\n", seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  std::vector<Ledger> ledgers(kWriters);
  std::optional<Process> eddy;
  eddy.emplace(Process::start_eddy_in(dir.path(), {"--appendfsync", "everysec"}));
  EXPECT_EQ(Client(eddy->port()).show({"SET", "hlc", "before"}), "+OK");
  const int delay = 2500 + static_cast<int>(rng() % 1001);
  Round r = write_until_killed(*eddy, ledgers, delay);
  eddy.emplace(Process::start_eddy_in(dir.path()));
  const int64_t lost = check_ledgers(eddy->port(), ledgers, true, 1);
  Client c(eddy->port());
  EXPECT_EQ(c.info_int("journal_seq"), applied_total(ledgers) + 1);
  EXPECT_EQ(c.show({"GET", "hlc"}), "\"before\"");
  EXPECT_EQ(c.show({"SET", "hlc", "after"}), "+OK");
  EXPECT_EQ(c.show({"GET", "hlc"}), "\"after\"");
  std::printf(
      "everysec lost %lld of %lld acknowledged writes (killed after %d ms; %lld "
      "acknowledged in its last 2 s)\n",
      static_cast<long long>(lost), static_cast<long long>(r.acked), delay,
      static_cast<long long>(r.acked_last_2s));
  EXPECT_GT(r.acked, 0);
  EXPECT_EQ(lost, 0);
}

// ---------------------------------------------------------------------------------------------
// Damaged files.

// Writes k0..k<n-1>, one journal record each, and shuts down.
void write_keys(const std::string& dir, int n, const Argv& args = {}) {
  Process eddy = Process::start_eddy_in(dir, args);
  Client c(eddy.port());
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(c.show({"SET", numbered("k", i), numbered("value-", i) + noise(150, i)}), "+OK");
  EXPECT_EQ(c.info_int("journal_seq"), n);
  shutdown(eddy);
}

// k0..k<kept-1> hold their values, the rest of the n are gone.
void expect_keys(Client& c, int kept, int n) {
  EXPECT_EQ(c.show({"DBSIZE"}), ":" + std::to_string(kept));
  for (int i = 0; i < n; ++i) {
    std::string want =
        i < kept ? "\"" + numbered("value-", i) + escape(noise(150, i)) + "\"" : "(nil)";
    EXPECT_EQ(c.show({"GET", numbered("k", i)}), want) << "k" << i;
  }
}

// After a damaged tail was cut, eddy writes on, and the next restart finds a clean journal.
void expect_clean_after_more_writes(const std::string& dir, int kept, const Argv& args = {}) {
  {
    Process eddy = Process::start_eddy_in(dir, args);
    Client c(eddy.port());
    EXPECT_EQ(c.show({"SET", "later", "x"}), "+OK");
    shutdown(eddy);
  }
  Process eddy = Process::start_eddy_in(dir, args);
  Client c(eddy.port());
  EXPECT_EQ(c.info_int("journal_seq"), kept + 1);
  EXPECT_EQ(c.info_int("journal_dropped_bytes"), 0);
  EXPECT_EQ(c.show({"DBSIZE"}), ":" + std::to_string(kept + 1));
  EXPECT_EQ(c.show({"GET", "later"}), "\"x\"");
  EXPECT_EQ(truncation_line(eddy.log()), "");
}

// The journal's last record cut in half, as a crash in the middle of a write leaves it.
TEST(TornJournalTest, RecordCutShortIsDroppedWithAWarning) {
  TempDir dir;
  write_keys(dir.path(), 100);
  const auto files = segment_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  const auto records = frames(files);
  ASSERT_EQ(records.size(), 100u) << "one record per SET";
  const Frame& last = records.back();
  ASSERT_EQ(last.offset + last.bytes, fs::file_size(files[0]));
  const size_t cut = last.offset + kRecordHeader + (last.bytes - kRecordHeader) / 2;
  fs::resize_file(files[0], cut);
  const size_t dropped = cut - last.offset;

  {
    Process eddy = Process::start_eddy_in(dir.path());
    Client c(eddy.port());
    const std::string line = truncation_line(eddy.log());
    EXPECT_NE(line, "") << eddy.log();
    EXPECT_NE(line.find(std::to_string(dropped) + " bytes"), std::string::npos) << line;
    EXPECT_NE(line.find("(1 record"), std::string::npos) << line;
    EXPECT_EQ(c.info_int("journal_dropped_bytes"), static_cast<long long>(dropped));
    EXPECT_EQ(c.info_int("journal_dropped_records"), 1);
    EXPECT_EQ(c.info_int("journal_replayed_records"), 99);
    EXPECT_EQ(c.info_int("journal_seq"), 99);
    expect_keys(c, 99, 100);
    EXPECT_EQ(fs::file_size(files[0]), last.offset) << "the torn record is cut from the file";
    shutdown(eddy);
  }
  expect_clean_after_more_writes(dir.path(), 99);
}

// Garbage after the last good record (a crash while a preallocated block was written).
TEST(TornJournalTest, GarbageAfterTheLastRecordIsDropped) {
  TempDir dir;
  write_keys(dir.path(), 100);
  const auto files = segment_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  const std::string garbage = "GARBAGE\x01\x02\x03 not a record at all \xff\xfe";
  write_file(files[0], read_file(files[0]) + garbage);
  {
    Process eddy = Process::start_eddy_in(dir.path());
    Client c(eddy.port());
    const std::string line = truncation_line(eddy.log());
    EXPECT_NE(line.find(std::to_string(garbage.size()) + " bytes"), std::string::npos)
        << eddy.log();
    EXPECT_EQ(c.info_int("journal_dropped_bytes"), static_cast<long long>(garbage.size()));
    EXPECT_EQ(c.info_int("journal_dropped_records"), 1);
    EXPECT_EQ(c.info_int("journal_seq"), 100);
    expect_keys(c, 100, 100);
    shutdown(eddy);
  }
  expect_clean_after_more_writes(dir.path(), 100);
}

// One flipped byte in a record in the middle of a journal of several segments: the records
// before it are kept, it and everything after it (later segments included) are dropped.
TEST(TornJournalTest, FlippedByteDropsThatRecordAndEverythingAfter) {
  TempDir dir;
  const Argv args = {"--journal-segment-size", "4096"};
  write_keys(dir.path(), 100, args);
  // How many segments there are depends on how the writer thread batched the records.
  const auto files = segment_files(dir.path());
  ASSERT_GE(files.size(), 2u);
  const auto records = frames(files);
  ASSERT_EQ(records.size(), 100u) << "one record per SET";
  // The middle record of a segment in the middle, never the last one.
  const std::string& bad_file = files[(files.size() - 1) / 2];
  std::vector<size_t> in_bad_file;
  for (size_t i = 0; i < records.size(); ++i)
    if (records[i].file == bad_file) in_bad_file.push_back(i);
  ASSERT_FALSE(in_bad_file.empty());
  const size_t kept = in_bad_file[in_bad_file.size() / 2];
  const Frame& bad = records[kept];
  uint64_t dropped_bytes = fs::file_size(bad.file) - bad.offset;
  std::vector<std::string> later_files(std::find(files.begin(), files.end(), bad_file) + 1,
                                       files.end());
  for (const std::string& f : later_files) dropped_bytes += fs::file_size(f);
  std::string bytes = read_file(bad.file);
  bytes[bad.offset + kRecordHeader + (bad.bytes - kRecordHeader) / 2] ^= 0x20;
  write_file(bad.file, bytes);
  SCOPED_TRACE("record " + std::to_string(kept) + " of 100 damaged, in segment " +
               std::to_string((files.size() - 1) / 2 + 1) + " of " + std::to_string(files.size()));

  const int n_kept = static_cast<int>(kept);
  {
    Process eddy = Process::start_eddy_in(dir.path(), args);
    Client c(eddy.port());
    const std::string line = truncation_line(eddy.log());
    EXPECT_NE(line.find(std::to_string(dropped_bytes) + " bytes"), std::string::npos) << eddy.log();
    EXPECT_NE(line.find("(" + std::to_string(100 - kept) + " records"), std::string::npos) << line;
    EXPECT_EQ(c.info_int("journal_dropped_bytes"), static_cast<long long>(dropped_bytes));
    EXPECT_EQ(c.info_int("journal_dropped_records"), 100 - n_kept);
    EXPECT_EQ(c.info_int("journal_seq"), n_kept);
    expect_keys(c, n_kept, 100);
    EXPECT_EQ(fs::file_size(bad.file), bad.offset);
    for (const std::string& f : later_files) EXPECT_FALSE(fs::exists(f)) << f;
    shutdown(eddy);
  }
  expect_clean_after_more_writes(dir.path(), n_kept, args);
}

// A damaged snapshot stops the start: eddy never starts empty instead of with its data.
TEST(SnapshotFileTest, CorruptSnapshotRefusesToStart) {
  TempDir dir;
  const std::string snapshot = dir.path() + "/snapshot.eddy";
  {
    Process eddy = Process::start_eddy_in(dir.path());
    Client c(eddy.port());
    for (int i = 0; i < 50; ++i) ASSERT_EQ(c.show({"SET", numbered("k", i), "v"}), "+OK");
    EXPECT_EQ(c.show({"SAVE"}), "+OK");
    shutdown(eddy);
  }
  const std::string good = read_file(snapshot);
  ASSERT_GT(good.size(), 100u);
  for (const std::string& damaged :
       {good.substr(0, good.size() / 2), good.substr(0, good.size() / 2) +
                                             char(good[good.size() / 2] ^ 0x01) +
                                             good.substr(good.size() / 2 + 1)}) {
    write_file(snapshot, damaged);
    Process::Exit exit = Process::run_eddy_in(dir.path(), {});
    EXPECT_TRUE(exited_with(exit.status, 1)) << "status " << exit.status << "\n" << exit.log;
    EXPECT_NE(exit.log.find("Bad snapshot file"), std::string::npos) << exit.log;
    EXPECT_EQ(exit.log.find("Ready to accept connections"), std::string::npos) << exit.log;
    EXPECT_EQ(read_file(snapshot), damaged) << "the damaged file is left for the operator";
  }
  write_file(snapshot, good);
  Process eddy = Process::start_eddy_in(dir.path());
  Client c(eddy.port());
  EXPECT_EQ(c.show({"DBSIZE"}), ":50");
  EXPECT_EQ(c.show({"GET", "k49"}), "\"v\"");
}

// One data directory, one eddy: the second exits while the first goes on; a killed eddy's lock
// goes with it.
TEST(DataDirLockTest, SecondEddyOnTheSameDirectoryExits) {
  TempDir dir;
  std::optional<Process> first;
  first.emplace(Process::start_eddy_in(dir.path()));
  Client c(first->port());
  EXPECT_EQ(c.show({"SET", "k", "v"}), "+OK");
  Process::Exit second = Process::run_eddy_in(dir.path(), {});
  EXPECT_TRUE(exited_with(second.status, 1)) << "status " << second.status << "\n" << second.log;
  EXPECT_NE(second.log.find("another eddy process is using it"), std::string::npos) << second.log;
  EXPECT_EQ(c.show({"GET", "k"}), "\"v\"");
  EXPECT_EQ(c.show({"SET", "k2", "v2"}), "+OK");
  EXPECT_TRUE(c.wait_info("aof_buffer_length", "0")) << "the journal is fsynced";
  first->kill();
  first.emplace(Process::start_eddy_in(dir.path()));
  Client again(first->port());
  EXPECT_EQ(again.show({"MGET", "k", "k2"}), "[\"v\", \"v2\"]");
}

// ---------------------------------------------------------------------------------------------
// Segments: the journal rotates at --journal-segment-size, and a rewrite (a snapshot) deletes
// the segments it covers.

TEST(JournalSegmentTest, RewriteDeletesTheSegmentsItCovers) {
  TempDir dir;
  const Argv args = {"--journal-segment-size", "65536"};
  Dump before;
  long long seq = 0, seq_at_rewrite = 0;
  {
    Process eddy = Process::start_eddy_in(dir.path(), args);
    Client c(eddy.port());
    // The writer thread rotates between the batches it takes, so a segment can outgrow the
    // limit by one batch: after every 64 KB the test waits for the writer to catch up, so that
    // batches stay small and the segments near their size.
    long long written = 0;
    for (int i = 0; i < 2048; ++i) {
      ASSERT_EQ(c.show({"SET", numbered("key:", i % 256), noise(1000, i)}), "+OK");
      written += 1000;
      if (i % 64 == 63) {
        auto deadline = Clock::now() + std::chrono::seconds(5);
        while (c.info_int("aof_current_size") < written && Clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    EXPECT_TRUE(c.wait_info("aof_buffer_length", "0")) << "the journal is fsynced";
    auto files = segment_files(dir.path());
    const uint64_t size = total_size(files);
    EXPECT_GE(files.size(), 16u);
    for (size_t i = 0; i + 1 < files.size(); ++i)
      EXPECT_GE(fs::file_size(files[i]), 65536u) << files[i] << " rotated before it was full";
    EXPECT_GE(size, 2048u * 1000u);
    EXPECT_EQ(c.info_int("aof_current_size"), static_cast<long long>(size));

    EXPECT_EQ(c.show({"BGREWRITEAOF"}), "+Background append only file rewriting started");
    seq_at_rewrite = c.info_int("journal_seq");
    EXPECT_EQ(seq_at_rewrite, 2048);
    EXPECT_TRUE(c.wait_info("aof_rewrite_in_progress", "0"));
    EXPECT_EQ(c.info("aof_last_bgrewrite_status"), "ok");
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (segment_files(dir.path()).size() > 1 && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    files = segment_files(dir.path());
    EXPECT_EQ(files.size(), 1u);
    EXPECT_EQ(c.info_int("aof_current_size"), static_cast<long long>(total_size(files)));
    EXPECT_LT(total_size(files), 65536u);
    EXPECT_GT(fs::file_size(dir.path() + "/snapshot.eddy"), 200u * 1000u);

    for (int i = 0; i < 10; ++i)
      ASSERT_EQ(c.show({"SET", numbered("after:", i), noise(100, i)}), "+OK");
    EXPECT_EQ(c.show({"DEL", "key:0"}), ":1");
    before = dump(eddy.port());
    seq = c.info_int("journal_seq");
    shutdown(eddy);
  }
  Process eddy = Process::start_eddy_in(dir.path(), args);
  Client c(eddy.port());
  expect_same(before, dump(eddy.port()));
  EXPECT_EQ(c.show({"DBSIZE"}), ":265");
  EXPECT_EQ(c.info_int("journal_seq"), seq);
  EXPECT_EQ(c.info_int("journal_replayed_records"), seq - seq_at_rewrite);
  EXPECT_EQ(c.info_int("journal_replayed_records"), 11);
}

}  // namespace
}  // namespace eddy::testing
