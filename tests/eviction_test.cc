// maxmemory and maxmemory-policy: each policy against what it must keep and evict (in process,
// with a manual clock), the -OOM refusals and OBJECT FREQ/IDLETIME compared byte for byte with
// redis-server, Redis's tests/unit/maxmemory.tcl limits on a real eddy, and eviction on a hub and
// on an edge whose link to its hub is down.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "compact/memory.h"
#include "tests/family_test.h"
#include "tests/process.h"

namespace eddy::testing {
namespace {

using Argv = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// In process: the policies' choices. used_memory is the whole test process's, which holds still
// between commands, so a limit a few hundred keys below it makes the eviction the test wants.

class EvictionTest : public FamilyTest {
 protected:
  static std::string key(int i) { return "key:" + std::to_string(i); }

  // n keys of 100-byte values; the bytes they added to used_memory.
  size_t load(int n, const std::string& ttl_seconds = "") {
    const size_t before = compact::used_memory();
    const std::string value(100, 'v');
    for (int i = 0; i < n; ++i) {
      if (ttl_seconds.empty())
        Run({"SET", key(i), value});
      else
        Run({"SET", key(i), value, "EX", ttl_seconds});
    }
    return compact::used_memory() - before;
  }

  // Sets the limit `bytes` below used_memory (eviction runs at once, as in Redis).
  void limit_below_used(size_t bytes) {
    const size_t used = compact::used_memory();
    ASSERT_THAT(Run({"CONFIG", "SET", "maxmemory", std::to_string(used - bytes)}), IsSimple("OK"));
  }
  // The same, then no limit again: what the test looks at afterwards is what that one
  // eviction chose (this process's own allocations count too, and a test's lookups near the
  // limit would evict more).
  void evict_once(size_t bytes) {
    limit_below_used(bytes);
    Run({"CONFIG", "SET", "maxmemory", "0"});
  }

  std::set<int> survivors(int n) {
    std::set<int> out;
    for (int i = 0; i < n; ++i)
      if (Run({"EXISTS", key(i)}).integer == 1) out.insert(i);
    return out;
  }

  int64_t info(const std::string& field, const std::string& section) {
    const std::string text = Run({"INFO", section}).str;
    const size_t at = text.find(field + ":");
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + field.size() + 1));
  }
};

TEST_F(EvictionTest, UsedMemoryCountsTheKeyTableAndLongValues) {
  // The key table's bucket arrays and values beyond 23 bytes come from malloc, not operator
  // new: they count too. 1,000 values of 100 bytes take 100 KB more than 1,000 of 10.
  const size_t base = compact::used_memory();
  for (int i = 0; i < 1000; ++i) Run({"SET", key(i), std::string(10, 's')});
  const size_t short_values = compact::used_memory() - base;
  Run({"FLUSHALL"});
  const size_t after_flush = compact::used_memory();
  for (int i = 0; i < 1000; ++i) Run({"SET", key(i), std::string(100, 'l')});
  const size_t long_values = compact::used_memory() - after_flush;
  EXPECT_GE(long_values, short_values + 1000 * 90);
  EXPECT_GE(short_values, 1000 * 88u);  // at least a table node per key
  Run({"FLUSHALL"});
  // What FLUSHALL frees is what the keys took (a small table stays).
  EXPECT_LE(compact::used_memory(), after_flush + 1024);
}

TEST_F(EvictionTest, AllKeysLruKeepsTheKeysReadRecently) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  const size_t bytes = load(1000);
  AdvanceTime(10'000);
  for (int i = 0; i < 1000; i += 2) Run({"GET", key(i)});  // even keys are hot
  evict_once(bytes * 3 / 10);
  const std::set<int> left = survivors(1000);
  int hot_gone = 0, cold_gone = 0;
  for (int i = 0; i < 1000; ++i)
    if (!left.count(i)) (i % 2 ? cold_gone : hot_gone)++;
  EXPECT_GT(cold_gone, 200);
  EXPECT_LE(hot_gone, (hot_gone + cold_gone) / 20) << "hot " << hot_gone << " cold " << cold_gone;
  EXPECT_EQ(info("evicted_keys", "stats"), hot_gone + cold_gone);
}

