// Differential tests: the same command sequences go to Debian's redis-server 7.0 and to eddy over
// real sockets, and every reply must be byte-identical. The random part prints its seed;
// EDDY_DIFF_SEED replays one seed, EDDY_DIFF_ROUNDS sets how many sequences run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

using Command = std::vector<std::string>;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The elements of a flat RESP array reply, for replies whose order is the hash table's.
std::multiset<std::string> elements(const std::string& reply) {
  std::multiset<std::string> out;
  size_t pos = reply.find("\r\n") + 2;
  while (pos < reply.size()) {
    auto end = reply_end(reply, pos);
    if (!end) break;
    out.insert(reply.substr(pos, *end - pos));
    pos = *end;
  }
  return out;
}

int64_t integer_of(const std::string& reply) {
  return reply.size() > 1 && reply[0] == ':' ? std::strtoll(reply.c_str() + 1, nullptr, 10)
                                             : INT64_MIN;
}

// Most replies must be equal byte for byte. A few depend on things that legitimately differ
// between two servers and are compared by a narrow rule instead: the remaining time of a TTL
// (the two servers received the command a few microseconds apart), the order of KEYS (each
// server's hash table), and which key RANDOMKEY picks.
::testing::AssertionResult same_reply(const Command& cmd, const std::string& redis,
                                      const std::string& eddy) {
  if (redis == eddy) return ::testing::AssertionSuccess();
  std::string name = lower(cmd[0]);
  bool same = false;
  if (name == "ttl" || name == "pttl") {
    int64_t r = integer_of(redis), e = integer_of(eddy);
    int64_t tolerance = name == "ttl" ? 1 : 250;
    same = r >= 0 && e >= 0 && std::llabs(r - e) <= tolerance;
  } else if (name == "keys" && redis[0] == '*' && eddy[0] == '*') {
    same = elements(redis) == elements(eddy);
  } else if (name == "randomkey") {
    same = (redis == "$-1\r\n") == (eddy == "$-1\r\n") && redis[0] == eddy[0];
  }
  if (same) return ::testing::AssertionSuccess();
  std::string text;
  for (const std::string& a : cmd) text += "'" + escape(a) + "' ";
  return ::testing::AssertionFailure() << "command: " << text << "\n  redis: " << escape(redis)
                                       << "\n  eddy:  " << escape(eddy);
}

class DifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = std::make_unique<Process>(Process::start_redis());
    eddy_ = std::make_unique<Process>(Process::start_eddy());
  }
  static void TearDownTestSuite() {
    redis_.reset();
    eddy_.reset();
  }

  void SetUp() override {
    redis_client_ = std::make_unique<RawClient>(redis_->port());
    eddy_client_ = std::make_unique<RawClient>(eddy_->port());
    Send({"FLUSHALL"});
  }

  // Sends to both without comparing (setup steps whose replies legitimately differ).
  void Send(const Command& cmd) {
    redis_client_->command(cmd);
    eddy_client_->command(cmd);
  }

  // Runs the sequence on both servers; false at the first differing reply. The replies of an
  // EXEC are compared one by one with the rules of the commands that were queued.
  bool Compare(const std::vector<Command>& sequence, const std::string& context = "") {
    std::vector<Command> queued;
    bool in_multi = false;
    for (const Command& cmd : sequence) {
      auto r = redis_client_->command(cmd);
      auto e = eddy_client_->command(cmd);
      if (!r || !e) {
        ADD_FAILURE() << context << " no reply to " << cmd[0] << " (redis " << r.has_value()
                      << ", eddy " << e.has_value() << ")";
        return false;
      }
      if (std::getenv("EDDY_DIFF_VERBOSE")) {
        std::string text;
        for (const std::string& a : cmd) text += "'" + escape(a) + "' ";
        std::fprintf(stderr, "%s -> %s | %s\n", text.c_str(), escape(*r).c_str(),
                     escape(*e).c_str());
      }
      std::string name = lower(cmd[0]);
      auto result = name == "exec" && in_multi ? same_exec_reply(queued, *r, *e)
                                               : same_reply(cmd, *r, *e);
      EXPECT_TRUE(result) << context;
      if (!result) return false;
      if (*r == "+QUEUED\r\n") queued.push_back(cmd);
      if (name == "multi" && *r == "+OK\r\n") {
        in_multi = true;
        queued.clear();
      }
      if ((name == "exec" || name == "discard") && r->rfind("-ERR", 0) != 0) in_multi = false;
    }
    return true;
  }

  static ::testing::AssertionResult same_exec_reply(const std::vector<Command>& queued,
                                                    const std::string& redis,
                                                    const std::string& eddy) {
    if (redis[0] != '*' || eddy[0] != '*' || redis.substr(0, redis.find('\r')) !=
                                                 eddy.substr(0, eddy.find('\r')))
      return same_reply({"EXEC"}, redis, eddy);
    size_t rp = redis.find("\r\n") + 2, ep = eddy.find("\r\n") + 2;
    for (const Command& cmd : queued) {
      auto rend = reply_end(redis, rp), eend = reply_end(eddy, ep);
      if (!rend || !eend) return same_reply({"EXEC"}, redis, eddy);
      auto result = same_reply(cmd, redis.substr(rp, *rend - rp), eddy.substr(ep, *eend - ep));
      if (!result) return result << "\n  (inside EXEC)";
      rp = *rend;
      ep = *eend;
    }
    return ::testing::AssertionSuccess();
  }

  static std::unique_ptr<Process> redis_, eddy_;
  std::unique_ptr<RawClient> redis_client_, eddy_client_;
};

std::unique_ptr<Process> DifferentialTest::redis_;
std::unique_ptr<Process> DifferentialTest::eddy_;

TEST_F(DifferentialTest, Strings) {
  Compare({{"GET", "k"},
           {"SET", "k", "v"},
           {"GET", "k"},
           {"SET", "k", "v2", "XX", "GET"},
           {"SET", "k", "v3", "NX", "GET"},
           {"SET", "new", "v", "NX", "GET"},
           {"SET", "k", "v", "NX", "XX"},
           {"SET", "k", "v", "EX", "0"},
           {"SET", "k", "v", "EX", "-5"},
           {"SET", "k", "v", "EX", "abc"},
           {"SET", "k", "v", "EX"},
           {"SET", "k", "v", "KEEPTTL", "EX", "10"},
           {"SET", "k", "v", "EX", "9223372036854775807"},
           {"SET", "k", "v", "PX", "9223372036854775807"},
           {"SET", "k", "v", "EXAT", "1"},
           {"GET", "k"},
           {"SET", "k", "v", "PXAT", "99999999999999"},
           {"GET", "k"},
           {"SET", "k", "v", "FOO"},
           {"SETNX", "k", "x"},
           {"SETNX", "k2", "x"},
           {"SETEX", "k", "0", "v"},
           {"SETEX", "k", "100", "v"},
           {"PSETEX", "k", "-1", "v"},
           {"PSETEX", "k", "100000", "v"},
           {"GETSET", "k", "w"},
           {"GETSET", "nokey", "w"},
           {"GETDEL", "k"},
           {"GETDEL", "k"},
           {"GETEX", "k2"},
           {"GETEX", "k2", "PERSIST"},
           {"GETEX", "k2", "EX", "100"},
           {"GETEX", "k2", "EX", "0"},
           {"GETEX", "k2", "PERSIST", "EX", "10"},
           {"GETEX", "k2", "EXAT", "1"},
           {"GET", "k2"},
           {"GETEX", "missing", "EX", "10"},
           {"MSET", "a", "1", "b", "2"},
           {"MSET", "a", "1", "b"},
           {"MGET", "a", "b", "c"},
           {"MSETNX", "a", "1", "z", "2"},
           {"MSETNX", "x", "1", "y", "2"},
           {"MSETNX", "x"},
           {"APPEND", "a", "xyz"},
           {"APPEND", "fresh", ""},
           {"EXISTS", "fresh"},
           {"STRLEN", "a"},
           {"STRLEN", "nothing"},
           {"SET", "s", "Hello World"},
           {"GETRANGE", "s", "0", "4"},
           {"GETRANGE", "s", "-5", "-1"},
           {"GETRANGE", "s", "-1", "-5"},
           {"GETRANGE", "s", "5", "2"},
           {"GETRANGE", "s", "0", "100"},
           {"GETRANGE", "s", "-100", "-50"},
           {"GETRANGE", "nokey", "0", "-1"},
           {"GETRANGE", "s", "a", "1"},
           {"SUBSTR", "s", "0", "-1"},
           {"SETRANGE", "s", "6", "Redis"},
           {"SETRANGE", "s", "20", "!"},
           {"GET", "s"},
           {"SETRANGE", "s", "-1", "x"},
           {"SETRANGE", "empty", "5", ""},
           {"EXISTS", "empty"},
           {"SETRANGE", "s", "536870911", "xy"},
           {"SETRANGE", "s", "0", ""}});
}

