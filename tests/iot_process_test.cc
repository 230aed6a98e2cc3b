// Time series across a restart of the real process: series written through TS.* commands are
// journaled; eddy stopped (and killed) and started again on the same directory answers the same
// ranges byte for byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

using Argv = std::vector<std::string>;

std::string ask(RawClient& c, const Argv& argv) {
  auto reply = c.command(argv);
  EXPECT_TRUE(reply) << argv[0];
  std::string out = reply.value_or("");
  // TS.INFO's memoryUsage counts allocated capacity, which a restart rebuilds tighter.
  if (argv[0] == "TS.INFO") {
    const size_t at = out.find("+memoryUsage\r\n:");
    if (at != std::string::npos) out.erase(at + 15, out.find("\r\n", at + 15) - at - 15);
  }
  return out;
}

// Where two replies first differ, for a readable failure.
std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const size_t from = i > 60 ? i - 60 : 0;
  return "at byte " + std::to_string(i) + ": ..." + escape(a.substr(from, 120)) + "\nvs ..." +
         escape(b.substr(from, 120));
}

std::vector<Argv> reads() {
  return {{"TS.RANGE", "s0", "-", "+"},
          {"TS.RANGE", "s1", "-", "+", "AGGREGATION", "avg", "60000"},
          {"TS.REVRANGE", "s2", "-", "+", "AGGREGATION", "std.s", "30000", "EMPTY"},
          {"TS.RANGE", "s0:avg", "-", "+"},
          {"TS.MRANGE", "-", "+", "WITHLABELS", "FILTER", "site=a"},
          {"TS.INFO", "s1"},
          {"TS.QUERYINDEX", "site=(a,b)"},
          {"TYPE", "s2"}};
}

void write_series(RawClient& c) {
  ASSERT_EQ(
      ask(c, {"TS.CREATE", "s0", "RETENTION", "0", "CHUNK_SIZE", "128", "LABELS", "site", "a"}),
      "+OK\r\n");
  ASSERT_EQ(ask(c, {"TS.CREATE", "s0:avg"}), "+OK\r\n");
  ASSERT_EQ(ask(c, {"TS.CREATERULE", "s0", "s0:avg", "AGGREGATION", "avg", "60000"}), "+OK\r\n");
  for (int i = 0; i < 600; ++i) {
    const std::string ts = std::to_string(1'700'000'000'000 + i * 1000 + (i * 7919) % 31);
    const std::string v = std::to_string(20 + (i % 17) * 0.1);
    if (i == 0) {
      // s1 and s2 are created by their first TS.ADD, with labels.
      ask(c, {"TS.ADD", "s0", ts, v});
      ask(c, {"TS.ADD", "s1", ts, "0", "LABELS", "site", "a"});
      ask(c, {"TS.ADD", "s2", ts, "0", "LABELS", "site", "b"});
      continue;
    }
    ask(c, {"TS.MADD", "s0", ts, v, "s1", ts, std::to_string(i % 5), "s2", ts,
            std::to_string(i * 0.5)});
  }
  ASSERT_EQ(ask(c, {"TS.DEL", "s2", "1700000100000", "1700000200000"}).front(), ':');
}

TEST(TimeSeriesProcessTest, RangesSurviveRestartAndCrash) {
  TempDir dir;
  std::vector<std::string> before;
  {
    Process eddy = Process::start_eddy_in(dir.path());
    RawClient c(eddy.port());
    write_series(c);
    for (const Argv& argv : reads()) before.push_back(ask(c, argv));
    EXPECT_NE(before[3], "*0\r\n");  // the rule wrote buckets
    eddy.stop();
  }
  {
    Process eddy = Process::start_eddy_in(dir.path());
    RawClient c(eddy.port());
    for (size_t i = 0; i < reads().size(); ++i) {
      const std::string now = ask(c, reads()[i]);
      EXPECT_TRUE(now == before[i]) << reads()[i][0] << " " << first_difference(now, before[i]);
    }
    // Written after a snapshot-free restart, then killed: the journal alone brings it back.
    ask(c, {"TS.ADD", "s0", "1700001000000", "99"});
    for (size_t i = 0; i < reads().size(); ++i) before[i] = ask(c, reads()[i]);
    eddy.kill();
  }
  Process eddy = Process::start_eddy_in(dir.path());
  RawClient c(eddy.port());
  for (size_t i = 0; i < reads().size(); ++i) {
    const std::string now = ask(c, reads()[i]);
    EXPECT_TRUE(now == before[i]) << reads()[i][0] << " " << first_difference(now, before[i]);
  }
  // A snapshot round trip (SAVE, then restart) gives the same too.
  EXPECT_EQ(ask(c, {"SAVE"}), "+OK\r\n");
  eddy.stop();
  Process again = Process::start_eddy_in(dir.path());
  RawClient c2(again.port());
  for (size_t i = 0; i < reads().size(); ++i) {
    const std::string now = ask(c2, reads()[i]);
    EXPECT_TRUE(now == before[i]) << reads()[i][0] << " " << first_difference(now, before[i]);
  }
}

}  // namespace
}  // namespace eddy::testing
