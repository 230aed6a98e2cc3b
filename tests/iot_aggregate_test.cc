// The partial aggregate (iot/aggregate.h): every aggregator derived from it equals the value
// computed directly from the samples, and partials of adjacent spans merge into the partial of
// both. Random tests print their seed; EDDY_AGGREGATE_SEED replays one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>

#include "iot/aggregate.h"

namespace eddy::iot {
namespace {

struct S {
  int64_t ts;
  double v;
};

// The aggregators computed the plain way, independently of Partial.
double direct(Aggregator a, const std::vector<S>& s) {
  const double n = static_cast<double>(s.size());
  double sum = 0, min = INFINITY, max = -INFINITY;
  for (const S& x : s) sum += x.v, min = std::min(min, x.v), max = std::max(max, x.v);
  const double mean = sum / n;
  double dev = 0;
  for (const S& x : s) dev += (x.v - mean) * (x.v - mean);
  switch (a) {
    case Aggregator::kAvg:
      return mean;
    case Aggregator::kSum:
      return sum;
    case Aggregator::kMin:
      return min;
    case Aggregator::kMax:
      return max;
    case Aggregator::kRange:
      return max - min;
    case Aggregator::kCount:
      return n;
    case Aggregator::kFirst:
      return s.front().v;
    case Aggregator::kLast:
      return s.back().v;
    case Aggregator::kVarP:
      return dev / n;
    case Aggregator::kVarS:
      return s.size() > 1 ? dev / (n - 1) : 0;
    case Aggregator::kStdP:
      return std::sqrt(dev / n);
    case Aggregator::kStdS:
      return s.size() > 1 ? std::sqrt(dev / (n - 1)) : 0;
    case Aggregator::kTwa: {
      if (s.size() == 1) return s[0].v;
      double area = 0;
      for (size_t i = 1; i < s.size(); ++i)
        area += (s[i - 1].v + s[i].v) / 2 * static_cast<double>(s[i].ts - s[i - 1].ts);
      return area / static_cast<double>(s.back().ts - s.front().ts);
    }
  }
  return NAN;
}

Partial partial_of(const std::vector<S>& s, size_t from, size_t to) {
  Partial p;
  for (size_t i = from; i < to; ++i) p.add(s[i].ts, s[i].v);
  return p;
}

void expect_near_rel(double expected, double actual) {
  EXPECT_NEAR(expected, actual, 1e-9 * std::max(1.0, std::abs(expected)));
}

TEST(PartialTest, EveryAggregatorDerivesFromThePartial) {
  const std::vector<S> s = {{0, 2}, {10, 4}, {30, 4}, {35, 5}, {60, 7}, {100, 9}};
  const Partial p = partial_of(s, 0, s.size());
  for (int a = 0; a <= static_cast<int>(Aggregator::kTwa); ++a) {
    SCOPED_TRACE(std::string(aggregator_name(static_cast<Aggregator>(a))));
    expect_near_rel(direct(static_cast<Aggregator>(a), s), finalize(static_cast<Aggregator>(a), p));
  }
  // By hand: mean 31/6, population variance 43/9 - ... checked through the direct formula; TWA
  // over [0, 100] with trapezoids = (30 + 80 + 22.5 + 150 + 320) / 100.
  EXPECT_DOUBLE_EQ(finalize(Aggregator::kTwa, p), 6.025);
}

TEST(PartialTest, RandomSplitsMergeExactly) {
  const char* env = std::getenv("EDDY_AGGREGATE_SEED");
  const uint64_t seed = env ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_AGGREGATE_SEED)");
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 500; ++round) {
    std::vector<S> s;
    int64_t ts = static_cast<int64_t>(rng() % 100000);
    const size_t n = 1 + rng() % 50;
    for (size_t i = 0; i < n; ++i) {
      s.push_back({ts, static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 8});
      ts += 1 + static_cast<int64_t>(rng() % 5000);
    }
    const size_t cut = rng() % (n + 1);
    Partial merged = partial_of(s, 0, cut);
    merged.merge(partial_of(s, cut, n));
    const Partial whole = partial_of(s, 0, n);
    // Values in eighths: sums and squares are exact, so the merge is bit for bit.
    EXPECT_EQ(merged, whole);
    for (int a = 0; a <= static_cast<int>(Aggregator::kTwa); ++a)
      expect_near_rel(direct(static_cast<Aggregator>(a), s),
                      finalize(static_cast<Aggregator>(a), merged));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(PartialTest, TwaExtendsToTheBucketThroughTheNeighbours) {
  Partial p;
  p.add(20, 10);
  p.add(30, 20);
  // Bucket [10, 40): before (0, 0) puts 5 at 10; after (50, 40) puts 30 at 40.
  TwaBounds b{10, 40, std::make_pair(int64_t{0}, 0.0), std::make_pair(int64_t{50}, 40.0)};
  const double area = (5 + 10) / 2.0 * 10 + (10 + 20) / 2.0 * 10 + (20 + 30) / 2.0 * 10;
  EXPECT_DOUBLE_EQ(finalize(Aggregator::kTwa, p, &b), area / 30);
  // Without neighbours the span is the samples' own.
  TwaBounds alone{10, 40, {}, {}};
  EXPECT_DOUBLE_EQ(finalize(Aggregator::kTwa, p, &alone), 15);
  Partial one;
  one.add(25, 7);
  EXPECT_DOUBLE_EQ(finalize(Aggregator::kTwa, one, &alone), 7);
}

TEST(PartialTest, EmptyBuckets) {
  TwaBounds b{10, 20, std::make_pair(int64_t{0}, 0.0), std::make_pair(int64_t{40}, 40.0)};
  EXPECT_EQ(empty_value(Aggregator::kSum, b), 0);
  EXPECT_EQ(empty_value(Aggregator::kCount, b), 0);
  EXPECT_EQ(empty_value(Aggregator::kLast, b), 0);
  EXPECT_DOUBLE_EQ(empty_value(Aggregator::kTwa, b), 15);  // the line at 10 and 20: 10, 20
  EXPECT_TRUE(std::isnan(empty_value(Aggregator::kAvg, b)));
  EXPECT_TRUE(std::isnan(empty_value(Aggregator::kLast, TwaBounds{10, 20, {}, {}})));
}

TEST(PartialTest, NamesAndBuckets) {
  EXPECT_EQ(parse_aggregator("STD.P"), Aggregator::kStdP);
  EXPECT_EQ(parse_aggregator("Twa"), Aggregator::kTwa);
  EXPECT_FALSE(parse_aggregator("median"));
  EXPECT_EQ(aggregator_upper_name(Aggregator::kVarS), "VAR.S");
  EXPECT_EQ(bucket_start(1234, 100, 0), 1200);
  EXPECT_EQ(bucket_start(1234, 100, 50), 1150);
  EXPECT_EQ(bucket_start(1234, 100, 5000), 1200);  // alignment after the timestamp
  EXPECT_EQ(bucket_start(0, 100, 30), -70);
}

}  // namespace
}  // namespace eddy::iot