TEST_F(DifferentialTest, Counters) {
  Compare({{"INCR", "n"},
           {"INCRBY", "n", "10"},
           {"DECR", "n"},
           {"DECRBY", "n", "5"},
           {"DECRBY", "n", "-9223372036854775808"},
           {"INCRBY", "n", "abc"},
           {"INCRBY", "n", "9223372036854775807"},
           {"SET", "n", "9223372036854775807"},
           {"INCR", "n"},
           {"SET", "n", "-9223372036854775808"},
           {"DECR", "n"},
           {"SET", "n", "010"},
           {"INCR", "n"},
           {"SET", "n", " 1"},
           {"INCR", "n"},
           {"SET", "n", "1 "},
           {"INCR", "n"},
           {"SET", "n", "-0"},
           {"INCR", "n"},
           {"SET", "n", "abc"},
           {"INCR", "n"},
           {"INCRBYFLOAT", "n", "1"},
           {"SET", "f", "10.5"},
           {"INCRBYFLOAT", "f", "0.1"},
           {"INCRBYFLOAT", "f", "-5"},
           {"INCRBYFLOAT", "f", "1e2"},
           {"INCRBYFLOAT", "f", "+1.5"},
           {"INCRBYFLOAT", "f", ".5"},
           {"INCRBYFLOAT", "f", "abc"},
           {"INCRBYFLOAT", "f", "inf"},
           {"INCRBYFLOAT", "f", "nan"},
           {"INCRBYFLOAT", "f", " 1"},
           {"GET", "f"},
           {"INCR", "f"},
           {"INCRBYFLOAT", "nf", "3.0e3"},
           {"INCRBYFLOAT", "nf", "-3001"},
           {"GET", "nf"},
           {"SET", "big", "17179869184"},
           {"INCRBYFLOAT", "big", "1.5"},
           {"SET", "n2", "5"},
           {"EXPIRE", "n2", "1000"},
           {"INCR", "n2"},
           {"TTL", "n2"}});
}

