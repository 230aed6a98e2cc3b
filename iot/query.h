#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/series.h"
#include "iot/aggregate.h"

namespace eddy::iot {

// Where an aggregated bucket's reported timestamp sits: BUCKETTIMESTAMP - / + / ~.
enum class BucketTimestamp : uint8_t { kStart, kEnd, kMid };

struct Aggregation {
  Aggregator aggregator = Aggregator::kAvg;
  int64_t duration = 1;
  int64_t align = 0;
  BucketTimestamp bucket_timestamp = BucketTimestamp::kStart;
  bool empty = false;  // EMPTY: report buckets without samples too
};

// The part of TS.RANGE / TS.MRANGE that reads one series, arguments already resolved.
struct RangeQuery {
  int64_t from = INT64_MIN;
  int64_t to = INT64_MAX;
  std::optional<std::vector<int64_t>> filter_ts;  // sorted
  std::optional<std::pair<double, double>> filter_value;
  std::optional<int64_t> count;
  std::optional<Aggregation> aggregation;
  bool reverse = false;
};

struct Point {
  int64_t ts = 0;
  double value = 0;
};

// The samples of `series` that the query selects, or its buckets, in the order it asks for.
std::vector<Point> query_range(const crdt::SeriesState& series, const RangeQuery& query);

// A FILTER expression of TS.MGET / TS.MRANGE / TS.QUERYINDEX: label=value, label!=value,
// label= (the label is absent), label!= (present), label=(v1,v2,...), label!=(v1,v2,...).
struct Matcher {
  std::string label;
  bool negate = false;
  std::vector<std::string> values;  // empty: the "absent" / "present" forms
  // Whether it can select series by itself (RedisTimeSeries needs one such matcher).
  bool positive() const { return !negate && !values.empty(); }
};
std::optional<Matcher> parse_matcher(std::string_view text);
bool matches(const std::vector<Matcher>& matchers, const std::vector<crdt::SeriesLabel>& labels);

}  // namespace eddy::iot
