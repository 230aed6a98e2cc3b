// SLOWLOG, LATENCY, MONITOR, INFO's fields and the Prometheus endpoint: in-process through the
// real dispatch path where the reply is deterministic, and against redis-server 7.0 over real
// sockets where Redis's behaviour is the reference (timestamps, durations and ports masked).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "commands/observability.h"
#include "server/http_request.h"
#include "tests/family_test.h"
#include "tests/process.h"

namespace eddy::testing {
namespace {

// ---------------------------------------------------------------------------------------------
// In process

class ObservabilityFamilyTest : public FamilyTest {
 protected:
  ObservabilityFamilyTest() {
    client_.addr = "127.0.0.1:5555";
    Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
    Run({"SLOWLOG", "RESET"});
  }
  // The arguments of the newest slowlog entries, newest first (SLOWLOG GET's own call is
  // logged after its reply, so it is not among them).
  std::vector<std::vector<std::string>> SlowlogArgs(const std::string& count = "-1") {
    std::vector<std::vector<std::string>> out;
    for (const Reply& e : Run({"SLOWLOG", "GET", count}).elements) out.push_back(e.elements[3].strings());
    return out;
  }
};

TEST_F(ObservabilityFamilyTest, SlowlogEntryHasRedisShape) {
  Run({"CLIENT", "SETNAME", "foobar"});
  AdvanceTime(1500);
  Run({"SET", "k", "v"});
  Reply get = Run({"SLOWLOG", "GET", "1"});
  ASSERT_EQ(get.type, '*');
  ASSERT_EQ(get.elements.size(), 1u);
  const Reply& e = get.elements[0];
  ASSERT_EQ(e.elements.size(), 6u);
  // config set (0), slowlog reset (1), client setname (2), set (3)
  EXPECT_THAT(e.elements[0], IsInt(3));
  EXPECT_THAT(e.elements[1], IsInt(clock_.now_us() / 1000000));
  EXPECT_THAT(e.elements[2], IsInt(0));  // the manual clock does not move during a command
  EXPECT_THAT(e.elements[3], IsArray(std::vector<std::string>{"SET", "k", "v"}));
  EXPECT_THAT(e.elements[4], IsBulk("127.0.0.1:5555"));
  EXPECT_THAT(e.elements[5], IsBulk("foobar"));
}

TEST_F(ObservabilityFamilyTest, SlowlogTrimsArgumentsAsRedis) {
  std::vector<std::string> rpush = {"RPUSH", "list"};
  for (int i = 3; i <= 33; ++i) rpush.push_back(std::to_string(i));
  Run(rpush);
  std::vector<std::string> expected(rpush.begin(), rpush.begin() + 31);
  expected.push_back("... (2 more arguments)");
  EXPECT_EQ(SlowlogArgs("1")[0], expected);

  Run({"RPUSH", "list", "foo", std::string(129, 'A')});
  EXPECT_EQ(SlowlogArgs("1")[0], (std::vector<std::string>{"RPUSH", "list", "foo",
                                                            std::string(128, 'A') +
                                                                "... (1 more bytes)"}));
  Run({"SET", "k", std::string(128, 'B')});
  EXPECT_EQ(SlowlogArgs("1")[0], (std::vector<std::string>{"SET", "k", std::string(128, 'B')}));
}

TEST_F(ObservabilityFamilyTest, SlowlogMaxLenGetCountLenAndReset) {
  Run({"CONFIG", "SET", "slowlog-max-len", "10"});
  for (int i = 0; i < 100; ++i) Run({"PING"});
  EXPECT_THAT(Run({"SLOWLOG", "LEN"}), IsInt(10));
  EXPECT_EQ(Run({"SLOWLOG", "GET", "5"}).elements.size(), 5u);
  EXPECT_EQ(Run({"SLOWLOG", "GET"}).elements.size(), 10u);  // the default count is 10
  EXPECT_EQ(Run({"SLOWLOG", "GET", "-1"}).elements.size(), 10u);
  EXPECT_EQ(Run({"SLOWLOG", "GET", "0"}).elements.size(), 0u);
  EXPECT_THAT(Run({"SLOWLOG", "GET", "-2"}),
              IsError("ERR count should be greater than or equal to -1"));
  EXPECT_THAT(Run({"SLOWLOG", "GET", "x"}),
              IsError("ERR count should be greater than or equal to -1"));
  EXPECT_THAT(Run({"SLOWLOG", "GET", "1", "2"}),
              IsError("ERR unknown subcommand or wrong number of arguments for 'GET'. Try "
                      "SLOWLOG HELP."));
  EXPECT_THAT(Run({"SLOWLOG", "LEN", "x"}),
              IsError("ERR wrong number of arguments for 'slowlog|len' command"));
  // Shrinking the log takes effect at the next entry, as in Redis.
  Run({"CONFIG", "SET", "slowlog-max-len", "1"});
  EXPECT_THAT(Run({"SLOWLOG", "LEN"}), IsInt(1));
  EXPECT_THAT(Run({"SLOWLOG", "RESET"}), IsSimple("OK"));
  Run({"CONFIG", "SET", "slowlog-log-slower-than", "-1"});
  EXPECT_THAT(Run({"SLOWLOG", "LEN"}), IsInt(1));  // the RESET, logged after it ran
  Run({"SLOWLOG", "RESET"});
  Run({"PING"});
  EXPECT_THAT(Run({"SLOWLOG", "LEN"}), IsInt(0));
  EXPECT_THAT(Run({"CONFIG", "SET", "slowlog-log-slower-than", "-2"}),
              IsError("ERR CONFIG SET failed (possibly related to argument "
                      "'slowlog-log-slower-than') - argument must be between -1 and "
                      "9223372036854775807 inclusive"));
  EXPECT_THAT(Run({"CONFIG", "GET", "slowlog-*"}),
              IsArray(std::vector<std::string>{"slowlog-log-slower-than", "-1",
                                               "slowlog-max-len", "1"}));
}

TEST_F(ObservabilityFamilyTest, SlowlogLogsTheCommandsOfExecNotExec) {
  Run({"MULTI"});
  Run({"SET", "a", "1"});
  Run({"INCR", "a"});
  Run({"EXEC"});
  EXPECT_EQ(SlowlogArgs(), (std::vector<std::vector<std::string>>{
                               {"INCR", "a"}, {"SET", "a", "1"}, {"MULTI"}, {"SLOWLOG", "RESET"}}));
}

TEST_F(ObservabilityFamilyTest, SecretsAreRedacted) {
  Run({"AUTH", "secret"});
  Run({"AUTH", "user", "secret"});
  Run({"HELLO", "2", "AUTH", "default", "secret", "SETNAME", "n"});
  Run({"CONFIG", "SET", "requirepass", "", "slowlog-max-len", "128"});
  Run({"ACL", "SETUSER", "slowlog test user", "+get", ">secret"});
  Run({"ACL", "SETUSER", "u1", "on", ">secret"});
  const std::vector<std::vector<std::string>> expected = {
      {"ACL", "SETUSER", "(redacted)", "(redacted)", "(redacted)"},
      {"ACL", "SETUSER", "(redacted)", "(redacted)", "(redacted)"},
      {"CONFIG", "SET", "requirepass", "(redacted)", "slowlog-max-len", "128"},
      {"HELLO", "2", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n"},
      {"AUTH", "(redacted)", "(redacted)"},
      {"AUTH", "(redacted)"},
      {"SLOWLOG", "RESET"}};
  EXPECT_EQ(SlowlogArgs(), expected);
}

// A MONITOR client receives a line per command, in Redis's exact format.
TEST_F(ObservabilityFamilyTest, MonitorLinesAndRestrictions) {
  commands::Client monitor;
  monitor.addr = "127.0.0.1:6000";
  std::string fed;
  monitor.send_async = [&](std::string_view bytes) { fed.append(bytes); };
  engine_.connect(monitor);
  std::string out;
  auto run_as_monitor = [&](std::initializer_list<std::string_view> argv) {
    std::vector<std::string_view> args(argv);
    out.clear();
    commands::ReplyBuilder reply(out, monitor.resp);
    engine_.execute(monitor, args, reply);
    return out;
  };
  EXPECT_EQ(run_as_monitor({"MONITOR"}), "+OK\r\n");
  EXPECT_EQ(run_as_monitor({"MONITOR"}), "");  // ignored, as Redis does
  clock_.set_ms(1'700'000'000'123);
  Run({"SET", "k", std::string("a\0\"\\\n\r\t\a\b\xff b", 12)});
  Run({"SELECT", "3"});
  Run({"CONFIG", "GET", "port"});  // admin: not shown
  Run({"NOSUCH"});                  // never ran: not shown
  EXPECT_EQ(fed,
            "+1700000000.123000 [0 127.0.0.1:5555] \"SET\" \"k\" "
            "\"a\\x00\\\"\\\\\\n\\r\\t\\a\\b\\xff b\"\r\n"
            "+1700000000.123000 [3 127.0.0.1:5555] \"SELECT\" \"3\"\r\n");
  EXPECT_EQ(run_as_monitor({"GET", "k"}), "-ERR Replica can't interact with the keyspace\r\n");
  const std::string list = Run({"CLIENT", "LIST"}).str;
  const size_t line = list.find("addr=127.0.0.1:6000 ");
  ASSERT_NE(line, std::string::npos);
  EXPECT_NE(list.substr(line, list.find('\n', line) - line).find(" flags=O "), std::string::npos);
  EXPECT_EQ(run_as_monitor({"RESET"}), "+RESET\r\n");
  fed.clear();
  Run({"PING"});
  EXPECT_EQ(fed, "");
  engine_.disconnect(monitor);
}

TEST(LatencyMonitorTest, KeepsTheWorstOfEachSecondFor160Seconds) {
  commands::LatencyMonitor latency;
  latency.threshold_ms = 5;
  latency.add_if_needed("command", 4, 100);  // under the threshold
  EXPECT_EQ(latency.find("command"), nullptr);
  latency.add_if_needed("command", 7, 100);
  latency.add_if_needed("command", 9, 100);
  latency.add_if_needed("command", 6, 100);
  const auto* series = latency.find("command");
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->latest().time_s, 100);
  EXPECT_EQ(series->latest().ms, 9);
  for (int64_t t = 101; t <= 300; ++t) latency.add("command", t == 150 ? 50 : 6, t);
  size_t used = 0;
  for (const auto& s : series->samples) used += s.time_s != 0;
  EXPECT_EQ(used, commands::LatencyMonitor::kSamples);
  EXPECT_EQ(series->max_ms, 50);
  EXPECT_EQ(series->latest().time_s, 300);
  const std::vector<std::string_view> none, other = {"fork"}, both = {"command", "fork"};
  EXPECT_EQ(latency.reset(other), 0u);
  EXPECT_EQ(latency.reset(both), 1u);
  EXPECT_EQ(latency.reset(none), 0u);
}

TEST(LatencyMonitorTest, DoctorSpeaksHonestly) {
  commands::LatencyMonitor latency;
  EXPECT_NE(latency.doctor(10, 10000).find("Latency monitoring is disabled"), std::string::npos);
  latency.threshold_ms = 1;
  EXPECT_NE(latency.doctor(10, 10000).find("no latency spike was observed"), std::string::npos);
  latency.add("command", 200, 8);
  latency.add("command", 100, 9);
  const std::string report = latency.doctor(10, 10000);
  EXPECT_NE(report.find("1. command: 2 latency spikes (average 150ms, mean deviation 50ms, "
                        "period 1.00 sec). Worst all time event 200ms."),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("CONFIG SET slowlog-log-slower-than 1000"), std::string::npos) << report;
}

TEST(HttpRequestTest, ParsesHeadsInPiecesAndRefusesTheMalformed) {
  using server::HttpParse;
  server::HttpRequest r;
  const std::string head = "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
  for (size_t n = 0; n < head.size(); ++n)
    EXPECT_EQ(server::parse_http_request(head.substr(0, n), 8192, r), HttpParse::kNeedMore) << n;
  const std::string with_body = head + "body";
  ASSERT_EQ(server::parse_http_request(with_body, 8192, r), HttpParse::kComplete);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/metrics?x=1");
  EXPECT_EQ(server::http_path(r.target), "/metrics");
  EXPECT_EQ(r.version, "HTTP/1.1");
  EXPECT_EQ(r.head_bytes, head.size());
  EXPECT_EQ(server::parse_http_request("\r\nGET / HTTP/1.0\n\n", 8192, r), HttpParse::kComplete);
  const std::vector<std::string> bad_heads = {
       "GET /metrics HTTP/2.0\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n",
        "GET /metrics\r\n\r\n", "GET /met rics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost : a\r\n\r\n", "GET /metrics HTTP/1.1\r\n folded\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n", "G\x01T / HTTP/1.1\r\n\r\n",
        std::string("GET /metrics HTTP/1.1\r\nX: a") + '\0' + "b\r\n\r\n",
        "GET /metrics HTTP/1.1\rX\r\n\r\n"};
  for (const std::string& bad : bad_heads)
    EXPECT_EQ(server::parse_http_request(bad, 8192, r), HttpParse::kBad) << escape(bad);
  // A head that does not end within the limit.
  EXPECT_EQ(server::parse_http_request("GET / HTTP/1.1\r\nX: " + std::string(100, 'a'), 64, r),
            HttpParse::kBad);
  EXPECT_EQ(server::parse_http_request(std::string(64, '\n'), 64, r), HttpParse::kBad);
}

// ---------------------------------------------------------------------------------------------
// Against redis-server 7.0

Reply parse(const std::optional<std::string>& raw) {
  EXPECT_TRUE(raw.has_value());
  size_t pos = 0;
  return raw ? parse_reply(*raw, pos) : Reply{};
}

// Replaces every integer reply and every port of 127.0.0.1 by '#': what stays is the shape.
std::string masked(const std::string& raw) {
  static const std::regex integer(":-?[0-9]+\r\n"), port("127\\.0\\.0\\.1:[0-9]+");
  return std::regex_replace(std::regex_replace(raw, integer, ":#\r\n"), port, "127.0.0.1:#");
}

class ObservabilityProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = std::make_unique<Process>(Process::start_redis({"--enable-debug-command", "yes"}));
    eddy_ = std::make_unique<Process>(Process::start_eddy());
  }
  static void TearDownTestSuite() {
    redis_.reset();
    eddy_.reset();
  }
  // The bytes each server answers to the same commands, on one connection per server.
  static std::pair<std::string, std::string> Both(
      RawClient& r, RawClient& e, const std::vector<std::vector<std::string>>& commands) {
    std::string from_redis, from_eddy;
    for (const auto& argv : commands) {
      from_redis += r.command(argv).value_or("(timeout)");
      from_eddy += e.command(argv).value_or("(timeout)");
    }
    return {from_redis, from_eddy};
  }
  // Waits until a client is blocked in `command`; CLIENT LIST, an admin command, is not shown
  // to monitors.
  static bool WaitBlocked(RawClient& c, const std::string& command) {
    for (int i = 0; i < 300; ++i) {
      std::istringstream list(parse(c.command({"CLIENT", "LIST"})).str);
      for (std::string line; std::getline(list, line);)
        if (line.find(" flags=b ") != std::string::npos &&
            line.find(" cmd=" + command + " ") != std::string::npos)
          return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  static std::unique_ptr<Process> redis_, eddy_;
};

std::unique_ptr<Process> ObservabilityProcessTest::redis_;
std::unique_ptr<Process> ObservabilityProcessTest::eddy_;

TEST_F(ObservabilityProcessTest, SlowlogMatchesRedis) {
  RawClient r(redis_->port()), e(eddy_->port());
  std::vector<std::string> rpush = {"RPUSH", "list"};
  for (int i = 3; i <= 33; ++i) rpush.push_back(std::to_string(i));
  const std::vector<std::vector<std::string>> commands = {
      {"CONFIG", "SET", "slowlog-log-slower-than", "0"},
      {"CONFIG", "SET", "slowlog-max-len", "128"},
      {"SLOWLOG", "RESET"},
      {"CLIENT", "SETNAME", "obs-test"},
      rpush,
      {"SET", "k", std::string(129, 'A')},
      {"MULTI"},
      {"SET", "a", "1"},
      {"GET", "a"},
      {"EXEC"},
      {"AUTH", "nopass"},
      {"HELLO", "2", "AUTH", "default", "wrong"},
      {"CONFIG", "SET", "requirepass", ""},
      {"ACL", "SETUSER", "obs-user", "+get", ">secret"},
      {"SLOWLOG", "GET", "-1"},
      {"SLOWLOG", "LEN"},
      {"SLOWLOG", "GET", "2"},
      {"SLOWLOG", "GET", "-2"},
      {"SLOWLOG", "GET", "1", "2"},
      {"CONFIG", "SET", "slowlog-max-len", "3"},
      {"SLOWLOG", "LEN"},
      {"SLOWLOG", "GET"},
      {"SLOWLOG", "RESET"},
      {"CONFIG", "SET", "slowlog-log-slower-than", "-1"},
      {"SLOWLOG", "RESET"},
      {"PING"},
      {"SLOWLOG", "LEN"},
      {"CONFIG", "SET", "slowlog-max-len", "128"},
  };
  auto [from_redis, from_eddy] = Both(r, e, commands);
  EXPECT_EQ(escape(masked(from_redis)), escape(masked(from_eddy)));
}

// A blocked command is logged once it is served, with its own arguments (Redis's test).
TEST_F(ObservabilityProcessTest, ServedBlockedCommandIsLoggedAsSent) {
  for (const Process* p : {redis_.get(), eddy_.get()}) {
    RawClient c(p->port()), blocked(p->port());
    c.command({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
    c.command({"DEL", "l"});
    blocked.send(encode_command({"BLPOP", "l", "0"}));
    ASSERT_TRUE(WaitBlocked(c, "blpop"));
    c.command({"MULTI"});
    c.command({"LPUSH", "l", "foo"});
    c.command({"SLOWLOG", "RESET"});
    c.command({"EXEC"});
    EXPECT_EQ(blocked.read_reply(), "*2\r\n$1\r\nl\r\n$3\r\nfoo\r\n");
    const Reply log = parse(c.command({"SLOWLOG", "GET"}));
    ASSERT_GE(log.elements.size(), 2u) << p->port();
    EXPECT_EQ(log.elements[0].elements[3].strings(),
              (std::vector<std::string>{"BLPOP", "l", "0"}));
    EXPECT_EQ(log.elements[1].elements[3].strings(), (std::vector<std::string>{"SLOWLOG", "RESET"}));
    c.command({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
  }
}

// Redis's tests/unit/slowlog.tcl, the parts that need a command that really takes time.
TEST_F(ObservabilityProcessTest, SlowlogOfSlowCommands) {
  RawClient c(eddy_->port());
  c.command({"CONFIG", "SET", "slowlog-log-slower-than", "100000"});
  c.command({"SLOWLOG", "RESET"});
  c.command({"PING"});
  EXPECT_EQ(c.command({"SLOWLOG", "LEN"}), ":0\r\n");
  c.command({"CLIENT", "SETNAME", "foobar"});
  c.command({"DEBUG", "SLEEP", "0.2"});
  EXPECT_EQ(c.command({"SLOWLOG", "LEN"}), ":1\r\n");
  Reply entry = parse(c.command({"SLOWLOG", "GET"})).elements.at(0);
  ASSERT_EQ(entry.elements.size(), 6u);
  EXPECT_GT(entry.elements[2].integer, 100000);
  EXPECT_EQ(entry.elements[3].strings(), (std::vector<std::string>{"DEBUG", "SLEEP", "0.2"}));
  EXPECT_EQ(entry.elements[5].str, "foobar");
  // EXEC is not logged, only the commands it ran.
  c.command({"SLOWLOG", "RESET"});
  c.command({"MULTI"});
  c.command({"DEBUG", "SLEEP", "0.2"});
  c.command({"EXEC"});
  EXPECT_EQ(c.command({"SLOWLOG", "LEN"}), ":1\r\n");
  entry = parse(c.command({"SLOWLOG", "GET"})).elements.at(0);
  EXPECT_EQ(entry.elements[3].strings(), (std::vector<std::string>{"DEBUG", "SLEEP", "0.2"}));
  // Older entries are cleaned.
  c.command({"CLIENT", "SETNAME", "lastentry_client"});
  c.command({"CONFIG", "SET", "slowlog-max-len", "1"});
  c.command({"DEBUG", "SLEEP", "0.2"});
  const Reply all = parse(c.command({"SLOWLOG", "GET"}));
  ASSERT_EQ(all.elements.size(), 1u);
  EXPECT_EQ(all.elements[0].elements[5].str, "lastentry_client");
  c.command({"CONFIG", "SET", "slowlog-max-len", "128"});
  c.command({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
}

TEST_F(ObservabilityProcessTest, LatencyMatchesRedis) {
  RawClient r(redis_->port()), e(eddy_->port());
  auto [before_redis, before_eddy] = Both(r, e, {{"LATENCY", "RESET"},
                                                  {"CONFIG", "SET", "latency-monitor-threshold", "1"},
                                                  {"DEBUG", "SLEEP", "0.05"}});
  (void)before_redis;
  (void)before_eddy;
  const Reply latest = parse(e.command({"LATENCY", "LATEST"}));
  ASSERT_EQ(latest.elements.size(), 1u);
  EXPECT_EQ(latest.elements[0].elements[0].str, "command");
  EXPECT_GE(latest.elements[0].elements[2].integer, 50);
  EXPECT_EQ(latest.elements[0].elements[2].integer, latest.elements[0].elements[3].integer);
  auto [from_redis, from_eddy] =
      Both(r, e,
           {{"LATENCY", "LATEST"}, {"LATENCY", "HISTORY", "command"}, {"LATENCY", "HISTORY", "nosuch"},
            {"LATENCY", "HISTORY"}, {"LATENCY", "RESET", "nosuch", "other"}, {"LATENCY", "RESET"},
            {"LATENCY", "LATEST"}, {"CONFIG", "SET", "latency-monitor-threshold", "0"},
            {"CONFIG", "GET", "latency-monitor-threshold"},
            {"CONFIG", "SET", "latency-monitor-threshold", "-1"}});
  EXPECT_EQ(escape(masked(from_redis)), escape(masked(from_eddy)));
}

// Reads MONITOR's lines until none comes for a while.
std::vector<std::string> monitor_lines(RawClient& monitor) {
  std::vector<std::string> lines;
  while (auto reply = monitor.read_reply(500)) lines.push_back(*reply);
  return lines;
}

// Masks the timestamp (checking its form) and names the ports in the order they appear.
std::vector<std::string> normalized(const std::vector<std::string>& lines) {
  static const std::regex head("^\\+([0-9]{10})\\.([0-9]{6}) \\[([0-9]+) 127\\.0\\.0\\.1:([0-9]+)\\]");
  std::map<std::string, std::string> ports;
  std::vector<std::string> out;
  for (const std::string& line : lines) {
    std::smatch m;
    if (!std::regex_search(line, m, head)) {
      out.push_back(line);
      continue;
    }
    auto [it, added] = ports.emplace(m[4].str(), "P" + std::to_string(ports.size() + 1));
    out.push_back("+T [" + m[3].str() + " " + it->second + "]" + m.suffix().str());
  }
  return out;
}

TEST_F(ObservabilityProcessTest, MonitorLinesMatchRedisByteForByte) {
  std::vector<std::string> result[2];
  const Process* servers[2] = {redis_.get(), eddy_.get()};
  for (int i = 0; i < 2; ++i) {
    RawClient monitor(servers[i]->port()), c(servers[i]->port()), blocked(servers[i]->port());
    c.command({"FLUSHALL"});
    EXPECT_EQ(monitor.command({"MONITOR"}), "+OK\r\n");
    const std::vector<std::vector<std::string>> commands = {
        {"SET", "k", "v"},
        {"GET", "k"},
        {"SET", "bin", std::string("a\0\"\\\n\r\t\a\b\x7f\xff b", 13)},
        {"MULTI"},
        {"INCR", "n"},
        {"GET", "n"},
        {"EXEC"},
        {"AUTH", "pw"},
        {"AUTH", "u", "pw"},
        {"HELLO", "3", "AUTH", "default", "x"},
        {"HELLO", "2"},
        {"SELECT", "3"},
        {"SET", "x", "1"},
        {"CONFIG", "GET", "port"},
        {"CLIENT", "SETNAME", "foo"},
        {"NOSUCH"},
        {"GET"},
        {"PING"},
        {"SLOWLOG", "LEN"},
        {"EXPIRE", "x", "100"},
        {"SET", "num", "12345"},
        {"SELECT", "0"},
    };
    for (const auto& argv : commands) c.command(argv);
    c.send("set  a   'b c'\r\n");  // inline
    c.read_reply();
    blocked.send(encode_command({"BLPOP", "list", "0"}));
    ASSERT_TRUE(WaitBlocked(c, "blpop"));
    c.command({"RPUSH", "list", "x"});
    blocked.read_reply();
    // The monitor's own commands: shown after their reply; the keyspace is refused to it.
    monitor.send(encode_command({"PING"}) + encode_command({"GET", "k"}));
    result[i] = normalized(monitor_lines(monitor));
    // A second MONITOR is ignored without a reply; RESET leaves monitor mode.
    monitor.send(encode_command({"MONITOR"}) + encode_command({"RESET"}));
    EXPECT_EQ(monitor.read_reply(), "+RESET\r\n");
    c.command({"PING"});
    EXPECT_EQ(monitor.read_reply(300), std::nullopt);
  }
  EXPECT_EQ(result[0], result[1]);
  EXPECT_EQ(result[1].size(), 24u);
}

// Redis 7.0's fields of the server, clients and stats sections that eddy prints come in Redis's
// order, and those it can give a true value for are there.
TEST_F(ObservabilityProcessTest, InfoFieldsFollowRedis) {
  auto names = [](const Process& p, const std::string& section) {
    RawClient c(p.port());
    std::istringstream text(parse(c.command({"INFO", section})).str);
    std::vector<std::string> out;
    for (std::string line; std::getline(text, line);)
      if (!line.empty() && line[0] != '#') out.push_back(line.substr(0, line.find(':')));
    return out;
  };
  const std::map<std::string, std::vector<std::string>> required = {
      {"server",
       {"redis_version", "redis_mode", "os", "arch_bits", "monotonic_clock", "multiplexing_api",
        "gcc_version", "process_id", "process_supervised", "run_id", "tcp_port",
        "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz", "configured_hz",
        "lru_clock", "executable", "config_file", "io_threads_active"}},
      {"clients",
       {"connected_clients", "cluster_connections", "maxclients", "blocked_clients",
        "tracking_clients", "clients_in_timeout_table"}},
      {"stats",
       {"total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
        "total_net_input_bytes", "total_net_output_bytes", "instantaneous_input_kbps",
        "instantaneous_output_kbps", "rejected_connections", "expired_keys",
        "expire_cycle_cpu_milliseconds", "evicted_keys", "evicted_clients", "keyspace_hits",
        "keyspace_misses", "pubsub_channels", "latest_fork_usec", "total_forks",
        "total_error_replies", "total_reads_processed", "total_writes_processed"}},
  };
  for (const auto& [section, fields] : required) {
    const std::vector<std::string> redis = names(*redis_, section), eddy = names(*eddy_, section);
    std::vector<std::string> common;
    for (const std::string& f : eddy)
      if (std::find(redis.begin(), redis.end(), f) != redis.end()) common.push_back(f);
    std::vector<std::string> redis_order;
    for (const std::string& f : redis)
      if (std::find(common.begin(), common.end(), f) != common.end()) redis_order.push_back(f);
    EXPECT_EQ(common, redis_order) << section;
    for (const std::string& f : fields)
      EXPECT_NE(std::find(eddy.begin(), eddy.end(), f), eddy.end()) << section << " " << f;
  }
}

int64_t info_field(RawClient& c, const std::string& section, const std::string& name) {
  const std::string info = parse(c.command({"INFO", section})).str;
  const size_t at = info.find("\r\n" + name + ":");
  return at == std::string::npos ? -1 : std::stoll(info.substr(at + name.size() + 3));
}

TEST_F(ObservabilityProcessTest, InstantaneousOpsAndReadsAreCounted) {
  RawClient c(eddy_->port());
  std::string burst;
  for (int i = 0; i < 2000; ++i) burst += encode_command({"PING"});
  c.send(burst);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(c.read_reply(), "+PONG\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_GT(info_field(c, "stats", "instantaneous_ops_per_sec"), 0);
  EXPECT_GT(info_field(c, "stats", "total_reads_processed"), 0);
  EXPECT_GT(info_field(c, "stats", "total_writes_processed"), 0);
  EXPECT_GT(info_field(c, "server", "server_time_usec"), 1'600'000'000'000'000);
}

// ---------------------------------------------------------------------------------------------
// The Prometheus endpoint

struct HttpResponse {
  std::string status_line;
  std::map<std::string, std::string> headers;
  std::string body;
  bool closed_without_answer = false;
};

HttpResponse http(int port, const std::string& request) {
  RawClient c(port);
  c.send(request);
  std::string raw;
  HttpResponse out;
  EXPECT_TRUE(c.read_until_closed(raw, 5000)) << escape(request.substr(0, 60));
  if (raw.empty()) {
    out.closed_without_answer = true;
    return out;
  }
  const size_t end = raw.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  std::istringstream head(raw.substr(0, end));
  std::getline(head, out.status_line);
  if (!out.status_line.empty() && out.status_line.back() == '\r') out.status_line.pop_back();
  for (std::string line; std::getline(head, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(": ");
    out.headers[line.substr(0, colon)] = line.substr(colon + 2);
  }
  out.body = raw.substr(end + 4);
  return out;
}

class MetricsEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_port_ = free_port();
    eddy_ = std::make_unique<Process>(
        Process::start_eddy({"--metrics-port", std::to_string(metrics_port_)}));
  }
  int metrics_port_ = 0;
  std::unique_ptr<Process> eddy_;
};

// Each sample's value, by the sample's name and labels ("eddy_db_keys{db=\"db0\"}").
std::map<std::string, std::string> samples(const std::string& body) {
  std::map<std::string, std::string> out;
  std::set<std::string> helped, typed;
  std::istringstream text(body);
  for (std::string line; std::getline(text, line);) {
    if (line.starts_with("# HELP ")) {
      EXPECT_TRUE(helped.insert(line.substr(7, line.find(' ', 7) - 7)).second) << line;
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      const std::string type = line.substr(line.find(' ', 7) + 1);
      EXPECT_TRUE(type == "gauge" || type == "counter") << line;
      EXPECT_TRUE(helped.count(name)) << line;
      EXPECT_TRUE(typed.insert(name).second) << line;
      continue;
    }
    const size_t space = line.rfind(' ');
    const std::string key = line.substr(0, space), value = line.substr(space + 1);
    const std::string name = key.substr(0, key.find('{'));
    EXPECT_TRUE(typed.count(name)) << "no TYPE before " << line;
    EXPECT_TRUE(std::regex_match(name, std::regex("eddy_[a-z0-9_]+"))) << line;
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    EXPECT_EQ(*end, '\0') << line;
    out[key] = value;
  }
  return out;
}

TEST_F(MetricsEndpointTest, ServesInfoFiguresInTheTextFormat) {
  RawClient c(eddy_->port());
  c.command({"SET", "a", "1"});
  c.command({"SET", "b", "2"});
  c.command({"GET", "a"});
  c.command({"GET", "nosuch"});
  c.command({"SELECT", "2"});
  c.command({"SET", "c", "3"});
  c.command({"INCR", "c", "x"});  // an arity error
  const HttpResponse r = http(metrics_port_, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(r.headers.at("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.headers.at("Content-Length"), std::to_string(r.body.size()));
  EXPECT_EQ(r.headers.at("Connection"), "close");
  auto m = samples(r.body);
  EXPECT_EQ(m["eddy_commands_total{cmd=\"set\"}"], "3");
  EXPECT_EQ(m["eddy_commands_total{cmd=\"get\"}"], "2");
  EXPECT_EQ(m["eddy_commands_rejected_calls_total{cmd=\"incr\"}"], "1");
  EXPECT_EQ(m["eddy_errors_total{err=\"ERR\"}"], "1");
  EXPECT_EQ(m["eddy_keyspace_hits_total"], "1");
  EXPECT_EQ(m["eddy_keyspace_misses_total"], "1");
  EXPECT_EQ(m["eddy_db_keys{db=\"db0\"}"], "2");
  EXPECT_EQ(m["eddy_db_keys{db=\"db2\"}"], "1");
  EXPECT_EQ(m["eddy_connected_clients"], "1");
  EXPECT_EQ(m["eddy_maxmemory_bytes"], "0");
  EXPECT_EQ(m["eddy_info{version=\"0.1.0\",role=\"edge\"}"], "1");
  for (const char* name :
       {"eddy_uptime_seconds", "eddy_used_memory_bytes", "eddy_used_memory_rss_bytes",
        "eddy_commands_processed_total", "eddy_expired_keys_total", "eddy_evicted_keys_total",
        "eddy_error_replies_total", "eddy_net_input_bytes_total", "eddy_net_output_bytes_total",
        "eddy_sync_seq", "eddy_commands_duration_seconds_total{cmd=\"set\"}"})
    EXPECT_TRUE(m.count(name)) << name;
  // The same figures as INFO.
  EXPECT_EQ(m["eddy_used_memory_bytes"] != "0", true);
  EXPECT_EQ(std::stoll(m["eddy_commands_processed_total"]),
            info_field(c, "stats", "total_commands_processed"));
  EXPECT_EQ(std::stoll(m["eddy_sync_seq"]), info_field(c, "sync", "seq"));
}

TEST_F(MetricsEndpointTest, AnswersNotFoundAndClosesOnBadRequests) {
  EXPECT_EQ(http(metrics_port_, "GET /metrics?name=x HTTP/1.0\r\n\r\n").status_line,
            "HTTP/1.1 200 OK");
  for (const char* request :
       {"GET / HTTP/1.1\r\n\r\n", "GET /metricsx HTTP/1.1\r\n\r\n",
        "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "HEAD /metrics HTTP/1.1\r\n\r\n"}) {
    const HttpResponse r = http(metrics_port_, request);
    EXPECT_EQ(r.status_line, "HTTP/1.1 404 Not Found") << request;
    EXPECT_EQ(r.body, "404 page not found\n");
  }
  const std::vector<std::string> bad_requests = {
      "GARBAGE\r\n\r\n", "GET /metrics HTTP/1.1\r\n folded\r\n\r\n",
      "GET /metrics HTTP/3\r\n\r\n", "GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a')};
  for (const std::string& request : bad_requests)
    EXPECT_TRUE(http(metrics_port_, request).closed_without_answer) << escape(request.substr(0, 40));
  // Still serving.
  EXPECT_EQ(http(metrics_port_, "GET /metrics HTTP/1.1\r\n\r\n").status_line, "HTTP/1.1 200 OK");
}

}  // namespace
}  // namespace eddy::testing
