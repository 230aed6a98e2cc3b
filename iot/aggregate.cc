#include "iot/aggregate.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace eddy::iot {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Name {
  std::string_view lower;
  std::string_view upper;
};
constexpr Name kNames[] = {{"avg", "AVG"},     {"sum", "SUM"},     {"min", "MIN"},
                           {"max", "MAX"},     {"range", "RANGE"}, {"count", "COUNT"},
                           {"first", "FIRST"}, {"last", "LAST"},   {"std.p", "STD.P"},
                           {"std.s", "STD.S"}, {"var.p", "VAR.P"}, {"var.s", "VAR.S"},
                           {"twa", "TWA"}};

double interpolate(int64_t t0, double v0, int64_t t1, double v1, int64_t t) {
  if (t1 == t0) return v1;
  return v0 + (v1 - v0) * static_cast<double>(t - t0) / static_cast<double>(t1 - t0);
}

double trapezoid(int64_t t0, double v0, int64_t t1, double v1) {
  return (v0 + v1) / 2 * static_cast<double>(t1 - t0);
}

// Population or sample variance from the moments: the sum of squared deviations is
// sum_sq - sum^2 / n.
double variance(const Partial& p, bool sample) {
  const double n = static_cast<double>(p.count);
  if (sample && p.count < 2) return 0;
  const double squares = std::max(0.0, p.sum_sq - p.sum * p.sum / n);
  return squares / (sample ? n - 1 : n);
}

// TWA over [start, end): the line through the samples, extended to the bounds through the
// samples around the bucket when there are some; without them the span ends at the bucket's
// first or last sample. A single sample with nothing around it is its own average.
double twa(const Partial& p, const TwaBounds& b) {
  double area = p.area;
  int64_t from = p.first_ts, to = p.last_ts;
  if (b.before && b.before->first < p.first_ts && p.first_ts > b.start) {
    const double v = interpolate(b.before->first, b.before->second, p.first_ts, p.first, b.start);
    area += trapezoid(b.start, v, p.first_ts, p.first);
    from = b.start;
  }
  if (b.after && b.after->first > p.last_ts && p.last_ts < b.end) {
    const double v = interpolate(p.last_ts, p.last, b.after->first, b.after->second, b.end);
    area += trapezoid(p.last_ts, p.last, b.end, v);
    to = b.end;
  }
  if (to == from) return p.last;
  return area / static_cast<double>(to - from);
}

}  // namespace

void Partial::add(int64_t ts, double value) {
  if (count == 0) {
    first_ts = ts;
    first = value;
  } else {
    area += trapezoid(last_ts, last, ts, value);
  }
  last_ts = ts;
  last = value;
  ++count;
  sum += value;
  sum_sq += value * value;
  min = std::min(min, value);
  max = std::max(max, value);
}

void Partial::merge(const Partial& later) {
  if (later.count == 0) return;
  if (count == 0) {
    *this = later;
    return;
  }
  area += trapezoid(last_ts, last, later.first_ts, later.first) + later.area;
  last_ts = later.last_ts;
  last = later.last;
  count += later.count;
  sum += later.sum;
  sum_sq += later.sum_sq;
  min = std::min(min, later.min);
  max = std::max(max, later.max);
}

double finalize(Aggregator aggregator, const Partial& p, const TwaBounds* bounds) {
  switch (aggregator) {
    case Aggregator::kAvg:
      return p.sum / static_cast<double>(p.count);
    case Aggregator::kSum:
      return p.sum;
    case Aggregator::kMin:
      return p.min;
    case Aggregator::kMax:
      return p.max;
    case Aggregator::kRange:
      return p.max - p.min;
    case Aggregator::kCount:
      return static_cast<double>(p.count);
    case Aggregator::kFirst:
      return p.first;
    case Aggregator::kLast:
      return p.last;
    case Aggregator::kStdP:
      return std::sqrt(variance(p, false));
    case Aggregator::kStdS:
      return std::sqrt(variance(p, true));
    case Aggregator::kVarP:
      return variance(p, false);
    case Aggregator::kVarS:
      return variance(p, true);
    case Aggregator::kTwa:
      return twa(p, bounds ? *bounds : TwaBounds{p.first_ts, p.last_ts, {}, {}});
  }
  return kNaN;
}

double empty_value(Aggregator aggregator, const TwaBounds& b) {
  switch (aggregator) {
    case Aggregator::kSum:
    case Aggregator::kCount:
      return 0;
    case Aggregator::kLast:
      return b.before ? b.before->second : kNaN;
    case Aggregator::kTwa: {
      if (!b.before || !b.after) return kNaN;
      const auto [t0, v0] = *b.before;
      const auto [t1, v1] = *b.after;
      return (interpolate(t0, v0, t1, v1, b.start) + interpolate(t0, v0, t1, v1, b.end)) / 2;
    }
    default:
      return kNaN;
  }
}

std::optional<Aggregator> parse_aggregator(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    const std::string_view lower = kNames[i].lower;
    if (lower.size() == name.size() &&
        std::equal(lower.begin(), lower.end(), name.begin(),
                   [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
      return static_cast<Aggregator>(i);
  }
  return std::nullopt;
}

std::string_view aggregator_name(Aggregator a) { return kNames[static_cast<size_t>(a)].lower; }
std::string_view aggregator_upper_name(Aggregator a) {
  return kNames[static_cast<size_t>(a)].upper;
}

int64_t bucket_start(int64_t ts, int64_t duration, int64_t align) {
  const __int128 offset = static_cast<__int128>(ts) - align;
  __int128 mod = offset % duration;
  if (mod < 0) mod += duration;
  const __int128 start = static_cast<__int128>(ts) - mod;
  return start < INT64_MIN ? INT64_MIN : static_cast<int64_t>(start);
}

}  // namespace eddy::iot