TEST_F(DifferentialTest, KeysAndExpiry) {
  Compare({{"SET", "a", "1"},
           {"SET", "b", "2"},
           {"DEL", "a", "a", "c"},
           {"EXISTS", "a", "b", "b"},
           {"TYPE", "b"},
           {"TYPE", "a"},
           {"KEYS", "*"},
           {"KEYS", "b*"},
           {"KEYS", "[ab]"},
           {"RENAME", "b", "c"},
           {"RENAME", "b", "c"},
           {"RENAME", "c", "c"},
           {"RENAMENX", "c", "c"},
           {"SET", "d", "4"},
           {"RENAMENX", "c", "d"},
           {"RENAMENX", "c", "e"},
           {"MOVE", "e", "1"},
           {"MOVE", "e", "1"},
           {"MOVE", "d", "0"},
           {"MOVE", "d", "16"},
           {"MOVE", "d", "abc"},
           {"SELECT", "1"},
           {"GET", "e"},
           {"SELECT", "0"},
           {"COPY", "d", "d2"},
           {"COPY", "d", "d2"},
           {"COPY", "d", "d2", "REPLACE"},
           {"COPY", "d", "d", "DB", "0"},
           {"COPY", "d", "d", "DB", "1"},
           {"COPY", "d", "x", "DB", "99"},
           {"COPY", "d", "x", "FOO"},
           {"COPY", "nokey", "x"},
           {"TOUCH", "d", "d2", "nokey"},
           {"EXPIRE", "d", "100"},
           {"TTL", "d"},
           {"PTTL", "nokey"},
           {"TTL", "d2"},
           {"EXPIRE", "d", "100", "NX"},
           {"EXPIRE", "d", "200", "XX"},
           {"EXPIRE", "d", "50", "GT"},
           {"EXPIRE", "d", "500", "GT"},
           {"EXPIRE", "d", "50", "LT"},
           {"EXPIRE", "d2", "50", "LT"},
           {"EXPIRE", "d2", "40", "GT"},
           {"EXPIRE", "d2", "60", "GT"},
           {"EXPIRE", "d", "10", "NX", "XX"},
           {"EXPIRE", "d", "10", "GT", "LT"},
           {"EXPIRE", "d", "10", "FOO"},
           {"EXPIRE", "d", "abc"},
           {"EXPIRE", "d", "9223372036854775807"},
           {"PEXPIRE", "d", "9223372036854775807"},
           {"EXPIREAT", "d", "99999999999"},
           {"EXPIRETIME", "d"},
           {"PEXPIRETIME", "d"},
           {"EXPIRETIME", "d2"},
           {"EXPIRETIME", "nokey"},
           {"PERSIST", "d"},
           {"PERSIST", "d"},
           {"TTL", "d"},
           {"PEXPIREAT", "d", "1"},
           {"EXISTS", "d"},
           {"EXPIRE", "d2", "-1"},
           {"GET", "d2"},
           {"DBSIZE"},
           {"SCAN", "abc"},
           {"SCAN", "0", "COUNT", "0"},
           {"SCAN", "0", "FOO", "bar"},
           {"RANDOMKEY"},
           {"FLUSHDB"},
           {"RANDOMKEY"},
           {"DBSIZE"}});
}

TEST_F(DifferentialTest, Transactions) {
  Compare({{"EXEC"},
           {"DISCARD"},
           {"MULTI"},
           {"MULTI"},
           {"SET", "a", "1"},
           {"INCR", "a"},
           {"GET", "a"},
           {"EXEC"},
           {"MULTI"},
           {"SET", "a"},
           {"NOSUCHCOMMAND"},
           {"EXEC"},
           {"MULTI"},
           {"SET", "x", "1"},
           {"DISCARD"},
           {"GET", "x"},
           {"MULTI"},
           {"SET", "s", "str"},
           {"INCR", "s"},
           {"GET", "s"},
           {"EXEC"},
           {"WATCH", "w"},
           {"MULTI"},
           {"WATCH", "w"},
           {"SET", "w", "1"},
           {"EXEC"},
           {"UNWATCH"}});
}

TEST_F(DifferentialTest, WatchedKeyTouchedByAnotherClientAbortsExec) {
  RawClient redis_other(redis_->port()), eddy_other(eddy_->port());
  Compare({{"SET", "w", "0"}, {"WATCH", "w"}});
  redis_other.command({"SET", "w", "1"});
  eddy_other.command({"SET", "w", "1"});
  Compare({{"MULTI"}, {"INCR", "w"}, {"EXEC"}, {"GET", "w"}});
}

