#include "iot/query.h"

#include <algorithm>

namespace eddy::iot {
namespace {

using crdt::SeriesSample;

int64_t reported_timestamp(int64_t start, const Aggregation& a) {
  switch (a.bucket_timestamp) {
    case BucketTimestamp::kEnd:
      return start + a.duration;
    case BucketTimestamp::kMid:
      return start + a.duration / 2;
    case BucketTimestamp::kStart:
      break;
  }
  return start;
}

std::optional<std::pair<int64_t, double>> neighbour(const SeriesSample* s) {
  if (!s) return std::nullopt;
  return std::make_pair(s->ts, s->value);
}

// Buckets of the selected samples. TWA and EMPTY look past a bucket at the samples around it:
// within the selection, and beyond it the series' samples just outside [from, to].
std::vector<Point> aggregate(const crdt::SeriesState& series, const RangeQuery& q,
                             const std::vector<SeriesSample>& samples) {
  const Aggregation& a = *q.aggregation;
  std::vector<Point> out;
  const bool needs_outside = a.aggregator == Aggregator::kTwa || a.empty;
  std::optional<SeriesSample> outside_before, outside_after;
  if (needs_outside) {
    if (q.from > INT64_MIN) {
      auto before = series.range(INT64_MIN, q.from - 1);
      if (!before.empty()) outside_before = before.back();
    }
    if (q.to < INT64_MAX) {
      auto after = series.range(q.to + 1, INT64_MAX);
      if (!after.empty()) outside_after = after.front();
    }
  }
  auto bounds_at = [&](int64_t start, size_t first, size_t end) {
    TwaBounds b{start, start + a.duration, {}, {}};
    b.before = first > 0 ? neighbour(&samples[first - 1])
                         : neighbour(outside_before ? &*outside_before : nullptr);
    b.after = end < samples.size() ? neighbour(&samples[end])
                                   : neighbour(outside_after ? &*outside_after : nullptr);
    return b;
  };
  // EMPTY reports every bucket from the series' first sample (or `from`) to its last (or `to`).
  int64_t next_start = INT64_MIN;
  if (a.empty) {
    const auto visible = series.range(INT64_MIN, INT64_MAX);
    if (!visible.empty())
      next_start = bucket_start(std::max(q.from, visible.front().ts), a.duration, a.align);
  }
  auto emit_empty_until = [&](int64_t limit, size_t index) {
    if (!a.empty || next_start == INT64_MIN) return;
    for (int64_t start = next_start; start < limit; start += a.duration)
      out.push_back({reported_timestamp(start, a),
                     empty_value(a.aggregator, bounds_at(start, index, index))});
  };
  size_t i = 0;
  while (i < samples.size()) {
    const int64_t start = bucket_start(samples[i].ts, a.duration, a.align);
    emit_empty_until(start, i);
    Partial p;
    size_t j = i;
    for (; j < samples.size() && samples[j].ts < start + a.duration; ++j)
      p.add(samples[j].ts, samples[j].value);
    const TwaBounds b = bounds_at(start, i, j);
    out.push_back({reported_timestamp(start, a), finalize(a.aggregator, p, &b)});
    next_start = start + a.duration;
    i = j;
  }
  if (a.empty && next_start != INT64_MIN) {
    const auto last = series.last();
    if (last) {
      const int64_t end = std::min(q.to, last->ts);
      if (end >= next_start)
        emit_empty_until(bucket_start(end, a.duration, a.align) + 1, samples.size());
    }
  }
  return out;
}

}  // namespace

std::vector<Point> query_range(const crdt::SeriesState& series, const RangeQuery& q) {
  std::vector<SeriesSample> samples = series.range(q.from, q.to);
  if (q.filter_ts)
    std::erase_if(samples, [&](const SeriesSample& s) {
      return !std::binary_search(q.filter_ts->begin(), q.filter_ts->end(), s.ts);
    });
  if (q.filter_value)
    std::erase_if(samples, [&](const SeriesSample& s) {
      return !(s.value >= q.filter_value->first && s.value <= q.filter_value->second);
    });
  std::vector<Point> out;
  if (q.aggregation) {
    out = aggregate(series, q, samples);
  } else {
    out.reserve(samples.size());
    for (const SeriesSample& s : samples) out.push_back({s.ts, s.value});
  }
  if (q.reverse) std::reverse(out.begin(), out.end());
  if (q.count && static_cast<uint64_t>(*q.count) < out.size())
    out.resize(static_cast<size_t>(*q.count));
  return out;
}

std::optional<Matcher> parse_matcher(std::string_view text) {
  Matcher m;
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  m.negate = text[eq - 1] == '!';
  m.label = std::string(text.substr(0, m.negate ? eq - 1 : eq));
  if (m.label.empty()) return std::nullopt;
  std::string_view value = text.substr(eq + 1);
  if (value.size() >= 2 && value.front() == '(' && value.back() == ')') {
    value = value.substr(1, value.size() - 2);
    while (true) {
      const size_t comma = value.find(',');
      m.values.emplace_back(value.substr(0, comma));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
    std::erase_if(m.values, [](const std::string& v) { return v.empty(); });
    if (m.values.empty()) return std::nullopt;
  } else if (!value.empty()) {
    m.values.emplace_back(value);
  }
  return m;
}

bool matches(const std::vector<Matcher>& matchers, const std::vector<crdt::SeriesLabel>& labels) {
  for (const Matcher& m : matchers) {
    auto it = std::find_if(labels.begin(), labels.end(),
                           [&](const crdt::SeriesLabel& l) { return l.name == m.label; });
    const bool present = it != labels.end();
    bool hit;
    if (m.values.empty())
      hit = m.negate ? present : !present;
    else {
      const bool in =
          present && std::find(m.values.begin(), m.values.end(), it->value) != m.values.end();
      hit = m.negate ? !in : in;
    }
    if (!hit) return false;
  }
  return true;
}

}  // namespace eddy::iot