TEST_F(EvictionTest, AllKeysLfuKeepsTheKeysReadOften) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  const size_t bytes = load(1000);
  for (int round = 0; round < 30; ++round)
    for (int i = 0; i < 1000; i += 2) Run({"GET", key(i)});
  evict_once(bytes * 3 / 10);
  const std::set<int> left = survivors(1000);
  int hot_gone = 0, cold_gone = 0;
  for (int i = 0; i < 1000; ++i)
    if (!left.count(i)) (i % 2 ? cold_gone : hot_gone)++;
  EXPECT_GT(cold_gone, 200);
  EXPECT_LE(hot_gone, (hot_gone + cold_gone) / 20) << "hot " << hot_gone << " cold " << cold_gone;
}

TEST_F(EvictionTest, VolatileTtlEvictsTheNearestExpiryFirst) {
  Run({"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"});
  const std::string value(100, 'v');
  const size_t before = compact::used_memory();
  for (int i = 0; i < 1000; ++i) Run({"SET", key(i), value, "EX", std::to_string(1000 + i)});
  const size_t bytes = compact::used_memory() - before;
  evict_once(bytes * 3 / 10);
  const std::set<int> left = survivors(1000);
  int near_gone = 0, far_gone = 0;
  for (int i = 0; i < 1000; ++i)
    if (!left.count(i)) (i < 500 ? near_gone : far_gone)++;
  EXPECT_GT(near_gone, 200);
  EXPECT_LE(far_gone, (near_gone + far_gone) / 20) << "near " << near_gone << " far " << far_gone;
}