TEST_F(DifferentialTest, ServerAndErrors) {
  Compare({{"PING"},
           {"PING", "hello"},
           {"PING", "a", "b"},
           {"ECHO", "x"},
           {"ECHO"},
           {"GET"},
           {"GET", "a", "b"},
           {"SET", "k"},
           {"nosuchcommand", "a", "b"},
           {"nosuchcommand"},
           {"SELECT", "16"},
           {"SELECT", "-1"},
           {"SELECT", "abc"},
           {"SELECT", "1"},
           {"SET", "in1", "x"},
           {"DBSIZE"},
           {"SWAPDB", "0", "1"},
           {"DBSIZE"},
           {"SWAPDB", "0", "x"},
           {"SWAPDB", "x", "0"},
           {"SWAPDB", "0", "16"},
           {"SELECT", "0"},
           {"GET", "in1"},
           {"FLUSHALL", "FOO"},
           {"FLUSHDB", "ASYNC"},
           {"DBSIZE"},
           {"CONFIG", "GET", "maxmemory"},
           {"CONFIG", "SET", "maxmemory", "abc"},
           {"CONFIG", "SET", "nosuchdirective", "1"},
           {"CONFIG", "SET", "maxmemory"},
           {"CONFIG", "SET", "maxmemory", "1mb", "maxmemory", "2mb"},
           {"CONFIG", "SET", "maxmemory-policy", "nonsense"},
           {"CONFIG", "SET", "timeout", "abc"},
           {"CONFIG", "SET", "maxmemory", "1mb"},
           {"CONFIG", "GET", "maxmemory"},
           {"CONFIG", "SET", "maxmemory", "0"},
           {"CONFIG", "FOO"},
           {"CONFIG"},
           {"CLIENT", "SETNAME", "has space"},
           {"CLIENT", "SETNAME", "fine"},
           {"CLIENT", "GETNAME"},
           {"CLIENT", "NOSUCH"},
           {"OBJECT", "ENCODING", "nokey"},
           {"AUTH", "pass"},
           {"HELLO", "4"},
           {"HELLO", "abc"},
           {"COMMAND", "INFO", "nosuchcommand"},
           {"COMMAND", "GETKEYS", "SET", "a", "b"},
           {"COMMAND", "GETKEYS", "MSET", "a", "b", "c", "d"}});
}

TEST_F(DifferentialTest, Resp3Replies) {
  Send({"HELLO", "3"});
  Compare({{"GET", "missing"},
           {"SET", "a", "1"},
           {"MGET", "a", "missing"},
           {"CONFIG", "GET", "maxmemory"},
           {"WATCH", "a"},
           {"SET", "a", "2"},
           {"MULTI"},
           {"GET", "a"},
           {"EXEC"},
           {"DEL", "a"},
           {"GETEX", "a"}});
  Send({"HELLO", "2"});
}

TEST_F(DifferentialTest, BinaryAndLargeValues) {
  std::string binary("a\0b\r\n\xff", 6);
  std::string large(100000, 'x');
  std::string compressible;
  for (int i = 0; i < 2000; ++i) compressible += "{\"sensor\":" + std::to_string(i % 7) + "}";
  Compare({{"SET", binary, binary},
           {"GET", binary},
           {"APPEND", binary, binary},
           {"STRLEN", binary},
           {"SET", "large", large},
           {"GET", "large"},
           {"GETRANGE", "large", "99990", "-1"},
           {"SET", "json", compressible},
           {"GET", "json"},
           {"STRLEN", "json"},
           {"SETRANGE", "json", "10", "zzz"},
           {"GETRANGE", "json", "0", "30"}});
}

