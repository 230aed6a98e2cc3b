#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "crdt/effect.h"

namespace eddy::iot {

using crdt::Aggregator;

// The partial aggregate of DESIGN.md section 8: what a bucket keeps so that every aggregator
// derives from it exactly, and so that two partials of adjacent spans combine into the partial
// of both (what a hub needs to pool the buckets of several edges, and what sync ships).
// `area` is the integral, over [first_ts, last_ts], of the line through consecutive samples.
struct Partial {
  uint64_t count = 0;
  double sum = 0;
  double sum_sq = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int64_t first_ts = 0;
  double first = 0;
  int64_t last_ts = 0;
  double last = 0;
  double area = 0;

  bool empty() const { return count == 0; }
  // Samples come in timestamp order (later than last_ts).
  void add(int64_t ts, double value);
  // `later` covers a span after this one's: the area gains the segment joining them.
  void merge(const Partial& later);
  friend bool operator==(const Partial&, const Partial&) = default;
};

// What TWA needs beyond the bucket's samples: the bucket's bounds and the samples around it,
// through which the line is drawn to the bounds (RedisTimeSeries's time-weighted average).
struct TwaBounds {
  int64_t start = 0;
  int64_t end = 0;  // exclusive: start + bucket duration
  std::optional<std::pair<int64_t, double>> before;
  std::optional<std::pair<int64_t, double>> after;
};

// The final value of `aggregator` over a non-empty partial.
double finalize(Aggregator aggregator, const Partial& p, const TwaBounds* twa = nullptr);
// The value EMPTY reports for a bucket without samples (RedisTimeSeries 1.8): 0 for sum and
// count, the last value before the bucket for last, the interpolated line for twa, NaN otherwise.
double empty_value(Aggregator aggregator, const TwaBounds& bounds);

// Aggregator names: parsed case-insensitively; printed lower case as TS.RANGE takes them, upper
// case as TS.INFO shows rules.
std::optional<Aggregator> parse_aggregator(std::string_view name);
std::string_view aggregator_name(Aggregator aggregator);
std::string_view aggregator_upper_name(Aggregator aggregator);

// The start of the bucket of `ts`: buckets are [align + k * duration, align + (k + 1) * duration).
int64_t bucket_start(int64_t ts, int64_t duration, int64_t align);

}  // namespace eddy::iot