TEST_F(EvictionTest, VolatilePoliciesEvictOnlyKeysWithATtl) {
  for (const char* policy : {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
    SCOPED_TRACE(policy);
    Run({"FLUSHALL"});
    Run({"CONFIG", "SET", "maxmemory", "0"});
    Run({"CONFIG", "SET", "maxmemory-policy", policy});
    const std::string value(100, 'v');
    const size_t before = compact::used_memory();
    for (int i = 0; i < 1000; ++i) {
      if (i % 2)
        Run({"SET", key(i), value, "EX", "1000"});
      else
        Run({"SET", key(i), value});
    }
    evict_once((compact::used_memory() - before) / 4);
    const std::set<int> left = survivors(1000);
    int volatile_gone = 0;
    for (int i = 0; i < 1000; ++i) {
      if (i % 2 == 0) {
        EXPECT_TRUE(left.count(i)) << key(i);
      }
      if (i % 2 == 1 && !left.count(i)) ++volatile_gone;
    }
    EXPECT_GT(volatile_gone, 100);
  }
}

TEST_F(EvictionTest, VolatilePoliciesRefuseWritesWhenNoKeyHasATtl) {
  for (const char* policy : {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
    SCOPED_TRACE(policy);
    Run({"CONFIG", "SET", "maxmemory", "0"});
    Run({"FLUSHALL"});
    Run({"CONFIG", "SET", "maxmemory-policy", policy});
    load(200);
    limit_below_used(1000);
    EXPECT_THAT(Run({"SET", "more", "x"}),
                IsError("OOM command not allowed when used memory > 'maxmemory'."));
    EXPECT_THAT(Run({"DBSIZE"}), IsInt(200));
    EXPECT_THAT(Run({"GET", key(0)}), IsBulk(std::string(100, 'v')));  // reads go on
  }
}

TEST_F(EvictionTest, AllKeysRandomGetsUnderTheLimit) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"});
  const size_t bytes = load(1000);
  limit_below_used(bytes / 2);
  EXPECT_LE(compact::used_memory(), static_cast<size_t>(info("maxmemory", "memory")) + 4096);
  Run({"CONFIG", "SET", "maxmemory", "0"});
  const int64_t left = Run({"DBSIZE"}).integer;
  EXPECT_LT(left, 600);
  EXPECT_GT(left, 300);
}

TEST_F(EvictionTest, NoevictionRefusesDenyoomCommandsOnly) {
  load(100);
  limit_below_used(1000);
  const std::string oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
  EXPECT_EQ(RunRaw({"SET", "k", "v"}), oom);
  EXPECT_EQ(RunRaw({"LPUSH", "l", "a"}), oom);
  EXPECT_EQ(RunRaw({"INCR", "n"}), oom);
  EXPECT_THAT(Run({"GET", key(1)}), IsBulk(std::string(100, 'v')));
  EXPECT_THAT(Run({"DEL", key(1)}), IsInt(1));  // DEL is not denyoom: it frees memory
  EXPECT_THAT(Run({"EXPIRE", key(2), "100"}), IsInt(1));
  const std::string errors = Run({"INFO", "errorstats"}).str;
  EXPECT_NE(errors.find("errorstat_OOM:count=3"), std::string::npos) << errors;
  const std::string stats = Run({"INFO", "commandstats"}).str;
  EXPECT_NE(stats.find("cmdstat_set:calls=100,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("rejected_calls=1,"), std::string::npos) << stats;
  EXPECT_EQ(info("evicted_keys", "stats"), 0);
}

TEST_F(EvictionTest, InsideMultiEveryQueuedCommandIsRefused) {
  load(10);
  limit_below_used(1000);
  EXPECT_THAT(Run({"MULTI"}), IsSimple("OK"));
  EXPECT_EQ(RunRaw({"SET", "k", "v"}),
            "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  // Queueing itself takes memory: Redis refuses every command inside MULTI when over the
  // limit, reads too, but never EXEC or DISCARD.
  EXPECT_EQ(RunRaw({"GET", key(0)}),
            "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(RunRaw({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_THAT(Run({"MULTI"}), IsSimple("OK"));
  EXPECT_THAT(Run({"DISCARD"}), IsSimple("OK"));
}

TEST_F(EvictionTest, ConfigSetMaxmemoryEvictsAtOnce) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  const size_t bytes = load(1000);
  EXPECT_THAT(Run({"DBSIZE"}), IsInt(1000));
  evict_once(bytes / 2);
  // CONFIG SET itself evicted: no other command ran while the limit was low.
  const int64_t evicted = info("evicted_keys", "stats");
  EXPECT_GT(evicted, 400);
  EXPECT_THAT(Run({"DBSIZE"}), IsInt(1000 - evicted));
  // Without the limit, nothing more goes.
  load(1000);
  EXPECT_THAT(Run({"DBSIZE"}), IsInt(1000));
  EXPECT_EQ(info("evicted_keys", "stats"), evicted);
  Run({"CONFIG", "RESETSTAT"});
  EXPECT_EQ(info("evicted_keys", "stats"), 0);
}

TEST_F(EvictionTest, IdleTimeCountsFromTheLastAccess) {
  Run({"SET", "k", "v"});
  AdvanceTime(10'000);
  EXPECT_THAT(Run({"OBJECT", "IDLETIME", "k"}), IsInt(10));
  // Lookups Redis makes with LOOKUP_NOTOUCH leave the clock alone.
  Run({"TYPE", "k"});
  Run({"EXISTS", "k"});
  Run({"TTL", "k"});
  Run({"PTTL", "k"});
  Run({"OBJECT", "ENCODING", "k"});
  Run({"OBJECT", "FREQ", "k"});
  Run({"SCAN", "0", "TYPE", "string"});
  Run({"MEMORY", "USAGE", "k"});
  Run({"DEBUG", "OBJECT", "k"});
  EXPECT_THAT(Run({"OBJECT", "IDLETIME", "k"}), IsInt(10));
  const std::string debug = Run({"DEBUG", "OBJECT", "k"}).str;
  EXPECT_NE(debug.find(" lru_seconds_idle:10 "), std::string::npos) << debug;
  Run({"GET", "k"});
  EXPECT_THAT(Run({"OBJECT", "IDLETIME", "k"}), IsInt(0));
  AdvanceTime(5'000);
  EXPECT_THAT(Run({"TOUCH", "k", "missing"}), IsInt(1));
  EXPECT_THAT(Run({"OBJECT", "IDLETIME", "k"}), IsInt(0));
  AdvanceTime(5'000);
  Run({"APPEND", "k", "w"});  // writes are accesses too
  EXPECT_THAT(Run({"OBJECT", "IDLETIME", "k"}), IsInt(0));
  EXPECT_THAT(Run({"OBJECT", "IDLETIME", "missing"}), IsNull());
}

TEST_F(EvictionTest, FrequencyGrowsWithReadsAndDecaysWithTime) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  Run({"SET", "k", "v"});
  EXPECT_THAT(Run({"OBJECT", "FREQ", "k"}), IsInt(5));  // a new key starts at LFU_INIT_VAL
  Run({"GET", "k"});
  EXPECT_THAT(Run({"OBJECT", "FREQ", "k"}), IsInt(6));  // certain below the initial value + 1
  for (int i = 0; i < 2000; ++i) Run({"GET", "k"});
  const int64_t hot = Run({"OBJECT", "FREQ", "k"}).integer;
  EXPECT_GT(hot, 8);
  EXPECT_LT(hot, 40);       // logarithmic: lfu-log-factor 10
  AdvanceTime(3 * 60'000);  // lfu-decay-time 1: one less per minute
  EXPECT_THAT(Run({"OBJECT", "FREQ", "k"}), IsInt(hot - 3));
  // Without decay the counter reads as last stored (OBJECT FREQ does not update it).
  Run({"CONFIG", "SET", "lfu-decay-time", "0"});
  AdvanceTime(10 * 60'000);
  EXPECT_THAT(Run({"OBJECT", "FREQ", "k"}), IsInt(hot));
}

TEST_F(EvictionTest, ConfigDirectivesHaveRedisDefaultsAndRanges) {
  EXPECT_THAT(Run({"CONFIG", "GET", "maxmemory-samples"}), IsArray(Argv{"maxmemory-samples", "5"}));
  EXPECT_THAT(Run({"CONFIG", "GET", "maxmemory-eviction-tenacity"}),
              IsArray(Argv{"maxmemory-eviction-tenacity", "10"}));
  EXPECT_THAT(Run({"CONFIG", "GET", "lfu-log-factor"}), IsArray(Argv{"lfu-log-factor", "10"}));
  EXPECT_THAT(Run({"CONFIG", "GET", "lfu-decay-time"}), IsArray(Argv{"lfu-decay-time", "1"}));
  EXPECT_THAT(Run({"CONFIG", "SET", "maxmemory-samples", "0"}),
              IsError("ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - "
                      "argument must be between 1 and 2147483647 inclusive"));
  EXPECT_THAT(Run({"CONFIG", "SET", "maxmemory-policy", "lru"}),
              IsError("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
                      "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                      "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                      "noeviction"));
}

// ---------------------------------------------------------------------------------------------
// Against redis-server: the same commands to both, every reply compared byte for byte.

std::string transcript(int port, const std::vector<Argv>& commands) {
  RawClient c(port);
  std::string out;
  for (const Argv& argv : commands) {
    auto reply = c.command(argv);
    out += (reply ? *reply : "<no reply>");
  }
  return out;
}

// The lines of INFO errorstats (without the header), sorted.
std::string errorstats(int port) {
  RawClient c(port);
  std::string info = *c.command({"INFO", "errorstats"});
  std::set<std::string> lines;
  size_t pos = 0;
  while ((pos = info.find("errorstat_", pos)) != std::string::npos) {
    const size_t end = info.find("\r\n", pos);
    lines.insert(info.substr(pos, end - pos));
    pos = end;
  }
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

TEST(EvictionVsRedis, OomRepliesAndErrorstatsMatch) {
  Process redis = Process::start_redis();
  Process eddy = Process::start_eddy();
  const std::vector<Argv> script = {
      {"SET", "before", "1"},
      {"CONFIG", "SET", "maxmemory", "1"},
      {"SET", "k", "v"},
      {"APPEND", "before", "x"},
      {"GET", "before"},
      {"PING"},
      {"MULTI"},
      {"SET", "k", "v"},
      {"GET", "before"},
      {"EXEC"},
      {"MULTI"},
      {"DISCARD"},
      {"DEL", "before"},
      {"SET", "k", "v"},
      {"CONFIG", "SET", "maxmemory", "0"},
      {"SET", "k", "v"},
  };
  EXPECT_EQ(escape(transcript(eddy.port(), script)), escape(transcript(redis.port(), script)));
  EXPECT_EQ(errorstats(eddy.port()), errorstats(redis.port()));
}

TEST(EvictionVsRedis, ExecOfAQueuedDenyoomCommandIsAborted) {
  // The limit is lowered while a transaction waits: EXEC is refused (Redis's rejectCommand on
  // EXEC discards the transaction with the reason).
  Process redis = Process::start_redis();
  Process eddy = Process::start_eddy();
  for (int port : {eddy.port(), redis.port()}) {
    RawClient a(port), b(port);
    EXPECT_EQ(*a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(*a.command({"SET", "k", "v"}), "+QUEUED\r\n");
    EXPECT_EQ(*b.command({"CONFIG", "SET", "maxmemory", "1"}), "+OK\r\n");
    EXPECT_EQ(*a.command({"EXEC"}),
              "-EXECABORT Transaction discarded because of: OOM command not allowed when used "
              "memory > 'maxmemory'.\r\n")
        << (port == eddy.port() ? "eddy" : "redis");
    EXPECT_EQ(*a.command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(*b.command({"CONFIG", "SET", "maxmemory", "0"}), "+OK\r\n");
    EXPECT_EQ(*a.command({"GET", "k"}), "+QUEUED\r\n");
    EXPECT_EQ(*b.command({"CONFIG", "SET", "maxmemory", "1"}), "+OK\r\n");
    EXPECT_EQ(*a.command({"EXEC"}), "*1\r\n$-1\r\n");  // nothing denyoom in it
  }
}

TEST(EvictionVsRedis, ObjectFreqAndIdletimeRepliesMatch) {
  Process redis = Process::start_redis();
  Process eddy = Process::start_eddy();
  // Values that a second or minute boundary could change are left to the in-process tests,
  // which run on a manual clock.
  const std::vector<Argv> script = {
      {"CONFIG", "SET", "lfu-decay-time", "0"},
      {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"},
      {"SET", "a", "hello"},
      {"OBJECT", "FREQ", "a"},
      {"OBJECT", "FREQ", "missing"},
      {"OBJECT", "IDLETIME", "missing"},
      {"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"},
      {"SET", "b", "hello"},
      {"OBJECT", "FREQ", "b"},
      {"GET", "b"},
      {"OBJECT", "FREQ", "b"},
      {"OBJECT", "IDLETIME", "b"},
      {"OBJECT", "FREQ", "missing"},
      {"CONFIG", "SET", "maxmemory-policy", "volatile-lfu"},
      {"OBJECT", "FREQ", "b"},
      {"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"},
      {"OBJECT", "FREQ", "b"},
      {"CONFIG", "GET", "maxmemory-samples"},
      {"CONFIG", "GET", "maxmemory-eviction-tenacity"},
      {"CONFIG", "GET", "lfu-log-factor"},
      {"CONFIG", "GET", "lfu-decay-time"},
      {"CONFIG", "SET", "maxmemory-samples", "0"},
      {"CONFIG", "SET", "maxmemory-eviction-tenacity", "101"},
  };
  EXPECT_EQ(escape(transcript(eddy.port(), script)), escape(transcript(redis.port(), script)));
}

// ---------------------------------------------------------------------------------------------
// A real eddy under Redis's tests/unit/maxmemory.tcl: the limit holds under every policy, only
// allkeys-* policies remove keys without a TTL, volatile-* ones only keys with one.

int64_t info_number(RawClient& c, const std::string& name, const std::string& section) {
  const std::string info = *c.command({"INFO", section});
  const size_t at = info.find(name + ":");
  return at == std::string::npos ? -1 : std::stoll(info.substr(at + name.size() + 1));
}

// used_memory as eviction counts it (Redis's test reads used_memory; eddy's journal buffer, which
// eviction does not count either, would blur it).
int64_t counted_memory(RawClient& c) {
  return info_number(c, "used_memory", "memory") -
         info_number(c, "mem_not_counted_for_evict", "memory");
}

// One suite per list of policies Redis's loops go through.
class MaxmemoryLimit : public ::testing::TestWithParam<const char*> {};
class MaxmemoryNonVolatileKeys : public ::testing::TestWithParam<const char*> {};
class MaxmemoryVolatileOnly : public ::testing::TestWithParam<const char*> {};

TEST_P(MaxmemoryLimit, IsHonoured) {
  Process eddy = Process::start_eddy();
  RawClient c(eddy.port());
  const int64_t limit = counted_memory(c) + 100 * 1024;
  c.command({"CONFIG", "SET", "maxmemory", std::to_string(limit)});
  c.command({"CONFIG", "SET", "maxmemory-policy", GetParam()});
  int numkeys = 0;
  for (;;) {
    c.command({"SETEX", "key:" + std::to_string(numkeys), "10000", "x"});
    ++numkeys;
    if (counted_memory(c) + 4096 > limit) break;
  }
  ASSERT_GT(numkeys, 10);
  for (int j = 0; j < numkeys; ++j) c.command({"SETEX", "more:" + std::to_string(j), "10000", "x"});
  EXPECT_LT(counted_memory(c), limit + 4096);
  EXPECT_GT(info_number(c, "evicted_keys", "stats"), 0);
}

TEST_P(MaxmemoryNonVolatileKeys, OnlyAllkeysPoliciesRemoveThem) {
  const std::string policy = GetParam();
  Process eddy = Process::start_eddy();
  RawClient c(eddy.port());
  const int64_t limit = counted_memory(c) + 100 * 1024;
  c.command({"CONFIG", "SET", "maxmemory", std::to_string(limit)});
  c.command({"CONFIG", "SET", "maxmemory-policy", policy});
  int numkeys = 0;
  for (;;) {
    c.command({"SET", "key:" + std::to_string(numkeys), "x"});
    ++numkeys;
    if (counted_memory(c) + 4096 > limit) break;
  }
  bool oom = false;
  for (int j = 0; j < numkeys; ++j) {
    const std::string reply = *c.command({"SET", "more:" + std::to_string(j), "x"});
    oom = oom || reply.find("used memory") != std::string::npos;
  }
  if (policy.starts_with("allkeys-"))
    EXPECT_LT(counted_memory(c), limit + 4096);
  else
    EXPECT_TRUE(oom);
}

TEST_P(MaxmemoryVolatileOnly, KeysWithoutTtlStay) {
  const std::string policy = GetParam();
  Process eddy = Process::start_eddy();
  RawClient c(eddy.port());
  const int64_t limit = counted_memory(c) + 100 * 1024;
  c.command({"CONFIG", "SET", "maxmemory", std::to_string(limit)});
  c.command({"CONFIG", "SET", "maxmemory-policy", policy});
  int numkeys = 0;
  for (;;) {
    const std::string k = "key:" + std::to_string(numkeys);
    if (numkeys % 2)
      c.command({"SETEX", k, "10000", "x"});
    else
      c.command({"SET", k, "x"});
    if (counted_memory(c) + 4096 > limit) break;
    ++numkeys;
  }
  for (int j = 0; j < numkeys; ++j) c.command({"SETEX", "foo:" + std::to_string(j), "10000", "x"});
  EXPECT_LT(counted_memory(c), limit + 4096);
  for (int j = 0; j < numkeys; j += 2)
    EXPECT_EQ(*c.command({"EXISTS", "key:" + std::to_string(j)}), ":1\r\n") << j;
}

std::string policy_name(const ::testing::TestParamInfo<const char*>& info) {
  std::string name = info.param;
  for (char& ch : name)
    if (ch == '-') ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Policies, MaxmemoryLimit,
                         ::testing::Values("allkeys-random", "allkeys-lru", "allkeys-lfu",
                                           "volatile-lru", "volatile-lfu", "volatile-random",
                                           "volatile-ttl"),
                         policy_name);
INSTANTIATE_TEST_SUITE_P(Policies, MaxmemoryNonVolatileKeys,
                         ::testing::Values("allkeys-random", "allkeys-lru", "volatile-lru",
                                           "volatile-random", "volatile-ttl"),
                         policy_name);
INSTANTIATE_TEST_SUITE_P(Policies, MaxmemoryVolatileOnly,
                         ::testing::Values("volatile-lru", "volatile-lfu", "volatile-random",
                                           "volatile-ttl"),
                         policy_name);

// ---------------------------------------------------------------------------------------------
// Where eviction deletes: a standalone edge journals it, a hub sends it to its edges, an edge
// with a hub only forgets, and never what the hub has not acknowledged.

std::string call(int port, const Argv& argv) {
  RawClient c(port);
  auto reply = c.command(argv);
  return reply ? *reply : "<no reply>";
}

int count_existing(int port, const std::string& prefix, int n) {
  RawClient c(port);
  int found = 0;
  for (int i = 0; i < n; ++i)
    found += *c.command({"EXISTS", prefix + std::to_string(i)}) == ":1\r\n";
  return found;
}

void fill(int port, const std::string& prefix, int n, size_t value_size) {
  RawClient c(port);
  const std::string value(value_size, 'v');
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(*c.command({"SET", prefix + std::to_string(i), value}), "+OK\r\n");
}

// Lowers maxmemory to `bytes` below what eviction counts now. Without a time limit
// (tenacity 100), CONFIG SET finishes the eviction itself: what the test reads next is its result,
// also in a slow sanitizer build.
void limit_below(int port, int64_t bytes) {
  RawClient c(port);
  ASSERT_EQ(*c.command({"CONFIG", "SET", "maxmemory-eviction-tenacity", "100"}), "+OK\r\n");
  const int64_t limit = counted_memory(c) - bytes;
  ASSERT_EQ(*c.command({"CONFIG", "SET", "maxmemory", std::to_string(limit)}), "+OK\r\n");
}

TEST(EvictionWhere, AStandaloneEdgeJournalsItsEvictions) {
  TempDir dir;
  std::optional<Process> eddy(Process::start_eddy_in(dir.path()));
  fill(eddy->port(), "k:", 2000, 200);
  call(eddy->port(), {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  limit_below(eddy->port(), 200 * 1024);
  const std::string dbsize = call(eddy->port(), {"DBSIZE"});
  EXPECT_NE(dbsize, ":2000\r\n");
  eddy->stop();
  eddy.reset();
  Process again = Process::start_eddy_in(dir.path());
  EXPECT_EQ(call(again.port(), {"DBSIZE"}), dbsize);  // a restart does not bring them back
}

struct HubAndEdge {
  TempDir hub_dir, edge_dir;
  int hub_port = free_port();
  std::optional<Process> hub, edge;
  HubAndEdge() {
    hub.emplace(Process::start_eddy_in(hub_dir.path(), {"--role", "hub"}, hub_port));
    edge.emplace(Process::start_eddy_in(
        edge_dir.path(), {"--hub", "127.0.0.1:" + std::to_string(hub_port), "--node-name", "e"}));
  }
  std::string sync_wait() { return call(edge->port(), {"EDGE.SYNC", "WAIT", "10000"}); }
};

TEST(EvictionWhere, AHubsEvictionsReachItsEdges) {
  HubAndEdge c;
  fill(c.hub->port(), "h:", 1000, 200);
  ASSERT_EQ(c.sync_wait(), "+OK\r\n");
  ASSERT_EQ(call(c.edge->port(), {"DBSIZE"}), ":1000\r\n");
  call(c.hub->port(), {"CONFIG", "SET", "maxmemory-policy", "allkeys-random"});
  limit_below(c.hub->port(), 100 * 1024);
  const std::string dbsize = call(c.hub->port(), {"DBSIZE"});
  EXPECT_NE(dbsize, ":1000\r\n");
  std::string at_edge;
  for (int i = 0; i < 100 && at_edge != dbsize; ++i) {
    ASSERT_EQ(c.sync_wait(), "+OK\r\n");
    at_edge = call(c.edge->port(), {"DBSIZE"});
  }
  EXPECT_EQ(at_edge, dbsize);
}

TEST(EvictionWhere, AnEdgeNeverEvictsWhatItsHubHasNotAcknowledged) {
  HubAndEdge c;
  const int edge = c.edge->port();
  fill(edge, "s:", 1000, 300);  // synced below
  ASSERT_EQ(call(edge, {"INCRBY", "counter", "7"}), ":7\r\n");
  ASSERT_EQ(c.sync_wait(), "+OK\r\n");
  ASSERT_EQ(call(edge, {"EDGE.PAUSE"}), "+OK\r\n");
  const int unsynced = 200;
  fill(edge, "u:", unsynced, 300);
  call(edge, {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  limit_below(edge, 150 * 1024);
  // Synced keys went (forgotten here, still at the hub); unsynced ones and the counter, whose
  // lane only this edge can continue, stayed.
  EXPECT_LT(count_existing(edge, "s:", 1000), 1000);
  EXPECT_EQ(count_existing(edge, "u:", unsynced), unsynced);
  EXPECT_EQ(call(edge, {"GET", "counter"}), "$1\r\n7\r\n");
  RawClient w(edge);
  // More writes while the link is down: once only unsynced data is left, they are refused.
  std::string reply;
  int written = unsynced;
  const std::string value(300, 'w');
  for (; written < 20000; ++written) {
    reply = *w.command({"SET", "u:" + std::to_string(written), value});
    if (reply != "+OK\r\n") break;
  }
  EXPECT_EQ(reply, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(count_existing(edge, "s:", 1000), 0);
  EXPECT_EQ(count_existing(edge, "u:", written), written);
  EXPECT_EQ(call(edge, {"GET", "counter"}), "$1\r\n7\r\n");
  EXPECT_EQ(count_existing(c.hub->port(), "s:", 1000), 1000);  // the hub kept them
  EXPECT_EQ(count_existing(c.hub->port(), "u:", 1), 0);
  // The link is back: the hub acknowledges the edge's writes, which then may go (the room the
  // pushed queue took comes first).
  ASSERT_EQ(call(edge, {"EDGE.RESUME"}), "+OK\r\n");
  ASSERT_EQ(c.sync_wait(), "+OK\r\n");
  for (int i = 0; i < 20000 && info_number(w, "evicted_keys", "stats") == 1000; ++i)
    ASSERT_EQ(*w.command({"SET", "v:" + std::to_string(i), value}), "+OK\r\n") << i;
  EXPECT_GT(info_number(w, "evicted_keys", "stats"), 1000);
  EXPECT_LT(count_existing(edge, "u:", written), written);
  EXPECT_EQ(count_existing(c.hub->port(), "u:", written), written);
  EXPECT_EQ(call(edge, {"GET", "counter"}), "$1\r\n7\r\n");
}

}  // namespace
}  // namespace eddy::testing
