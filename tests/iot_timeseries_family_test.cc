// The TS.* commands through the real dispatch path. Expected values are computed in the test
// from the samples written (sums, moments, buckets); reply shapes and error texts are
// RedisTimeSeries 1.8's (RESP2 values as status lines, RESP3 values as doubles).
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "tests/family_test.h"

namespace eddy::testing {
namespace {

using Strings = std::vector<std::string>;

class TimeSeriesFamilyTest : public FamilyTest {
 protected:
  // A range reply as (timestamp, value text) pairs.
  std::vector<std::pair<int64_t, std::string>> Samples(const Reply& r) {
    std::vector<std::pair<int64_t, std::string>> out;
    EXPECT_EQ(r.type, '*') << r.raw;
    for (const Reply& e : r.elements) {
      EXPECT_EQ(e.elements.size(), 2u) << e.raw;
      if (e.elements.size() == 2) out.emplace_back(e.elements[0].integer, e.elements[1].str);
    }
    return out;
  }
  std::vector<std::pair<int64_t, std::string>> Range(std::vector<std::string> argv) {
    return Samples(Run(argv));
  }
  void Add(std::string_view key, int64_t ts, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    ASSERT_THAT(Run({"TS.ADD", key, std::to_string(ts), buf}), IsInt(ts));
  }
};

using P = std::vector<std::pair<int64_t, std::string>>;

// TS.CREATE key [RETENTION ms] [ENCODING enc] [CHUNK_SIZE size] [DUPLICATE_POLICY policy] [LABELS
// ...]
TEST_F(TimeSeriesFamilyTest, CreateAndErrors) {
  EXPECT_EQ(RunRaw({"TS.CREATE", "t", "RETENTION", "1000", "LABELS", "a", "1"}), "+OK\r\n");
  EXPECT_EQ(RunRaw({"TS.CREATE", "t"}), "-ERR TSDB: key already exists\r\n");
  EXPECT_THAT(Run({"TS.CREATE", "x", "RETENTION", "-1"}),
              IsError("ERR TSDB: Couldn't parse RETENTION"));
  EXPECT_THAT(Run({"TS.CREATE", "x", "RETENTION", "abc"}),
              IsError("ERR TSDB: Couldn't parse RETENTION"));
  EXPECT_THAT(
      Run({"TS.CREATE", "x", "CHUNK_SIZE", "40"}),
      IsError("ERR TSDB: CHUNK_SIZE value must be a multiple of 8 in the range [48 .. 1048576]"));
  EXPECT_THAT(Run({"TS.CREATE", "x", "CHUNK_SIZE", "x"}),
              IsError("ERR TSDB: Couldn't parse CHUNK_SIZE"));
  EXPECT_THAT(Run({"TS.CREATE", "x", "ENCODING", "zip"}),
              IsError("ERR TSDB: unknown ENCODING parameter"));
  EXPECT_THAT(Run({"TS.CREATE", "x", "DUPLICATE_POLICY", "most"}),
              IsError("ERR TSDB: Unknown DUPLICATE_POLICY"));
  EXPECT_THAT(Run({"TS.CREATE", "x", "LABELS", "a", "(b)"}),
              IsError("ERR TSDB: Couldn't parse LABELS"));
  EXPECT_THAT(Run({"EXISTS", "x"}), IsInt(0));
  EXPECT_THAT(Run({"TS.CREATE"}), IsError("ERR wrong number of arguments for 'ts.create' command"));
  EXPECT_THAT(Run({"TYPE", "t"}), IsSimple("TSDB-TYPE"));
  Run({"SET", "s", "v"});
  EXPECT_THAT(Run({"TS.CREATE", "s"}), IsError("ERR TSDB: key already exists"));
}

// TS.ADD key timestamp value [...] / TS.GET key
TEST_F(TimeSeriesFamilyTest, AddAndGet) {
  EXPECT_THAT(Run({"TS.GET", "t"}), IsError("ERR TSDB: the key does not exist"));
  EXPECT_EQ(RunRaw({"TS.ADD", "t", "1000", "1.5"}), ":1000\r\n");
  EXPECT_EQ(RunRaw({"TS.GET", "t"}), "*2\r\n:1000\r\n+1.5\r\n");
  EXPECT_THAT(Run({"TS.ADD", "t", "-1", "1"}),
              IsError("ERR TSDB: invalid timestamp, must be a nonnegative integer"));
  EXPECT_THAT(Run({"TS.ADD", "t", "abc", "1"}), IsError("ERR TSDB: invalid timestamp"));
  EXPECT_THAT(Run({"TS.ADD", "t", "1", "x"}), IsError("ERR TSDB: invalid value"));
  EXPECT_THAT(Run({"TS.ADD", "t", "1000", "2"}),
              IsError("ERR TSDB: Error at upsert, update is not supported when DUPLICATE_POLICY is "
                      "set to BLOCK mode"));
  Run({"SET", "s", "v"});
  EXPECT_THAT(Run({"TS.ADD", "s", "1", "1"}), IsError("ERR TSDB: the key is not a TSDB key"));
  EXPECT_THAT(Run({"TS.GET", "s"}),
              IsError("WRONGTYPE Operation against a key holding the wrong kind of value"));
  // `*` is the server's time.
  AdvanceTime(0);
  Reply now = Run({"TS.ADD", "t", "*", "3"});
  EXPECT_EQ(now.type, ':');
  EXPECT_GT(now.integer, 1000);
  EXPECT_EQ(RunRaw({"TS.CREATE", "e"}), "+OK\r\n");
  EXPECT_EQ(RunRaw({"TS.GET", "e"}), "*0\r\n");
  // Values as RedisTimeSeries prints them.
  Add("f", 1, 0.1);
  Add("f", 2, 100000000);
  Add("f", 3, 1e25);
  Add("f", 4, -0.000125);
  Add("f", 5, 2.5e-10);
  EXPECT_EQ(Range({"TS.RANGE", "f", "-", "+"}),
            (P{{1, "0.1"}, {2, "1e+8"}, {3, "1e+25"}, {4, "-0.000125"}, {5, "2.5e-10"}}));
}

TEST_F(TimeSeriesFamilyTest, Resp3ValuesAreDoubles) {
  Run({"TS.ADD", "t", "1", "2.5"});
  client_.resp = 3;
  EXPECT_EQ(RunRaw({"TS.GET", "t"}), "*2\r\n:1\r\n,2.5\r\n");
}

// DUPLICATE_POLICY and ON_DUPLICATE
TEST_F(TimeSeriesFamilyTest, DuplicatePolicies) {
  const std::map<std::string, std::string> expected = {
      {"FIRST", "10"}, {"LAST", "4"}, {"MIN", "4"}, {"MAX", "10"}, {"SUM", "14"}};
  for (const auto& [policy, value] : expected) {
    const std::string key = "p" + policy;
    Run({"TS.CREATE", key, "DUPLICATE_POLICY", policy});
    Run({"TS.ADD", key, "7", "10"});
    EXPECT_THAT(Run({"TS.ADD", key, "7", "4"}), IsInt(7)) << policy;
    EXPECT_EQ(Range({"TS.RANGE", key, "-", "+"}), (P{{7, value}})) << policy;
  }
  // ON_DUPLICATE overrides the series' policy for one add.
  Run({"TS.CREATE", "b", "DUPLICATE_POLICY", "BLOCK"});
  Run({"TS.ADD", "b", "1", "1"});
  EXPECT_THAT(Run({"TS.ADD", "b", "1", "5", "ON_DUPLICATE", "SUM"}), IsInt(1));
  EXPECT_EQ(Range({"TS.RANGE", "b", "-", "+"}), (P{{1, "6"}}));
}

// TS.MADD key timestamp value [key timestamp value ...]
TEST_F(TimeSeriesFamilyTest, Madd) {
  Run({"TS.CREATE", "a"});
  Run({"SET", "s", "v"});
  Reply r = Run(
      {"TS.MADD", "a", "1", "1", "a", "2", "2", "missing", "1", "1", "s", "1", "1", "a", "3", "x"});
  ASSERT_EQ(r.elements.size(), 5u);
  EXPECT_THAT(r.elements[0], IsInt(1));
  EXPECT_THAT(r.elements[1], IsInt(2));
  EXPECT_THAT(r.elements[2], IsError("ERR TSDB: the key does not exist"));
  EXPECT_THAT(r.elements[3], IsError("ERR TSDB: the key is not a TSDB key"));
  EXPECT_THAT(r.elements[4], IsError("ERR TSDB: invalid value"));
  EXPECT_THAT(Run({"TS.MADD", "a", "1"}),
              IsError("ERR wrong number of arguments for 'ts.madd' command"));
  EXPECT_THAT(Run({"TS.MADD", "a", "1", "1", "b"}),
              IsError("ERR wrong number of arguments for 'ts.madd' command"));
}

// TS.INCRBY / TS.DECRBY key value [TIMESTAMP ts]
TEST_F(TimeSeriesFamilyTest, IncrbyDecrby) {
  EXPECT_THAT(Run({"TS.INCRBY", "c", "5", "TIMESTAMP", "10"}), IsInt(10));
  EXPECT_THAT(Run({"TS.INCRBY", "c", "2.5", "TIMESTAMP", "10"}), IsInt(10));
  EXPECT_THAT(Run({"TS.DECRBY", "c", "1", "TIMESTAMP", "20"}), IsInt(20));
  EXPECT_EQ(Range({"TS.RANGE", "c", "-", "+"}), (P{{10, "7.5"}, {20, "6.5"}}));
  EXPECT_THAT(
      Run({"TS.INCRBY", "c", "1", "TIMESTAMP", "5"}),
      IsError(
          "ERR TSDB: timestamp must be equal to or higher than the maximum existing timestamp"));
  EXPECT_THAT(Run({"TS.INCRBY", "c", "x"}), IsError("ERR TSDB: invalid increase/decrease value"));
  EXPECT_THAT(Run({"TS.INCRBY", "c", "1", "TIMESTAMP", "+"}),
              IsError("ERR TSDB: invalid timestamp"));
}

// TS.DEL key from to
TEST_F(TimeSeriesFamilyTest, Del) {
  for (int i = 1; i <= 10; ++i) Add("t", i * 10, i);
  EXPECT_THAT(Run({"TS.DEL", "t", "25", "55"}), IsInt(3));
  EXPECT_THAT(Run({"TS.DEL", "t", "25", "55"}), IsInt(0));
  EXPECT_EQ(Range({"TS.RANGE", "t", "0", "40"}), (P{{10, "1"}, {20, "2"}}));
  EXPECT_THAT(Run({"TS.DEL", "t", "x", "5"}), IsError("ERR TSDB: wrong fromTimestamp"));
  EXPECT_THAT(Run({"TS.DEL", "nope", "0", "5"}), IsError("ERR TSDB: the key does not exist"));
  EXPECT_THAT(Run({"TS.DEL", "t", "-", "+"}), IsInt(7));
  EXPECT_THAT(Run({"EXISTS", "t"}), IsInt(1));  // an empty series stays, as in RedisTimeSeries
}

// TS.RANGE / TS.REVRANGE with FILTER_BY_TS, FILTER_BY_VALUE, COUNT
TEST_F(TimeSeriesFamilyTest, RangeFilters) {
  for (int i = 0; i < 10; ++i) Add("t", 100 + i, i);
  EXPECT_EQ(Range({"TS.RANGE", "t", "102", "104"}), (P{{102, "2"}, {103, "3"}, {104, "4"}}));
  EXPECT_EQ(Range({"TS.REVRANGE", "t", "-", "+", "COUNT", "2"}), (P{{109, "9"}, {108, "8"}}));
  EXPECT_EQ(Range({"TS.RANGE", "t", "-", "+", "FILTER_BY_TS", "105", "101", "200"}),
            (P{{101, "1"}, {105, "5"}}));
  EXPECT_EQ(Range({"TS.RANGE", "t", "-", "+", "FILTER_BY_VALUE", "3", "4.5"}),
            (P{{103, "3"}, {104, "4"}}));
  EXPECT_THAT(Run({"TS.RANGE", "t", "x", "+"}), IsError("ERR TSDB: wrong fromTimestamp"));
  EXPECT_THAT(Run({"TS.RANGE", "t", "-", "y"}), IsError("ERR TSDB: wrong toTimestamp"));
  EXPECT_THAT(Run({"TS.RANGE", "t", "-", "+", "COUNT"}),
              IsError("ERR TSDB: COUNT argument is missing"));
  EXPECT_THAT(Run({"TS.RANGE", "t", "-", "+", "FILTER_BY_VALUE", "1"}),
              IsError("ERR TSDB: FILTER_BY_VALUE one or more arguments are missing"));
  EXPECT_THAT(Run({"TS.RANGE", "t", "-", "+", "ALIGN", "start"}),
              IsError("ERR TSDB: ALIGN parameter can only be used with AGGREGATION"));
  EXPECT_THAT(Run({"TS.RANGE", "t", "-", "+", "AGGREGATION", "median", "10"}),
              IsError("ERR TSDB: Unknown aggregation type"));
  EXPECT_THAT(Run({"TS.RANGE", "t", "-", "+", "AGGREGATION", "avg", "0"}),
              IsError("ERR TSDB: bucketDuration must be greater than zero"));
  EXPECT_THAT(Run({"TS.RANGE", "nope", "-", "+"}), IsError("ERR TSDB: the key does not exist"));
}

// Every aggregator against values computed here from the same samples.
TEST_F(TimeSeriesFamilyTest, AggregationsMatchIndependentValues) {
  const std::vector<std::pair<int64_t, double>> samples = {{0, 2},  {3, 4},  {7, 4}, {10, 5},
                                                           {12, 7}, {19, 9}, {25, 1}};
  for (auto [ts, v] : samples) Add("t", ts, v);
  // Bucket [0, 10): 2, 4, 4; [10, 20): 5, 7, 9; [20, 30): 1.
  const std::vector<std::vector<double>> buckets = {{2, 4, 4}, {5, 7, 9}, {1}};
  auto fmt = [](double d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    // Shortest form that reads back: compare numerically instead of by text.
    return std::string(buf);
  };
  auto stats = [](const std::vector<double>& b, const std::string& agg) {
    double sum = 0, mn = INFINITY, mx = -INFINITY;
    for (double v : b) sum += v, mn = std::min(mn, v), mx = std::max(mx, v);
    const double n = static_cast<double>(b.size()), mean = sum / n;
    double dev = 0;
    for (double v : b) dev += (v - mean) * (v - mean);
    if (agg == "avg") return mean;
    if (agg == "sum") return sum;
    if (agg == "min") return mn;
    if (agg == "max") return mx;
    if (agg == "range") return mx - mn;
    if (agg == "count") return n;
    if (agg == "first") return b.front();
    if (agg == "last") return b.back();
    if (agg == "var.p") return dev / n;
    if (agg == "var.s") return b.size() > 1 ? dev / (n - 1) : 0;
    if (agg == "std.p") return std::sqrt(dev / n);
    return b.size() > 1 ? std::sqrt(dev / (n - 1)) : 0;  // std.s
  };
  for (const std::string agg : {"avg", "sum", "min", "max", "range", "count", "first", "last",
                                "std.p", "std.s", "var.p", "var.s"}) {
    auto got = Range({"TS.RANGE", "t", "-", "+", "AGGREGATION", agg, "10"});
    ASSERT_EQ(got.size(), 3u) << agg;
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(got[i].first, static_cast<int64_t>(i * 10)) << agg;
      EXPECT_NEAR(std::stod(got[i].second), stats(buckets[i], agg), 1e-12)
          << agg << " " << fmt(stats(buckets[i], agg));
    }
  }
  // TWA of [10, 20): the line through 4@7, 5@10, 7@12, 9@19 and 1@25, from 10 to 20.
  const double at20 = 9 + (1 - 9) * (20.0 - 19) / (25 - 19);
  const double area = (5 + 7) / 2.0 * 2 + (7 + 9) / 2.0 * 7 + (9 + at20) / 2.0 * 1;
  auto twa = Range({"TS.RANGE", "t", "10", "19", "AGGREGATION", "twa", "10"});
  ASSERT_EQ(twa.size(), 1u);
  EXPECT_NEAR(std::stod(twa[0].second), area / 10, 1e-12);
}

// ALIGN, BUCKETTIMESTAMP, EMPTY, COUNT with aggregation, REVRANGE
TEST_F(TimeSeriesFamilyTest, AlignBucketTimestampAndEmpty) {
  for (int64_t ts : {1, 2, 11, 41}) Add("t", ts, static_cast<double>(ts));
  EXPECT_EQ(Range({"TS.RANGE", "t", "-", "+", "AGGREGATION", "sum", "10"}),
            (P{{0, "3"}, {10, "11"}, {40, "41"}}));
  EXPECT_EQ(Range({"TS.RANGE", "t", "-", "+", "AGGREGATION", "sum", "10", "EMPTY"}),
            (P{{0, "3"}, {10, "11"}, {20, "0"}, {30, "0"}, {40, "41"}}));
  EXPECT_EQ(Range({"TS.RANGE", "t", "-", "+", "AGGREGATION", "max", "10", "EMPTY"}),
            (P{{0, "2"}, {10, "11"}, {20, "nan"}, {30, "nan"}, {40, "41"}}));
  EXPECT_EQ(Range({"TS.RANGE", "t", "-", "+", "AGGREGATION", "last", "10", "EMPTY"}),
            (P{{0, "2"}, {10, "11"}, {20, "11"}, {30, "11"}, {40, "41"}}));
  EXPECT_EQ(Range({"TS.RANGE", "t", "-", "+", "AGGREGATION", "sum", "10", "BUCKETTIMESTAMP", "+"}),
            (P{{10, "3"}, {20, "11"}, {50, "41"}}));
  EXPECT_EQ(
      Range({"TS.RANGE", "t", "-", "+", "AGGREGATION", "sum", "10", "BUCKETTIMESTAMP", "mid"}),
      (P{{5, "3"}, {15, "11"}, {45, "41"}}));
  // ALIGN 1: buckets [1, 11), [11, 21), [41, 51).
  EXPECT_EQ(Range({"TS.RANGE", "t", "-", "+", "ALIGN", "1", "AGGREGATION", "sum", "10"}),
            (P{{1, "3"}, {11, "11"}, {41, "41"}}));
  // ALIGN start: aligned to the range's start, 2.
  EXPECT_EQ(Range({"TS.RANGE", "t", "2", "+", "ALIGN", "start", "AGGREGATION", "count", "10"}),
            (P{{2, "2"}, {32, "1"}}));
  EXPECT_EQ(Range({"TS.REVRANGE", "t", "-", "+", "AGGREGATION", "sum", "10", "COUNT", "2"}),
            (P{{40, "41"}, {10, "11"}}));
}

// RETENTION: older samples are refused and hidden.
TEST_F(TimeSeriesFamilyTest, Retention) {
  Run({"TS.CREATE", "t", "RETENTION", "100", "CHUNK_SIZE", "48"});
  for (int64_t ts = 0; ts <= 1000; ts += 10) Add("t", ts, 1);
  EXPECT_THAT(Run({"TS.ADD", "t", "850", "1"}),
              IsError("ERR TSDB: Timestamp is older than retention"));
  auto all = Range({"TS.RANGE", "t", "-", "+"});
  ASSERT_EQ(all.size(), 11u);
  EXPECT_EQ(all.front().first, 900);
  Reply info = Run({"TS.INFO", "t"});
  ASSERT_EQ(info.elements.size(), 24u);
  EXPECT_EQ(info.elements[0].str, "totalSamples");
  EXPECT_THAT(info.elements[1], IsInt(11));
  EXPECT_EQ(info.elements[4].str, "firstTimestamp");
  EXPECT_THAT(info.elements[5], IsInt(900));
  // Old chunks were trimmed (removal effects of whole chunks), not just hidden.
  EXPECT_LT(info.elements[11].integer, 10);
}

// TS.ALTER / TS.INFO
TEST_F(TimeSeriesFamilyTest, AlterAndInfo) {
  Run({"TS.CREATE", "t", "LABELS", "a", "1", "b", "2"});
  EXPECT_EQ(
      RunRaw({"TS.ALTER", "t", "RETENTION", "500", "DUPLICATE_POLICY", "max", "LABELS", "c", "3"}),
      "+OK\r\n");
  EXPECT_THAT(Run({"TS.ALTER", "nope"}), IsError("ERR TSDB: the key does not exist"));
  Reply info = Run({"TS.INFO", "t"});
  std::map<std::string, Reply> fields;
  for (size_t i = 0; i + 1 < info.elements.size(); i += 2)
    fields[info.elements[i].str] = info.elements[i + 1];
  EXPECT_THAT(fields["retentionTime"], IsInt(500));
  EXPECT_THAT(fields["chunkSize"], IsInt(4096));
  EXPECT_THAT(fields["chunkType"], IsSimple("compressed"));
  EXPECT_THAT(fields["duplicatePolicy"], IsSimple("max"));
  EXPECT_EQ(fields["labels"].raw, "*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
  EXPECT_TRUE(fields["sourceKey"].is_null);
  EXPECT_EQ(fields["rules"].raw, "*0\r\n");
}

// TS.CREATERULE / TS.DELETERULE: closed buckets reach the destination.
TEST_F(TimeSeriesFamilyTest, CompactionRules) {
  Run({"TS.CREATE", "src"});
  Run({"TS.CREATE", "dst"});
  EXPECT_EQ(RunRaw({"TS.CREATERULE", "src", "dst", "AGGREGATION", "avg", "10"}), "+OK\r\n");
  EXPECT_THAT(Run({"TS.CREATERULE", "src", "src", "AGGREGATION", "avg", "10"}),
              IsError("ERR TSDB: the source key and destination key should be different"));
  EXPECT_THAT(Run({"TS.CREATERULE", "src", "dst", "AGGREGATION", "avg", "10"}),
              IsError("ERR TSDB: the destination key already has a src rule"));
  EXPECT_THAT(Run({"TS.CREATERULE", "dst", "x", "AGGREGATION", "avg", "10"}),
              IsError("ERR TSDB: the source key already has a source rule"));
  EXPECT_THAT(Run({"TS.CREATERULE", "src", "x", "AGGREGATION", "foo", "10"}),
              IsError("ERR TSDB: Unknown aggregation type"));
  for (int64_t ts : {1, 5, 12, 18, 25}) Add("src", ts, static_cast<double>(ts));
  // [0, 10) and [10, 20) are closed; [20, 30) is open.
  EXPECT_EQ(Range({"TS.RANGE", "dst", "-", "+"}), (P{{0, "3"}, {10, "15"}}));
  // A late sample rewrites its closed bucket.
  Add("src", 9, 9);
  EXPECT_EQ(Range({"TS.RANGE", "dst", "-", "+"}), (P{{0, "5"}, {10, "15"}}));
  Reply info = Run({"TS.INFO", "src"});
  EXPECT_EQ(info.elements[23].raw, "*1\r\n*4\r\n$3\r\ndst\r\n:10\r\n+AVG\r\n:0\r\n");
  Reply dinfo = Run({"TS.INFO", "dst"});
  EXPECT_THAT(dinfo.elements[21], IsBulk("src"));
  EXPECT_EQ(RunRaw({"TS.DELETERULE", "src", "dst"}), "+OK\r\n");
  EXPECT_THAT(Run({"TS.DELETERULE", "src", "dst"}),
              IsError("ERR TSDB: compaction rule does not exist"));
}

// TS.MGET / TS.MRANGE / TS.QUERYINDEX with label filters, WITHLABELS, SELECTED_LABELS, GROUPBY
TEST_F(TimeSeriesFamilyTest, MultiSeries) {
  Run({"TS.CREATE", "a", "LABELS", "site", "x", "kind", "temp"});
  Run({"TS.CREATE", "b", "LABELS", "site", "y", "kind", "temp"});
  Run({"TS.CREATE", "c", "LABELS", "site", "x", "kind", "hum"});
  Add("a", 1, 10);
  Add("a", 2, 20);
  Add("b", 1, 1);
  Add("b", 2, 3);
  Add("c", 1, 50);
  EXPECT_THAT(Run({"TS.QUERYINDEX", "kind=temp"}), IsArray(Strings{"a", "b"}));
  EXPECT_THAT(Run({"TS.QUERYINDEX", "site=x", "kind!=temp"}), IsArray(Strings{"c"}));
  EXPECT_THAT(Run({"TS.QUERYINDEX", "site=(x,y)", "kind="}), IsArray(Strings{}));
  EXPECT_THAT(Run({"TS.QUERYINDEX", "kind!=temp"}),
              IsError("ERR TSDB: please provide at least one matcher"));
  EXPECT_THAT(Run({"TS.QUERYINDEX", "kind"}), IsError("ERR TSDB: failed parsing labels"));
  EXPECT_EQ(RunRaw({"TS.MGET", "FILTER", "site=y"}),
            "*1\r\n*3\r\n$1\r\nb\r\n*0\r\n*2\r\n:2\r\n+3\r\n");
  EXPECT_EQ(
      RunRaw({"TS.MGET", "SELECTED_LABELS", "kind", "nope", "FILTER", "site=y"}),
      "*1\r\n*3\r\n$1\r\nb\r\n*2\r\n*2\r\n$4\r\nkind\r\n$4\r\ntemp\r\n*2\r\n$4\r\nnope\r\n$-1\r\n"
      "*2\r\n:2\r\n+3\r\n");
  EXPECT_EQ(RunRaw({"TS.MRANGE", "-", "+", "WITHLABELS", "FILTER", "site=x", "kind=hum"}),
            "*1\r\n*3\r\n$1\r\nc\r\n*2\r\n*2\r\n$4\r\nsite\r\n$1\r\nx\r\n*2\r\n$4\r\nkind\r\n$"
            "3\r\nhum\r\n"
            "*1\r\n*2\r\n:1\r\n+50\r\n");
  Reply r = Run({"TS.MREVRANGE", "-", "+", "COUNT", "1", "FILTER", "kind=temp"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(Samples(r.elements[0].elements[2]), (P{{2, "20"}}));
  // GROUPBY kind REDUCE sum: temp = a + b per timestamp.
  Reply g =
      Run({"TS.MRANGE", "-", "+", "FILTER", "site=(x,y)", "GROUPBY", "kind", "REDUCE", "sum"});
  ASSERT_EQ(g.elements.size(), 2u);
  EXPECT_THAT(g.elements[1].elements[0], IsBulk("kind=temp"));
  EXPECT_EQ(g.elements[1].elements[1].raw,
            "*3\r\n*2\r\n$4\r\nkind\r\n$4\r\ntemp\r\n*2\r\n$11\r\n__reducer__\r\n$3\r\nsum\r\n"
            "*2\r\n$10\r\n__source__\r\n$3\r\na,b\r\n");
  EXPECT_EQ(Samples(g.elements[1].elements[2]), (P{{1, "11"}, {2, "23"}}));
  EXPECT_THAT(Run({"TS.MRANGE", "-", "+", "COUNT", "1"}),
              IsError("ERR TSDB: missing FILTER argument"));
  EXPECT_THAT(Run({"TS.MGET", "WITHLABELS", "FILTER"}),
              IsError("ERR TSDB: missing FILTER argument"));
  EXPECT_THAT(Run({"TS.MRANGE", "-", "+"}),
              IsError("ERR wrong number of arguments for 'ts.mrange' command"));
}

// The generic key commands work on series.
TEST_F(TimeSeriesFamilyTest, KeyspaceCommands) {
  Add("t", 1, 1);
  Add("t", 2, 2);
  Run({"SET", "s", "v"});
  EXPECT_THAT(Run({"SCAN", "0", "TYPE", "TSDB-TYPE"}).elements[1], IsArray(Strings{"t"}));
  EXPECT_EQ(RunRaw({"RENAME", "t", "u"}), "+OK\r\n");
  EXPECT_EQ(Range({"TS.RANGE", "u", "-", "+"}), (P{{1, "1"}, {2, "2"}}));
  EXPECT_THAT(Run({"EXPIRE", "u", "10"}), IsInt(1));
  AdvanceTime(11000);
  EXPECT_THAT(Run({"EXISTS", "u"}), IsInt(0));
  Add("v", 1, 1);
  EXPECT_THAT(Run({"DEL", "v"}), IsInt(1));
  EXPECT_THAT(Run({"TS.GET", "v"}), IsError("ERR TSDB: the key does not exist"));
  Add("w", 1, 1);
  Run({"SET", "w", "x"});
  EXPECT_THAT(Run({"TYPE", "w"}), IsSimple("string"));
}

}  // namespace
}  // namespace eddy::testing
