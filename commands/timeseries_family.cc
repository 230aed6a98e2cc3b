// The time series commands, in RedisTimeSeries's command language (1.8): same syntax, replies and
// error texts. A series is a substate of the replicated keyspace (crdt/series.h): TS.CREATE and
// TS.ALTER write its settings, TS.ADD and friends ship the samples their writer resolved under the
// duplicate policy, TS.DEL is an observed-remove of a range. Compaction rules are applied by the
// writer of a source sample, in the same unit: the closed (or rewritten) bucket is written to the
// destination series as an ordinary sample.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "crdt/key_state.h"
#include "iot/aggregate.h"
#include "iot/query.h"

namespace eddy::commands {
namespace {

using crdt::DuplicatePolicy;
using crdt::KeyState;
using crdt::KeyType;
using crdt::SeriesConfig;
using crdt::SeriesState;
using iot::Aggregator;

constexpr std::string_view kKeyMissing = "TSDB: the key does not exist";
constexpr std::string_view kNotSeries = "TSDB: the key is not a TSDB key";
constexpr std::string_view kInvalidTimestamp = "TSDB: invalid timestamp";
constexpr std::string_view kNegativeTimestamp =
    "TSDB: invalid timestamp, must be a nonnegative integer";
constexpr std::string_view kInvalidValue = "TSDB: invalid value";
constexpr std::string_view kBlocked =
    "TSDB: Error at upsert, update is not supported when DUPLICATE_POLICY is set to BLOCK mode";
constexpr std::string_view kOlderThanRetention = "TSDB: Timestamp is older than retention";
// RedisTimeSeries's default when neither the series nor TS.ADD names a policy.
constexpr DuplicatePolicy kDefaultPolicy = DuplicatePolicy::kBlock;

// --- Arguments --------------------------------------------------------------------------------

bool is(std::string_view arg, std::string_view token) { return iequals(arg, token); }

// RedisTimeSeries's timestamps: non-negative integers.
std::optional<int64_t> parse_timestamp(std::string_view arg) {
  auto v = crdt::parse_strict_int64(arg);
  if (!v || *v < 0) return std::nullopt;
  return v;
}

// A double as strtod reads it, the whole argument.
std::optional<double> parse_double(std::string_view arg) {
  if (arg.empty() || arg.size() > 256 || std::isspace(static_cast<unsigned char>(arg[0])))
    return std::nullopt;
  std::string text(arg);
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
  return d;
}

std::optional<DuplicatePolicy> parse_policy(std::string_view arg) {
  static constexpr std::pair<std::string_view, DuplicatePolicy> kPolicies[] = {
      {"block", DuplicatePolicy::kBlock}, {"first", DuplicatePolicy::kFirst},
      {"last", DuplicatePolicy::kLast},   {"min", DuplicatePolicy::kMin},
      {"max", DuplicatePolicy::kMax},     {"sum", DuplicatePolicy::kSum}};
  for (const auto& [name, policy] : kPolicies)
    if (is(arg, name)) return policy;
  return std::nullopt;
}

std::string_view policy_name(DuplicatePolicy p) {
  static constexpr std::string_view kNames[] = {"", "block", "first", "last", "min", "max", "sum"};
  return kNames[static_cast<size_t>(p)];
}

// The options of TS.CREATE, TS.ALTER, TS.ADD and TS.INCRBY. Like RedisTimeSeries, options come
// in any order, LABELS takes every argument after it, and arguments it does not know are ignored.
struct SeriesOptions {
  std::optional<int64_t> retention;
  std::optional<int64_t> chunk_size;
  std::optional<bool> uncompressed;
  std::optional<DuplicatePolicy> duplicate_policy;  // DUPLICATE_POLICY (CREATE, ALTER)
  std::optional<DuplicatePolicy> on_duplicate;      // ON_DUPLICATE (ADD)
  std::optional<std::vector<crdt::SeriesLabel>> labels;
  std::optional<std::string_view> timestamp;  // TIMESTAMP (INCRBY)
};

std::optional<SeriesOptions> parse_series_options(Context& ctx, size_t first) {
  SeriesOptions o;
  const auto& args = ctx.args;
  auto fail = [&](std::string_view text) -> std::optional<SeriesOptions> {
    ctx.reply.error(text);
    return std::nullopt;
  };
  for (size_t i = first; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (is(args[i], "LABELS")) {
      std::vector<crdt::SeriesLabel> labels;
      for (size_t j = i + 1; j + 1 < args.size(); j += 2) {
        std::string_view name = args[j], value = args[j + 1];
        if (name.empty() || value.empty() || value.find_first_of("(),") != std::string_view::npos)
          return fail("TSDB: Couldn't parse LABELS");
        auto same = [&](const crdt::SeriesLabel& l) { return l.name == name; };
        if (auto it = std::find_if(labels.begin(), labels.end(), same); it != labels.end())
          it->value = value;  // the last value of a label named twice
        else
          labels.push_back({std::string(name), std::string(value)});
      }
      o.labels = std::move(labels);
      break;
    } else if (is(args[i], "RETENTION")) {
      auto v = has_value ? crdt::parse_strict_int64(args[i + 1]) : std::nullopt;
      if (!v || *v < 0) return fail("TSDB: Couldn't parse RETENTION");
      o.retention = *v;
      ++i;
    } else if (is(args[i], "CHUNK_SIZE")) {
      auto v = has_value ? crdt::parse_strict_int64(args[i + 1]) : std::nullopt;
      if (!v) return fail("TSDB: Couldn't parse CHUNK_SIZE");
      if (*v < 48 || *v > 1048576 || *v % 8 != 0)
        return fail("TSDB: CHUNK_SIZE value must be a multiple of 8 in the range [48 .. 1048576]");
      o.chunk_size = *v;
      ++i;
    } else if (is(args[i], "ENCODING")) {
      if (!has_value)
        return fail("wrong number of arguments for '" + std::string(args[0]) + "' command");
      if (is(args[i + 1], "UNCOMPRESSED"))
        o.uncompressed = true;
      else if (is(args[i + 1], "COMPRESSED"))
        o.uncompressed = false;
      else
        return fail("TSDB: unknown ENCODING parameter");
      ++i;
    } else if (is(args[i], "UNCOMPRESSED")) {
      o.uncompressed = true;
    } else if (is(args[i], "DUPLICATE_POLICY") || is(args[i], "ON_DUPLICATE")) {
      const bool on_duplicate = is(args[i], "ON_DUPLICATE");
      if (!has_value) return fail("TSDB: Couldn't parse DUPLICATE_POLICY");
      auto p = parse_policy(args[i + 1]);
      if (!p) return fail("TSDB: Unknown DUPLICATE_POLICY");
      (on_duplicate ? o.on_duplicate : o.duplicate_policy) = *p;
      ++i;
    } else if (is(args[i], "TIMESTAMP") && has_value) {
      o.timestamp = args[++i];
    }
  }
  return o;
}

SeriesConfig config_from(const SeriesOptions& o, SeriesConfig c = {}) {
  if (o.retention) c.retention_ms = *o.retention;
  if (o.chunk_size) c.chunk_size = *o.chunk_size;
  if (o.uncompressed) c.uncompressed = *o.uncompressed;
  if (o.duplicate_policy) c.duplicate_policy = *o.duplicate_policy;
  if (o.labels) c.labels = *o.labels;
  return c;
}

// --- Replies ----------------------------------------------------------------------------------

// A sample value as RedisTimeSeries writes it: in RESP3 a double; in RESP2 a status line with the
// shortest digits that read back as the same double, laid out as fpconv_dtoa does (plain up to
// about 1e21, scientific beyond, "nan" and "inf" for the special values).
void reply_value(Context& ctx, double d) {
  if (ctx.reply.resp() >= 3) return ctx.reply.double_value(d);
  std::string out;
  if (std::signbit(d)) out.push_back('-'), d = -d;
  if (std::isnan(d)) return ctx.reply.simple(out + "nan");
  if (std::isinf(d)) return ctx.reply.simple(out + "inf");
  if (d == 0) return ctx.reply.simple(out + "0");
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits.push_back(c);
  const int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
  const int n = static_cast<int>(digits.size());
  const int k = exp10 - (n - 1);  // d = digits * 10^k
  const int exp = std::abs(k + n - 1);
  if (k >= 0 && exp < n + 7) {
    out += digits + std::string(static_cast<size_t>(k), '0');
  } else if (k < 0 && (k > -7 || exp < 4)) {
    const int offset = n + k;
    if (offset <= 0)
      out += "0." + std::string(static_cast<size_t>(-offset), '0') + digits;
    else
      out += digits.substr(0, static_cast<size_t>(offset)) + "." +
             digits.substr(static_cast<size_t>(offset));
  } else {
    out.push_back(digits[0]);
    if (n > 1) out += "." + digits.substr(1);
    out += (k + n - 1 < 0 ? "e-" : "e+") + std::to_string(exp);
  }
  ctx.reply.simple(out);
}

void reply_sample(Context& ctx, int64_t ts, double value) {
  ctx.reply.array(2);
  ctx.reply.integer(ts);
  reply_value(ctx, value);
}

void reply_points(Context& ctx, const std::vector<iot::Point>& points) {
  ctx.reply.array(points.size());
  for (const iot::Point& p : points) reply_sample(ctx, p.ts, p.value);
}

// Labels as [[name, value], ...]: all of them (WITHLABELS), the selected ones with null for
// those the series lacks (SELECTED_LABELS), or none.
struct LabelSelection {
  bool all = false;
  std::vector<std::string_view> selected;
};

void reply_labels(Context& ctx, const std::vector<crdt::SeriesLabel>& labels,
                  const LabelSelection& sel) {
  if (sel.all) {
    ctx.reply.array(labels.size());
    for (const auto& l : labels) {
      ctx.reply.array(2);
      ctx.reply.bulk(l.name);
      ctx.reply.bulk(l.value);
    }
    return;
  }
  ctx.reply.array(sel.selected.size());
  for (std::string_view name : sel.selected) {
    ctx.reply.array(2);
    ctx.reply.bulk(name);
    auto it = std::find_if(labels.begin(), labels.end(),
                           [&](const crdt::SeriesLabel& l) { return l.name == name; });
    it == labels.end() ? ctx.reply.null() : ctx.reply.bulk(it->value);
  }
}

// --- Lookups and writes -----------------------------------------------------------------------

// The series at `key` for a command that needs one: null after replying "the key does not
// exist" or WRONGTYPE.
const SeriesState* series_or_reply(Context& ctx, std::string_view key, bool write) {
  const KeyState* state = write ? ctx.lookup_write(key) : ctx.lookup_read(key);
  if (!state) {
    ctx.reply.error(kKeyMissing);
    return nullptr;
  }
  if (ctx.wrong_type(state, KeyType::kSeries)) return nullptr;
  return state->series();
}

const SeriesState* series_at(Context& ctx, int db, std::string_view key) {
  const KeyState* state = ctx.replica().find(db, key);
  return state && state->type() == KeyType::kSeries ? state->series() : nullptr;
}

void write_config(Context& ctx, std::string_view key, const SeriesConfig& config) {
  ctx.replica().write(crdt::op::SeriesMeta{ctx.db(), std::string(key), config, {}});
}

void write_sample(Context& ctx, std::string_view key, int64_t ts, double value) {
  ctx.replica().write(crdt::op::SeriesAdd{ctx.db(), std::string(key), {{ts, value}}, {}});
}

// The aggregate of one bucket of `source`, as a compaction rule writes it.
std::optional<double> bucket_value(const SeriesState& source, const crdt::SeriesRule& rule,
                                   int64_t start) {
  iot::RangeQuery q;
  q.from = start;
  q.to = start + rule.duration - 1;
  q.aggregation = iot::Aggregation{rule.aggregator, rule.duration, rule.align, {}, false};
  auto points = iot::query_range(source, q);
  if (points.empty()) return std::nullopt;
  return points.front().value;
}

// After a sample at `ts` reached `key` (whose newest sample was at `previous_last` before it),
// its rules write what changed: the bucket the sample closed, or the closed bucket it rewrote.
// The open bucket stays unwritten, as in RedisTimeSeries.
void apply_rules(Context& ctx, std::string_view key, int64_t ts,
                 std::optional<int64_t> previous_last) {
  const SeriesState* source = series_at(ctx, ctx.db(), key);
  if (!source || source->config().rules.empty() || !previous_last) return;
  const std::vector<crdt::SeriesRule> rules = source->config().rules;
  for (const crdt::SeriesRule& rule : rules) {
    const int64_t open = iot::bucket_start(*previous_last, rule.duration, rule.align);
    const int64_t bucket = iot::bucket_start(ts, rule.duration, rule.align);
    int64_t closed;
    if (bucket > open)
      closed = open;  // a sample in a later bucket closes the open one
    else if (bucket < open)
      closed = bucket;  // a late sample rewrites its closed bucket
    else
      continue;
    const SeriesState* dest = series_at(ctx, ctx.db(), rule.dest);
    source = series_at(ctx, ctx.db(), key);
    if (!dest || !source) continue;
    if (auto value = bucket_value(*source, rule, closed))
      write_sample(ctx, rule.dest, closed, *value);
  }
}

// Retention: once the series' oldest chunk is entirely older than the retention window, its
// writer removes it (an observed-remove, so replicas converge); readers hide the rest.
void trim(Context& ctx, std::string_view key) {
  const SeriesState* s = series_at(ctx, ctx.db(), key);
  if (!s || s->config().retention_ms == 0 || s->chunks().size() < 2) return;
  const int64_t cutoff = s->visible_from();
  const int64_t oldest_end = s->chunks().front().last_ts();
  if (oldest_end < cutoff)
    ctx.replica().write(
        crdt::op::SeriesRemove{ctx.db(), std::string(key), INT64_MIN, oldest_end, {}});
}

// What happens to a sample at `ts`: the value to store, nothing to do, or an error text.
struct Resolution {
  std::optional<double> value;
  std::string_view error;
};

Resolution resolve(const SeriesState* s, int64_t ts, double value, DuplicatePolicy policy) {
  if (!s) return {value, {}};
  const auto last = s->last();
  if (last && s->config().retention_ms > 0 && ts < last->ts &&
      last->ts - ts > s->config().retention_ms)
    return {std::nullopt, kOlderThanRetention};
  crdt::SeriesSample scratch;
  const crdt::SeriesSample* old = ts >= s->visible_from() ? s->find(ts, scratch) : nullptr;
  if (!old) return {value, {}};
  if (policy == DuplicatePolicy::kNone)
    policy = s->config().duplicate_policy != DuplicatePolicy::kNone ? s->config().duplicate_policy
                                                                    : kDefaultPolicy;
  switch (policy) {
    case DuplicatePolicy::kBlock:
    case DuplicatePolicy::kNone:
      return {std::nullopt, kBlocked};
    case DuplicatePolicy::kFirst:
      return {};
    case DuplicatePolicy::kLast:
      return {value, {}};
    case DuplicatePolicy::kMin:
      return {value < old->value ? std::optional(value) : std::nullopt, {}};
    case DuplicatePolicy::kMax:
      return {value > old->value ? std::optional(value) : std::nullopt, {}};
    case DuplicatePolicy::kSum:
      return {old->value + value, {}};
  }
  return {};
}

// Adds one resolved sample and what follows from it (rules, retention). The series exists.
void add_sample(Context& ctx, std::string_view key, int64_t ts, double value) {
  const SeriesState* s = series_at(ctx, ctx.db(), key);
  std::optional<int64_t> previous_last;
  if (s)
    if (auto last = s->last()) previous_last = last->ts;
  write_sample(ctx, key, ts, value);
  apply_rules(ctx, key, ts, previous_last);
  trim(ctx, key);
}

// --- Writes -----------------------------------------------------------------------------------

// TS.CREATE key [RETENTION ms] [ENCODING enc] [CHUNK_SIZE size] [DUPLICATE_POLICY policy] [LABELS
// label value ...]
void ts_create(Context& ctx) {
  auto options = parse_series_options(ctx, 2);
  if (!options) return;
  if (ctx.lookup_write(ctx.args[1])) return ctx.reply.error("TSDB: key already exists");
  write_config(ctx, ctx.args[1], config_from(*options));
  ctx.reply.ok();
}

// TS.ALTER key [RETENTION ms] [CHUNK_SIZE size] [DUPLICATE_POLICY policy] [LABELS label value ...]
void ts_alter(Context& ctx) {
  auto options = parse_series_options(ctx, 2);
  if (!options) return;
  const SeriesState* s = series_or_reply(ctx, ctx.args[1], true);
  if (!s) return;
  write_config(ctx, ctx.args[1], config_from(*options, s->config()));
  ctx.reply.ok();
}

// The parsed timestamp of TS.ADD / TS.MADD ("*" is now), or the error text.
std::optional<int64_t> add_timestamp(Context& ctx, std::string_view arg, std::string_view& error) {
  if (arg == "*") return ctx.now_ms();
  auto v = crdt::parse_strict_int64(arg);
  if (!v)
    error = kInvalidTimestamp;
  else if (*v < 0)
    error = kNegativeTimestamp;
  return error.empty() ? v : std::nullopt;
}

// TS.ADD key timestamp value [RETENTION ms] [ENCODING enc] [CHUNK_SIZE size] [ON_DUPLICATE policy]
// [LABELS label value ...]
void ts_add(Context& ctx) {
  std::string_view key = ctx.args[1], error;
  auto value = parse_double(ctx.args[3]);
  if (!value) return ctx.reply.error(kInvalidValue);
  auto ts = add_timestamp(ctx, ctx.args[2], error);
  if (!ts) return ctx.reply.error(error);
  auto options = parse_series_options(ctx, 4);
  if (!options) return;
  const KeyState* state = ctx.lookup_write(key);
  if (state && state->type() != KeyType::kSeries) return ctx.reply.error(kNotSeries);
  const SeriesState* s = state ? state->series() : nullptr;
  Resolution r = resolve(s, *ts, *value, options->on_duplicate.value_or(DuplicatePolicy::kNone));
  if (!r.error.empty()) return ctx.reply.error(r.error);
  ctx.replica().begin_unit();
  if (!state) write_config(ctx, key, config_from(*options));
  if (r.value) add_sample(ctx, key, *ts, *r.value);
  ctx.replica().commit_unit();
  ctx.reply.integer(*ts);
}

// TS.MADD key timestamp value [key timestamp value ...]
void ts_madd(Context& ctx) {
  if ((ctx.args.size() - 1) % 3 != 0)
    return ctx.reply.error("wrong number of arguments for 'ts.madd' command");
  const size_t n = (ctx.args.size() - 1) / 3;
  ctx.reply.array(n);
  ctx.replica().begin_unit();
  for (size_t i = 0; i < n; ++i) {
    std::string_view key = ctx.args[1 + 3 * i], error;
    auto ts = add_timestamp(ctx, ctx.args[2 + 3 * i], error);
    auto value = parse_double(ctx.args[3 + 3 * i]);
    if (!value) {
      ctx.reply.error(kInvalidValue);
      continue;
    }
    if (!ts) {
      ctx.reply.error(error);
      continue;
    }
    const KeyState* state = ctx.lookup_write(key);
    if (!state) {
      ctx.reply.error(kKeyMissing);
      continue;
    }
    if (state->type() != KeyType::kSeries) {
      ctx.reply.error(kNotSeries);
      continue;
    }
    Resolution r = resolve(state->series(), *ts, *value, DuplicatePolicy::kNone);
    if (!r.error.empty()) {
      ctx.reply.error(r.error);
      continue;
    }
    if (r.value) add_sample(ctx, key, *ts, *r.value);
    ctx.reply.integer(*ts);
  }
  ctx.replica().commit_unit();
}

// TS.INCRBY key value [TIMESTAMP timestamp] [RETENTION ms] [UNCOMPRESSED] [CHUNK_SIZE size] [LABELS
// label value ...]
void ts_incrby_generic(Context& ctx, bool decrement) {
  std::string_view key = ctx.args[1];
  auto by = parse_double(ctx.args[2]);
  if (!by) return ctx.reply.error("TSDB: invalid increase/decrease value");
  auto options = parse_series_options(ctx, 3);
  if (!options) return;
  int64_t ts = ctx.now_ms();
  if (options->timestamp && *options->timestamp != "*") {
    auto v = parse_timestamp(*options->timestamp);
    if (!v) return ctx.reply.error(kInvalidTimestamp);
    ts = *v;
  }
  const KeyState* state = ctx.lookup_write(key);
  if (ctx.wrong_type(state, KeyType::kSeries)) return;
  const SeriesState* s = state ? state->series() : nullptr;
  const auto last = s ? s->last() : std::nullopt;
  if (last && ts < last->ts)
    return ctx.reply.error(
        "TSDB: timestamp must be equal to or higher than the maximum existing timestamp");
  const double value = (last ? last->value : 0) + (decrement ? -*by : *by);
  ctx.replica().begin_unit();
  if (!state) write_config(ctx, key, config_from(*options));
  add_sample(ctx, key, ts, value);
  ctx.replica().commit_unit();
  ctx.reply.integer(ts);
}
void ts_incrby(Context& ctx) { ts_incrby_generic(ctx, false); }
void ts_decrby(Context& ctx) { ts_incrby_generic(ctx, true); }

// A range bound: "-" and "+" or a timestamp; the errors are TS.RANGE's.
std::optional<int64_t> range_bound(Context& ctx, std::string_view arg, bool from) {
  if (arg == (from ? "-" : "+")) return from ? 0 : INT64_MAX;
  auto v = parse_timestamp(arg);
  if (!v) ctx.reply.error(from ? "TSDB: wrong fromTimestamp" : "TSDB: wrong toTimestamp");
  return v;
}

// TS.DEL key fromTimestamp toTimestamp
void ts_del(Context& ctx) {
  auto from = range_bound(ctx, ctx.args[2], true);
  if (!from) return;
  auto to = range_bound(ctx, ctx.args[3], false);
  if (!to) return;
  const SeriesState* s = series_or_reply(ctx, ctx.args[1], true);
  if (!s) return;
  const auto deleted = static_cast<int64_t>(s->range(*from, *to).size());
  if (deleted > 0)
    ctx.replica().write(crdt::op::SeriesRemove{ctx.db(), std::string(ctx.args[1]), *from, *to, {}});
  ctx.reply.integer(deleted);
}

// TS.CREATERULE sourceKey destKey AGGREGATION aggregator bucketDuration [alignTimestamp]
void ts_createrule(Context& ctx) {
  if (ctx.args.size() != 6 && ctx.args.size() != 7)
    return ctx.reply.error("wrong number of arguments for 'ts.createrule' command");
  if (!is(ctx.args[3], "AGGREGATION"))
    return ctx.reply.error("wrong number of arguments for 'ts.createrule' command");
  auto aggregator = iot::parse_aggregator(ctx.args[4]);
  if (!aggregator) return ctx.reply.error("TSDB: Unknown aggregation type");
  auto duration = crdt::parse_strict_int64(ctx.args[5]);
  if (!duration) return ctx.reply.error("TSDB: Couldn't parse AGGREGATION");
  if (*duration <= 0) return ctx.reply.error("TSDB: bucketDuration must be greater than zero");
  int64_t align = 0;
  if (ctx.args.size() == 7) {
    auto v = parse_timestamp(ctx.args[6]);
    if (!v) return ctx.reply.error("TSDB: Couldn't parse alignTimestamp");
    align = *v;
  }
  std::string_view src = ctx.args[1], dst = ctx.args[2];
  if (src == dst)
    return ctx.reply.error("TSDB: the source key and destination key should be different");
  const SeriesState* source = series_or_reply(ctx, src, true);
  if (!source) return;
  if (source->config().has_source)
    return ctx.reply.error("TSDB: the source key already has a source rule");
  const SeriesState* dest = series_or_reply(ctx, dst, true);
  if (!dest) return;
  if (!dest->config().rules.empty())
    return ctx.reply.error("TSDB: the destination key already has a dst rule");
  if (dest->config().has_source)
    return ctx.reply.error("TSDB: the destination key already has a src rule");
  SeriesConfig source_config = source->config(), dest_config = dest->config();
  source_config.rules.push_back({std::string(dst), *aggregator, *duration, align});
  dest_config.has_source = true;
  dest_config.source = std::string(src);
  ctx.replica().begin_unit();
  write_config(ctx, src, source_config);
  write_config(ctx, dst, dest_config);
  ctx.replica().commit_unit();
  ctx.reply.ok();
}

// TS.DELETERULE sourceKey destKey
void ts_deleterule(Context& ctx) {
  std::string_view src = ctx.args[1], dst = ctx.args[2];
  const SeriesState* source = series_or_reply(ctx, src, true);
  if (!source) return;
  SeriesConfig source_config = source->config();
  const size_t before = source_config.rules.size();
  std::erase_if(source_config.rules, [&](const crdt::SeriesRule& r) { return r.dest == dst; });
  if (source_config.rules.size() == before)
    return ctx.reply.error("TSDB: compaction rule does not exist");
  const SeriesState* dest = series_or_reply(ctx, dst, true);
  if (!dest) return;
  SeriesConfig dest_config = dest->config();
  dest_config.has_source = false;
  dest_config.source.clear();
  ctx.replica().begin_unit();
  write_config(ctx, src, source_config);
  write_config(ctx, dst, dest_config);
  ctx.replica().commit_unit();
  ctx.reply.ok();
}

// --- Reads ------------------------------------------------------------------------------------

// TS.GET key
void ts_get(Context& ctx) {
  const SeriesState* s = series_or_reply(ctx, ctx.args[1], false);
  if (!s) return;
  const auto last = s->last();
  if (!last) return ctx.reply.array(0);
  reply_sample(ctx, last->ts, last->value);
}

// The options of TS.RANGE and TS.MRANGE after the two bounds, up to FILTER (MRANGE's labels).
struct RangeOptions {
  iot::RangeQuery query;
  std::optional<int64_t> align_mode;  // set: ALIGN given (resolved once bounds are known)
  bool align_start = false, align_end = false;
  LabelSelection labels;
  std::vector<iot::Matcher> filter;
  bool has_filter = false;
  std::optional<std::string_view> group_by;
  std::optional<Aggregator> reducer;
};

bool range_fail(Context& ctx, std::string_view text) {
  ctx.reply.error(text);
  return false;
}

bool parse_filter(Context& ctx, std::span<const std::string_view> args,
                  std::vector<iot::Matcher>& out) {
  for (std::string_view a : args) {
    auto m = iot::parse_matcher(a);
    if (!m) return range_fail(ctx, "TSDB: failed parsing labels");
    out.push_back(std::move(*m));
  }
  if (std::none_of(out.begin(), out.end(), [](const iot::Matcher& m) { return m.positive(); }))
    return range_fail(ctx, "TSDB: please provide at least one matcher");
  return true;
}

// Parses args[first..]. `multi`: TS.MRANGE's labels, FILTER and GROUPBY are allowed.
bool parse_range_options(Context& ctx, size_t first, bool multi, RangeOptions& o) {
  const auto& args = ctx.args;
  for (size_t i = first; i < args.size(); ++i) {
    const std::string_view a = args[i];
    const size_t left = args.size() - i - 1;
    if (is(a, "FILTER_BY_TS")) {
      std::vector<int64_t> ts;
      while (i + 1 < args.size()) {
        auto v = parse_timestamp(args[i + 1]);
        if (!v) break;
        ts.push_back(*v);
        ++i;
      }
      if (ts.empty())
        return range_fail(ctx, "TSDB: FILTER_BY_TS one or more arguments are missing");
      std::sort(ts.begin(), ts.end());
      o.query.filter_ts = std::move(ts);
    } else if (is(a, "FILTER_BY_VALUE")) {
      if (left < 2)
        return range_fail(ctx, "TSDB: FILTER_BY_VALUE one or more arguments are missing");
      auto min = parse_double(args[i + 1]);
      if (!min) return range_fail(ctx, "TSDB: Couldn't parse MIN");
      auto max = parse_double(args[i + 2]);
      if (!max) return range_fail(ctx, "TSDB: Couldn't parse MAX");
      o.query.filter_value = std::make_pair(*min, *max);
      i += 2;
    } else if (is(a, "COUNT")) {
      if (left < 1) return range_fail(ctx, "TSDB: COUNT argument is missing");
      auto v = crdt::parse_strict_int64(args[++i]);
      if (!v || *v <= 0) return range_fail(ctx, "TSDB: Couldn't parse COUNT");
      o.query.count = *v;
    } else if (is(a, "ALIGN")) {
      if (left < 1)
        return range_fail(ctx,
                          "wrong number of arguments for '" + std::string(args[0]) + "' command");
      std::string_view v = args[++i];
      o.align_start = is(v, "start") || v == "-";
      o.align_end = is(v, "end") || v == "+";
      if (o.align_start || o.align_end) {
        o.align_mode = 0;
      } else if (auto t = parse_timestamp(v)) {
        o.align_mode = *t;
      } else {
        return range_fail(ctx, "TSDB: unknown ALIGN parameter");
      }
    } else if (is(a, "AGGREGATION")) {
      if (left < 2) return range_fail(ctx, "TSDB: Couldn't parse AGGREGATION");
      auto agg = iot::parse_aggregator(args[i + 1]);
      if (!agg) return range_fail(ctx, "TSDB: Unknown aggregation type");
      auto duration = crdt::parse_strict_int64(args[i + 2]);
      if (!duration) return range_fail(ctx, "TSDB: Couldn't parse AGGREGATION");
      if (*duration <= 0) return range_fail(ctx, "TSDB: bucketDuration must be greater than zero");
      o.query.aggregation = iot::Aggregation{*agg, *duration, 0, {}, false};
      i += 2;
    } else if (is(a, "BUCKETTIMESTAMP")) {
      if (left < 1 || !o.query.aggregation)
        return range_fail(ctx, "TSDB: BUCKETTIMESTAMP parameter can only be used with AGGREGATION");
      std::string_view v = args[++i];
      auto& bt = o.query.aggregation->bucket_timestamp;
      if (is(v, "start") || v == "-")
        bt = iot::BucketTimestamp::kStart;
      else if (is(v, "end") || v == "+")
        bt = iot::BucketTimestamp::kEnd;
      else if (is(v, "mid") || v == "~")
        bt = iot::BucketTimestamp::kMid;
      else
        return range_fail(ctx, "TSDB: unknown BUCKETTIMESTAMP parameter");
    } else if (is(a, "EMPTY")) {
      if (!o.query.aggregation)
        return range_fail(ctx, "TSDB: EMPTY parameter can only be used with AGGREGATION");
      o.query.aggregation->empty = true;
    } else if (multi && is(a, "WITHLABELS")) {
      o.labels.all = true;
    } else if (multi && is(a, "SELECTED_LABELS")) {
      while (i + 1 < args.size() && !is(args[i + 1], "FILTER"))
        o.labels.selected.push_back(args[++i]);
      if (o.labels.selected.empty())
        return range_fail(ctx, "TSDB: SELECTED_LABELS requires at least one label");
    } else if (multi && is(a, "FILTER")) {
      size_t end = i + 1;
      while (end < args.size() && !is(args[end], "GROUPBY")) ++end;
      if (end == i + 1) return range_fail(ctx, "TSDB: missing FILTER argument");
      if (!parse_filter(ctx, args.subspan(i + 1, end - i - 1), o.filter)) return false;
      o.has_filter = true;
      i = end - 1;
    } else if (multi && is(a, "GROUPBY")) {
      if (left < 3 || !is(args[i + 2], "REDUCE"))
        return range_fail(ctx, "TSDB: missing REDUCE argument");
      o.group_by = args[i + 1];
      o.reducer = iot::parse_aggregator(args[i + 3]);
      if (!o.reducer || *o.reducer == Aggregator::kFirst || *o.reducer == Aggregator::kLast ||
          *o.reducer == Aggregator::kTwa)
        return range_fail(ctx, "TSDB: failed parsing reducer");
      i += 3;
    } else {
      return range_fail(ctx, errors::kSyntax);
    }
  }
  if (o.align_mode && !o.query.aggregation)
    return range_fail(ctx, "TSDB: ALIGN parameter can only be used with AGGREGATION");
  if (multi && !o.has_filter) return range_fail(ctx, "TSDB: missing FILTER argument");
  if (o.labels.all && !o.labels.selected.empty())
    return range_fail(ctx, "TSDB: cannot accept WITHLABELS and SELECT_LABELS together");
  return true;
}

// The query for one series once its bounds are known ("+" is its newest sample; ALIGN start and
// end are the range's bounds).
iot::RangeQuery resolve_query(const RangeOptions& o, int64_t from, int64_t to, bool reverse) {
  iot::RangeQuery q = o.query;
  q.from = from;
  q.to = to;
  q.reverse = reverse;
  if (q.aggregation && o.align_mode)
    q.aggregation->align = o.align_start ? from : o.align_end ? to : *o.align_mode;
  return q;
}

// TS.RANGE key fromTimestamp toTimestamp [FILTER_BY_TS ts...] [FILTER_BY_VALUE min max] [COUNT
// count] [[ALIGN align] AGGREGATION aggregator bucketDuration [BUCKETTIMESTAMP bt] [EMPTY]]
void ts_range_generic(Context& ctx, bool reverse) {
  const SeriesState* s = series_or_reply(ctx, ctx.args[1], false);
  if (!s) return;
  auto from = range_bound(ctx, ctx.args[2], true);
  if (!from) return;
  auto to = range_bound(ctx, ctx.args[3], false);
  if (!to) return;
  RangeOptions o;
  if (!parse_range_options(ctx, 4, false, o)) return;
  if (*to == INT64_MAX)
    if (auto last = s->last()) to = last->ts;
  reply_points(ctx, iot::query_range(*s, resolve_query(o, *from, *to, reverse)));
}
void ts_range(Context& ctx) { ts_range_generic(ctx, false); }
void ts_revrange(Context& ctx) { ts_range_generic(ctx, true); }

// The series of the client's database whose labels match, by key name (RedisTimeSeries's
// index order). The keyspace is scanned: there is no label index yet.
std::vector<std::pair<std::string, const SeriesState*>> matching_series(
    Context& ctx, const std::vector<iot::Matcher>& filter) {
  std::vector<std::string> keys;
  ctx.replica().table(ctx.db()).for_each([&](std::string_view key, KeyState& state) {
    if (state.type() == KeyType::kSeries && iot::matches(filter, state.series()->config().labels))
      keys.emplace_back(key);
  });
  std::sort(keys.begin(), keys.end());
  std::vector<std::pair<std::string, const SeriesState*>> out;
  for (std::string& key : keys)
    if (const SeriesState* s = series_at(ctx, ctx.db(), key)) out.emplace_back(std::move(key), s);
  return out;
}

// GROUPBY label REDUCE reducer: series grouped by their value of the label (those without it are
// left out), each group's samples reduced per timestamp.
void reply_grouped(Context& ctx, const RangeOptions& o,
                   const std::vector<std::pair<std::string, const SeriesState*>>& series,
                   int64_t from, int64_t to, bool reverse) {
  struct Group {
    std::vector<std::string> keys;
    std::map<int64_t, iot::Partial> by_ts;
  };
  std::map<std::string, Group> groups;
  for (const auto& [key, s] : series) {
    const auto& labels = s->config().labels;
    auto it = std::find_if(labels.begin(), labels.end(),
                           [&](const crdt::SeriesLabel& l) { return l.name == *o.group_by; });
    if (it == labels.end()) continue;
    Group& g = groups[it->value];
    g.keys.push_back(key);
    int64_t end = to;
    if (end == INT64_MAX)
      if (auto last = s->last()) end = last->ts;
    iot::RangeQuery q = resolve_query(o, from, end, false);
    q.count.reset();
    for (const iot::Point& p : iot::query_range(*s, q)) g.by_ts[p.ts].add(p.ts, p.value);
  }
  ctx.reply.array(groups.size());
  for (const auto& [value, g] : groups) {
    ctx.reply.array(3);
    ctx.reply.bulk(std::string(*o.group_by) + "=" + value);
    ctx.reply.array(3);
    std::string sources;
    for (const std::string& k : g.keys) sources += (sources.empty() ? "" : ",") + k;
    const std::pair<std::string_view, std::string> meta[] = {
        {*o.group_by, value},
        {"__reducer__", std::string(iot::aggregator_name(*o.reducer))},
        {"__source__", std::move(sources)}};
    for (const auto& [name, v] : meta) {
      ctx.reply.array(2);
      ctx.reply.bulk(name);
      ctx.reply.bulk(v);
    }
    std::vector<iot::Point> points;
    for (const auto& [ts, partial] : g.by_ts)
      points.push_back({ts, iot::finalize(*o.reducer, partial)});
    if (reverse) std::reverse(points.begin(), points.end());
    if (o.query.count && static_cast<uint64_t>(*o.query.count) < points.size())
      points.resize(static_cast<size_t>(*o.query.count));
    reply_points(ctx, points);
  }
}

// TS.MRANGE fromTimestamp toTimestamp [FILTER_BY_TS ts...] [FILTER_BY_VALUE min max] [WITHLABELS |
// SELECTED_LABELS label...] [COUNT count] [[ALIGN align] AGGREGATION aggregator bucketDuration
// [BUCKETTIMESTAMP bt] [EMPTY]] FILTER filterExpr... [GROUPBY label REDUCE reducer]
void ts_mrange_generic(Context& ctx, bool reverse) {
  auto from = range_bound(ctx, ctx.args[1], true);
  if (!from) return;
  auto to = range_bound(ctx, ctx.args[2], false);
  if (!to) return;
  RangeOptions o;
  if (!parse_range_options(ctx, 3, true, o)) return;
  const auto series = matching_series(ctx, o.filter);
  if (o.group_by) return reply_grouped(ctx, o, series, *from, *to, reverse);
  ctx.reply.array(series.size());
  for (const auto& [key, s] : series) {
    int64_t end = *to;
    if (end == INT64_MAX)
      if (auto last = s->last()) end = last->ts;
    ctx.reply.array(3);
    ctx.reply.bulk(key);
    reply_labels(ctx, s->config().labels, o.labels);
    reply_points(ctx, iot::query_range(*s, resolve_query(o, *from, end, reverse)));
  }
}
void ts_mrange(Context& ctx) { ts_mrange_generic(ctx, false); }
void ts_mrevrange(Context& ctx) { ts_mrange_generic(ctx, true); }

// TS.MGET [WITHLABELS | SELECTED_LABELS label...] FILTER filterExpr...
void ts_mget(Context& ctx) {
  LabelSelection labels;
  size_t i = 1;
  for (; i < ctx.args.size() && !is(ctx.args[i], "FILTER"); ++i) {
    if (is(ctx.args[i], "WITHLABELS")) {
      labels.all = true;
    } else if (is(ctx.args[i], "SELECTED_LABELS")) {
      while (i + 1 < ctx.args.size() && !is(ctx.args[i + 1], "FILTER"))
        labels.selected.push_back(ctx.args[++i]);
    } else {
      return ctx.reply.error(errors::kSyntax);
    }
  }
  if (i + 1 >= ctx.args.size()) return ctx.reply.error("TSDB: missing FILTER argument");
  std::vector<iot::Matcher> filter;
  if (!parse_filter(ctx, ctx.args.subspan(i + 1), filter)) return;
  const auto series = matching_series(ctx, filter);
  ctx.reply.array(series.size());
  for (const auto& [key, s] : series) {
    ctx.reply.array(3);
    ctx.reply.bulk(key);
    reply_labels(ctx, s->config().labels, labels);
    const auto last = s->last();
    last ? reply_sample(ctx, last->ts, last->value) : ctx.reply.array(0);
  }
}

// TS.QUERYINDEX filterExpr...
void ts_queryindex(Context& ctx) {
  std::vector<iot::Matcher> filter;
  if (!parse_filter(ctx, ctx.args.subspan(1), filter)) return;
  const auto series = matching_series(ctx, filter);
  ctx.reply.array(series.size());
  for (const auto& [key, s] : series) ctx.reply.bulk(key);
}

// TS.INFO key [DEBUG]
void ts_info(Context& ctx) {
  const SeriesState* s = series_or_reply(ctx, ctx.args[1], false);
  if (!s) return;
  const SeriesConfig& c = s->config();
  const auto visible = s->range(INT64_MIN, INT64_MAX);
  const auto field = [&](std::string_view name, int64_t v) {
    ctx.reply.simple(name);
    ctx.reply.integer(v);
  };
  ctx.reply.map(12);
  field("totalSamples", static_cast<int64_t>(visible.size()));
  field("memoryUsage", static_cast<int64_t>(sizeof(SeriesState) + s->heap_bytes()));
  field("firstTimestamp", visible.empty() ? 0 : visible.front().ts);
  field("lastTimestamp", visible.empty() ? 0 : visible.back().ts);
  field("retentionTime", c.retention_ms);
  field("chunkCount", static_cast<int64_t>(std::max<size_t>(1, s->chunks().size())));
  field("chunkSize", c.chunk_size);
  ctx.reply.simple("chunkType");
  ctx.reply.simple(c.uncompressed ? "uncompressed" : "compressed");
  ctx.reply.simple("duplicatePolicy");
  c.duplicate_policy == DuplicatePolicy::kNone ? ctx.reply.null()
                                               : ctx.reply.simple(policy_name(c.duplicate_policy));
  ctx.reply.simple("labels");
  reply_labels(ctx, c.labels, LabelSelection{true, {}});
  ctx.reply.simple("sourceKey");
  c.has_source ? ctx.reply.bulk(c.source) : ctx.reply.null();
  ctx.reply.simple("rules");
  ctx.reply.array(c.rules.size());
  for (const crdt::SeriesRule& r : c.rules) {
    ctx.reply.array(4);
    ctx.reply.bulk(r.dest);
    ctx.reply.integer(r.duration);
    ctx.reply.simple(iot::aggregator_upper_name(r.aggregator));
    ctx.reply.integer(r.align);
  }
}

constexpr uint32_t kWriteOom = kWrite | kDenyOom;

const CommandSpec kRows[] = {
    {"ts.create", -2, kWriteOom, 1, 1, 1, "timeseries", "Create a new time series", "1.0.0", "O(1)",
     ts_create, "@write @timeseries @fast",
     "key=key [retention=integer@RETENTION] [encoding=string@ENCODING] [size=integer@CHUNK_SIZE] "
     "[policy=string@DUPLICATE_POLICY] [labels=block@LABELS(label=string value=string)...]"},
    {"ts.alter", -2, kWrite, 1, 1, 1, "timeseries",
     "Update the retention, chunk size, duplicate policy, and labels of an existing time series",
     "1.0.0", "O(N) where N is the number of labels requested to update", ts_alter,
     "@write @timeseries @fast",
     "key=key [retention=integer@RETENTION] [size=integer@CHUNK_SIZE] "
     "[policy=string@DUPLICATE_POLICY] [labels=block@LABELS(label=string value=string)...]"},
    {"ts.add", -4, kWriteOom, 1, 1, 1, "timeseries", "Append a sample to a time series", "1.0.0",
     "O(M) when M is the amount of compaction rules or O(1) with no compaction", ts_add,
     "@write @timeseries @fast",
     "key=key timestamp=string value=double [retention=integer@RETENTION] "
     "[encoding=string@ENCODING] [size=integer@CHUNK_SIZE] [policy=string@ON_DUPLICATE] "
     "[labels=block@LABELS(label=string value=string)...]"},
    {"ts.madd", -4, kWriteOom, 1, -1, 3, "timeseries",
     "Append new samples to one or more time series", "1.0.0",
     "O(N*M) when N is the amount of series updated and M is the amount of compaction rules or "
     "O(N) with no compaction",
     ts_madd, "@write @timeseries @fast", "data=block(key=key timestamp=string value=double)..."},
    {"ts.incrby", -3, kWriteOom, 1, 1, 1, "timeseries",
     "Increase the value of the sample with the maximum existing timestamp, or create a new sample "
     "with a value equal to the value of the sample with the maximum existing timestamp with a "
     "given increment",
     "1.0.0", "O(M) when M is the amount of compaction rules or O(1) with no compaction", ts_incrby,
     "@write @timeseries @fast",
     "key=key value=double [timestamp=string@TIMESTAMP] [retention=integer@RETENTION] "
     "[uncompressed=pure@UNCOMPRESSED] [size=integer@CHUNK_SIZE] "
     "[labels=block@LABELS(label=string value=string)...]"},
    {"ts.decrby", -3, kWriteOom, 1, 1, 1, "timeseries",
     "Decrease the value of the sample with the maximum existing timestamp, or create a new sample "
     "with a value equal to the value of the sample with the maximum existing timestamp with a "
     "given decrement",
     "1.0.0", "O(M) when M is the amount of compaction rules or O(1) with no compaction", ts_decrby,
     "@write @timeseries @fast",
     "key=key value=double [timestamp=string@TIMESTAMP] [retention=integer@RETENTION] "
     "[uncompressed=pure@UNCOMPRESSED] [size=integer@CHUNK_SIZE] "
     "[labels=block@LABELS(label=string value=string)...]"},
    {"ts.del", 4, kWrite, 1, 1, 1, "timeseries",
     "Delete all samples between two timestamps for a given time series", "1.6.0",
     "O(N) where N is the number of data points that will be removed", ts_del,
     "@write @timeseries @slow", "key=key from_timestamp=integer to_timestamp=integer"},
    {"ts.createrule", -6, kWrite, 1, 2, 1, "timeseries", "Create a compaction rule", "1.0.0",
     "O(1)", ts_createrule, "@write @timeseries @fast",
     "sourceKey=key destKey=key aggregation=block@AGGREGATION(aggregator=string "
     "bucketDuration=integer) [alignTimestamp=integer]"},
    {"ts.deleterule", 3, kWrite, 1, 2, 1, "timeseries", "Delete a compaction rule", "1.0.0", "O(1)",
     ts_deleterule, "@write @timeseries @fast", "sourceKey=key destKey=key"},
    {"ts.get", 2, kReadonly | kFast, 1, 1, 1, "timeseries",
     "Get the sample with the highest timestamp from a given time series", "1.0.0", "O(1)", ts_get,
     "@read @timeseries @fast", "key=key"},
    {"ts.mget", -3, kReadonly, 0, 0, 0, "timeseries",
     "Get the sample with the highest timestamp from each time series matching a specific filter",
     "1.0.0", "O(n) where n is the number of time-series that match the filters", ts_mget,
     "@read @timeseries @slow",
     "[withlabels=pure@WITHLABELS] [selected_labels=string@SELECTED_LABELS...] "
     "filterExpr=string@FILTER..."},
    {"ts.range", -4, kReadonly, 1, 1, 1, "timeseries", "Query a range in forward direction",
     "1.0.0",
     "O(n/m+k) where n = Number of data points, m = Chunk size (data points per chunk), k = Number "
     "of data points that are in the requested range",
     ts_range, "@read @timeseries @slow", "key=key fromTimestamp=string toTimestamp=string"},
    {"ts.revrange", -4, kReadonly, 1, 1, 1, "timeseries", "Query a range in reverse direction",
     "1.4.0",
     "O(n/m+k) where n = Number of data points, m = Chunk size (data points per chunk), k = Number "
     "of data points that are in the requested range",
     ts_revrange, "@read @timeseries @slow", "key=key fromTimestamp=string toTimestamp=string"},
    {"ts.mrange", -4, kReadonly, 0, 0, 0, "timeseries",
     "Query a range across multiple time series by filters in forward direction", "1.0.0",
     "O(n/m+k) where n = Number of data points, m = Chunk size (data points per chunk), k = Number "
     "of data points that are in the requested ranges",
     ts_mrange, "@read @timeseries @slow",
     "fromTimestamp=string toTimestamp=string filterExpr=string@FILTER..."},
    {"ts.mrevrange", -4, kReadonly, 0, 0, 0, "timeseries",
     "Query a range across multiple time-series by filters in reverse direction", "1.4.0",
     "O(n/m+k) where n = Number of data points, m = Chunk size (data points per chunk), k = Number "
     "of data points that are in the requested ranges",
     ts_mrevrange, "@read @timeseries @slow",
     "fromTimestamp=string toTimestamp=string filterExpr=string@FILTER..."},
    {"ts.info", -2, kReadonly, 1, 1, 1, "timeseries",
     "Returns information and statistics for a time series", "1.0.0", "O(1)", ts_info,
     "@read @timeseries @fast", "key=key [debug=pure@DEBUG]"},
    {"ts.queryindex", -2, kReadonly, 0, 0, 0, "timeseries",
     "Get all time series keys matching a filter list", "1.0.0",
     "O(n) where n is the number of time-series that match the filters", ts_queryindex,
     "@read @timeseries @slow", "filterExpr=string..."},
};

}  // namespace

std::span<const CommandSpec> timeseries_commands() { return kRows; }

}  // namespace eddy::commands