// --- Random sequences ----------------------------------------------------------------------

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Command next() {
    static const std::vector<std::string> kNames = {
        "GET", "SET", "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX", "MGET", "MSET",
        "MSETNX", "APPEND", "STRLEN", "GETRANGE", "SUBSTR", "SETRANGE", "INCR", "INCRBY", "DECR",
        "DECRBY", "INCRBYFLOAT", "DEL", "UNLINK", "EXISTS", "TYPE", "RENAME", "RENAMENX", "MOVE",
        "COPY", "TOUCH", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "PERSIST", "TTL", "SELECT",
        "SWAPDB", "DBSIZE", "ECHO", "PING", "KEYS", "MULTI", "EXEC", "DISCARD", "FLUSHDB"};
    const std::string& name = kNames[rng_() % kNames.size()];
    // INCRBYFLOAT works on its own key, whose values stay where long double and eddy's exact
    // decimals agree (a documented departure: beyond 17 significant digits they differ).
    if (name == "INCRBYFLOAT" || rng_() % 25 == 0) {
      static const std::vector<std::string> kFloatValues = {"", "abc", "1.5", "1e3", " 1",
                                                            "10", "-3", "0.25"};
      if (name != "INCRBYFLOAT") return {"SET", "fl", pick(kFloatValues)};
      return {"INCRBYFLOAT", "fl", argument(name, 1)};
    }
    Command cmd{name};
    int argc = static_cast<int>(rng_() % 5);
    if (rng_() % 10 != 0) argc = natural_arity(name);
    for (int i = 0; i < argc; ++i) cmd.push_back(argument(name, i));
    return cmd;
  }

 private:
  int natural_arity(const std::string& name) {
    if (name == "SET") return 2 + static_cast<int>(rng_() % 4);
    if (name == "GETEX") return 1 + static_cast<int>(rng_() % 3);
    if (name == "MSET" || name == "MSETNX") return 2 * (1 + static_cast<int>(rng_() % 3));
    if (name == "MGET" || name == "DEL" || name == "UNLINK" || name == "EXISTS" || name == "TOUCH")
      return 1 + static_cast<int>(rng_() % 3);
    if (name == "EXPIRE" || name == "PEXPIRE" || name == "EXPIREAT" || name == "PEXPIREAT")
      return 2 + static_cast<int>(rng_() % 2);
    if (name == "COPY") return 2 + static_cast<int>(rng_() % 3);
    static const std::vector<std::pair<std::string, int>> kArity = {
        {"GET", 1}, {"SETNX", 2}, {"SETEX", 3}, {"PSETEX", 3}, {"GETSET", 2}, {"GETDEL", 1},
        {"APPEND", 2}, {"STRLEN", 1}, {"GETRANGE", 3}, {"SUBSTR", 3}, {"SETRANGE", 3},
        {"INCR", 1}, {"INCRBY", 2}, {"DECR", 1}, {"DECRBY", 2}, {"INCRBYFLOAT", 2}, {"TYPE", 1},
        {"RENAME", 2}, {"RENAMENX", 2}, {"MOVE", 2}, {"PERSIST", 1}, {"TTL", 1}, {"SELECT", 1},
        {"SWAPDB", 2}, {"DBSIZE", 0}, {"ECHO", 1}, {"PING", 0}, {"KEYS", 1}, {"MULTI", 0},
        {"EXEC", 0}, {"DISCARD", 0}, {"FLUSHDB", 0}};
    for (auto& [n, a] : kArity)
      if (n == name) return a;
    return 1;
  }

  std::string pick(const std::vector<std::string>& pool) { return pool[rng_() % pool.size()]; }

  std::string argument(const std::string& name, int index) {
    static const std::vector<std::string> kKeys = {"k1", "k2", "k3", "n", "f"};
    static const std::vector<std::string> kValues = {
        "", "v", "10", "-3", "010", " 1", "1.5", "1e3", "abc", "99999999999999999999",
        std::string("bin\0\r\n\xff", 7), std::string(80, 'L'), "9223372036854775807"};
    static const std::vector<std::string> kInts = {"0", "1", "-1", "5", "100", "abc", "-100",
                                                   "9223372036854775807", "1000000", "3"};
    // Dyadic fractions only: Redis's long double holds them exactly, so its printed results are
    // exact too (0.1 is not: Redis prints 999.90000000000000002 where eddy prints 999.9).
    static const std::vector<std::string> kFloats = {"0.5", "-1.25", "3", "1e2", "abc", "inf",
                                                     "-0.75", "10"};
    static const std::vector<std::string> kSetOptions = {"NX", "XX", "GET", "KEEPTTL", "EX",
                                                         "PX", "1000000", "100000", "EXAT",
                                                         "PERSIST"};
    static const std::vector<std::string> kExpireOptions = {"NX", "XX", "GT", "LT", "FOO"};
    bool first_is_key = name != "SELECT" && name != "SWAPDB" && name != "ECHO" && name != "PING" &&
                        name != "KEYS";
    if (index == 0 && first_is_key) return pick(kKeys);
    if (name == "SELECT" || name == "SWAPDB" || (name == "MOVE" && index == 1))
      return pick({"0", "1", "2", "16", "x", "-1"});
    if (name == "KEYS") return pick({"*", "k*", "?", "[kn]*", "nomatch"});
    if (name == "MSET" || name == "MSETNX" || name == "MGET" || name == "DEL" ||
        name == "UNLINK" || name == "EXISTS" || name == "TOUCH")
      return (index % 2 == 0 || name == "MGET" || name == "DEL" || name == "UNLINK" ||
              name == "EXISTS" || name == "TOUCH")
                 ? pick(kKeys)
                 : pick(kValues);
    if (name == "RENAME" || name == "RENAMENX" || (name == "COPY" && index == 1))
      return pick(kKeys);
    if (name == "COPY") return pick({"REPLACE", "DB", "1", "FOO"});
    if (name == "SET" || name == "GETEX") return index == 1 && name == "SET" ? pick(kValues)
                                                                             : pick(kSetOptions);
    // Expiry times are far (>= 100 s) or invalid or past: a TTL that could run out between the
    // two servers' executions would make the replies legitimately differ.
    if (name == "SETEX" || name == "PSETEX")
      return index == 1 ? pick({"0", "-1", "abc", "100000", "9223372036854775807"}) : pick(kValues);
    if (name == "GETRANGE" || name == "SUBSTR") return pick(kInts);
    if (name == "SETRANGE") return index == 1 ? pick({"0", "3", "-1", "x", "20"}) : pick(kValues);
    if (name == "INCRBY" || name == "DECRBY") return pick(kInts);
    if (name == "INCRBYFLOAT") return pick(kFloats);
    if (name == "EXPIRE" || name == "PEXPIRE")
      return index == 1 ? pick({"100000", "1000000", "-1", "0", "abc", "200000"})
                        : pick(kExpireOptions);
    if (name == "EXPIREAT" || name == "PEXPIREAT")
      return index == 1 ? pick({"1", "99999999999", "abc"}) : pick(kExpireOptions);
    return pick(kValues);
  }

  std::mt19937_64 rng_;
};

TEST_F(DifferentialTest, RandomSequences) {
  const char* seed_env = std::getenv("EDDY_DIFF_SEED");
  const char* rounds_env = std::getenv("EDDY_DIFF_ROUNDS");
  uint64_t base = seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
  int rounds = seed_env ? 1 : (rounds_env ? std::atoi(rounds_env) : 1000);
  for (int round = 0; round < rounds; ++round) {
    uint64_t seed = base + static_cast<uint64_t>(round);
    Send({"DISCARD"});
    Send({"SELECT", "0"});
    Send({"FLUSHALL"});
    Generator gen(seed);
    std::vector<Command> sequence;
    for (int i = 0; i < 60; ++i) sequence.push_back(gen.next());
    if (!Compare(sequence, "seed " + std::to_string(seed) + " (replay: EDDY_DIFF_SEED=" +
                               std::to_string(seed) + ")"))
      return;
  }
}

}  // namespace
}  // namespace eddy::testing
