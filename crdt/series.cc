#include "crdt/series.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "crdt/cell.h"

namespace eddy::crdt {
namespace {

bool by_ts(const SeriesSample& a, const SeriesSample& b) { return a.ts < b.ts; }
bool by_ts_dot(const SeriesSample& a, const SeriesSample& b) {
  return a.ts != b.ts ? a.ts < b.ts : a.dot < b.dot;
}

}  // namespace

SeriesState SeriesState::clone() const {
  SeriesState copy;
  copy.config_ = config_;
  copy.config_dot_ = config_dot_;
  copy.chunks_ = chunks_;
  copy.shadows_ = shadows_;
  copy.config_shadows_ = config_shadows_;
  return copy;
}

size_t SeriesState::size() const {
  size_t n = 0;
  for (const SampleChunk& c : chunks_) n += c.count();
  return n;
}

std::optional<SeriesSample> SeriesState::last() const {
  if (chunks_.empty()) return std::nullopt;
  return chunks_.back().last();
}

int64_t SeriesState::visible_from() const {
  if (chunks_.empty() || config_.retention_ms <= 0) return INT64_MIN;
  const int64_t last = chunks_.back().last_ts();
  int64_t from;
  return __builtin_sub_overflow(last, config_.retention_ms, &from) ? INT64_MIN : from;
}

std::vector<SeriesSample> SeriesState::range(int64_t from, int64_t to) const {
  from = std::max(from, visible_from());
  std::vector<SeriesSample> out;
  for (size_t i = chunk_for(from); i < chunks_.size() && chunks_[i].first_ts() <= to; ++i) {
    chunks_[i].for_each([&](const SeriesSample& s) {
      if (s.ts > to) return false;
      if (s.ts >= from) out.push_back(s);
      return true;
    });
  }
  return out;
}

const SeriesSample* SeriesState::find(int64_t ts, SeriesSample& scratch) const {
  const size_t i = chunk_for(ts);
  if (i == chunks_.size() || chunks_[i].first_ts() > ts) return nullptr;
  if (chunks_[i].last_ts() == ts) return &(scratch = chunks_[i].last());
  bool found = false;
  chunks_[i].for_each([&](const SeriesSample& s) {
    if (s.ts == ts) scratch = s, found = true;
    return s.ts < ts;
  });
  return found ? &scratch : nullptr;
}

Stamp SeriesState::latest() const {
  Stamp best = config_dot_;
  for (const SampleChunk& c : chunks_)
    for (const auto& e : c.context().entries()) best = std::max(best, Stamp{e.hlc, e.node});
  for (const SeriesSample& s : shadows_) best = std::max(best, s.dot);
  for (const auto& [dot, config] : config_shadows_) best = std::max(best, dot);
  return best;
}

void SeriesState::add_config_context(VersionVector& vv) const {
  if (!config_dot_.empty()) vv.add(config_dot_);
  for (const auto& [dot, config] : config_shadows_) vv.add(dot);
}

void SeriesState::add_context(VersionVector& vv) const {
  add_config_context(vv);
  for (const SampleChunk& c : chunks_) vv.merge(c.context());
  for (const SeriesSample& s : shadows_) vv.add(s.dot);
}

void SeriesState::add_context_at(int64_t ts, VersionVector& vv) const {
  if (chunks_.empty() || ts > chunks_.back().last_ts()) return;  // an append: nothing there
  SeriesSample scratch;
  if (const SeriesSample* s = find(ts, scratch)) vv.add(s->dot);
  for (const SeriesSample& s : shadows_)
    if (s.ts == ts) vv.add(s.dot);
}

void SeriesState::set_config(const Stamp& dot, const SeriesConfig& config,
                             const VersionVector& seen) {
  std::erase_if(config_shadows_, [&](const auto& e) { return seen.covers(e.first); });
  if (!config_dot_.empty() && !seen.covers(config_dot_))
    config_shadows_.emplace_back(config_dot_, std::move(config_));
  config_shadows_.emplace_back(dot, config);
  // The greatest dot shows; the others stay aside in dot order.
  std::sort(config_shadows_.begin(), config_shadows_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  config_dot_ = config_shadows_.back().first;
  config_ = std::move(config_shadows_.back().second);
  config_shadows_.pop_back();
}

size_t SeriesState::chunk_for(int64_t ts) const {
  auto it = std::lower_bound(chunks_.begin(), chunks_.end(), ts,
                             [](const SampleChunk& c, int64_t t) { return c.last_ts() < t; });
  return static_cast<size_t>(it - chunks_.begin());
}

void SeriesState::rebuild(size_t i, const std::vector<SeriesSample>& samples) {
  auto at = chunks_.begin() + static_cast<std::ptrdiff_t>(i);
  if (samples.empty()) {
    chunks_.erase(at);
    return;
  }
  SampleChunk whole = SampleChunk::from(samples);
  if (samples.size() < 2 || whole.bytes() <= 2 * static_cast<size_t>(config_.chunk_size)) {
    *at = std::move(whole);
    return;
  }
  const auto half = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  *at = SampleChunk::from({samples.begin(), half});
  chunks_.insert(at + 1, SampleChunk::from({half, samples.end()}));
}

// The common case is a reading newer than every other: appended to the last chunk, or to a new
// one once the last has reached the chunk size. Anything else rebuilds the chunk it falls in.
void SeriesState::put(const SeriesSample& s) {
  if (chunks_.empty() || s.ts > chunks_.back().last_ts()) {
    if (chunks_.empty() || chunks_.back().bytes() >= static_cast<size_t>(config_.chunk_size))
      chunks_.emplace_back();
    chunks_.back().append(s);
    return;
  }
  const size_t i = chunk_for(s.ts);
  std::vector<SeriesSample> samples = chunks_[i].decode();
  auto pos = std::lower_bound(samples.begin(), samples.end(), s, by_ts);
  if (pos != samples.end() && pos->ts == s.ts)
    *pos = s;
  else
    samples.insert(pos, s);
  rebuild(i, samples);
}

void SeriesState::erase_winner(int64_t ts) {
  const size_t i = chunk_for(ts);
  if (i == chunks_.size()) return;
  std::vector<SeriesSample> samples = chunks_[i].decode();
  std::erase_if(samples, [&](const SeriesSample& s) { return s.ts == ts; });
  rebuild(i, samples);
}

void SeriesState::upsert(const SeriesSample& s, const VersionVector& seen) {
  SeriesSample scratch;
  const SeriesSample* winner =
      chunks_.empty() || s.ts > chunks_.back().last_ts() ? nullptr : find(s.ts, scratch);
  if (!winner) return put(s);        // no shadow without a winner: nothing else to resolve
  if (winner->dot == s.dot) return;  // a duplicate delivery
  // Everything at s.ts that the writer did not see stays, as shadows below the greatest.
  std::vector<SeriesSample> alive{s};
  if (!seen.covers(winner->dot)) alive.push_back(*winner);
  auto [lo, hi] =
      std::equal_range(shadows_.begin(), shadows_.end(), s,
                       [](const SeriesSample& a, const SeriesSample& b) { return a.ts < b.ts; });
  for (auto it = lo; it != hi; ++it)
    if (!seen.covers(it->dot) && !(it->dot == s.dot)) alive.push_back(*it);
  shadows_.erase(lo, hi);
  std::sort(alive.begin(), alive.end(), by_ts_dot);
  put(alive.back());
  alive.pop_back();
  shadows_.insert(std::upper_bound(shadows_.begin(), shadows_.end(), s, by_ts), alive.begin(),
                  alive.end());
}

void SeriesState::add(const Stamp& dot, std::span<const SeriesPoint> samples,
                      const VersionVector& seen) {
  for (const SeriesPoint& p : samples) upsert(SeriesSample{p.ts, p.value, dot}, seen);
}

void SeriesState::promote(int64_t ts) {
  SeriesSample scratch;
  if (find(ts, scratch)) return;
  auto [lo, hi] =
      std::equal_range(shadows_.begin(), shadows_.end(), SeriesSample{ts, 0, {}},
                       [](const SeriesSample& a, const SeriesSample& b) { return a.ts < b.ts; });
  if (lo == hi) return;
  const SeriesSample best = *(hi - 1);
  shadows_.erase(hi - 1);
  put(best);
}

void SeriesState::remove(int64_t from, int64_t to, const VersionVector& seen) {
  std::vector<int64_t> emptied;  // timestamps whose winner went
  for (size_t i = chunk_for(from); i < chunks_.size() && chunks_[i].first_ts() <= to;) {
    std::vector<SeriesSample> samples = chunks_[i].decode();
    const size_t before = samples.size();
    std::erase_if(samples, [&](const SeriesSample& s) {
      const bool gone = s.ts >= from && s.ts <= to && seen.covers(s.dot);
      if (gone) emptied.push_back(s.ts);
      return gone;
    });
    if (samples.size() == before) {
      ++i;
      continue;
    }
    const size_t chunks_before = chunks_.size();
    rebuild(i, samples);
    i += chunks_.size() + 1 - chunks_before;  // past what replaced chunk i
  }
  if (shadows_.empty()) return;
  std::erase_if(shadows_, [&](const SeriesSample& s) {
    return s.ts >= from && s.ts <= to && seen.covers(s.dot);
  });
  for (int64_t ts : emptied) promote(ts);
}

void SeriesState::remove_covered(const VersionVector& seen) {
  std::erase_if(config_shadows_, [&](const auto& e) { return seen.covers(e.first); });
  if (seen.covers(config_dot_)) {
    config_ = SeriesConfig{};
    config_dot_ = Stamp{};
    if (!config_shadows_.empty()) {
      config_dot_ = config_shadows_.back().first;
      config_ = std::move(config_shadows_.back().second);
      config_shadows_.pop_back();
    }
  }
  remove(INT64_MIN, INT64_MAX, seen);
}

std::vector<SeriesSample> SeriesState::all() const {
  std::vector<SeriesSample> out;
  out.reserve(size());
  for (const SampleChunk& c : chunks_)
    c.for_each([&](const SeriesSample& s) {
      out.push_back(s);
      return true;
    });
  return out;
}

// An OR-set join of the entries (winners and shadows, settings and samples): an entry on one
// side, absent from the other but covered by the other's context, was removed or replaced there.
// Per timestamp, and for the settings, the greatest surviving dot wins.
SeriesState SeriesState::join(const SeriesState& a, const VersionVector& ac, const SeriesState& b,
                              const VersionVector& bc) {
  SeriesState out;
  auto configs = [](const SeriesState& x) {
    std::vector<std::pair<Stamp, SeriesConfig>> all = x.config_shadows_;
    if (!x.config_dot_.empty()) all.emplace_back(x.config_dot_, x.config_);
    return all;
  };
  auto entries = [](const SeriesState& x) {
    std::vector<SeriesSample> all = x.all();
    all.insert(all.end(), x.shadows_.begin(), x.shadows_.end());
    std::sort(all.begin(), all.end(), by_ts_dot);
    return all;
  };
  const auto a_configs = configs(a), b_configs = configs(b);
  std::vector<std::pair<Stamp, SeriesConfig>> kept;
  auto keep_configs = [&](const auto& mine, const auto& theirs, const VersionVector& their_context,
                          bool skip_common) {
    for (const auto& e : mine) {
      const bool common = std::any_of(theirs.begin(), theirs.end(),
                                      [&](const auto& t) { return t.first == e.first; });
      if ((common && !skip_common) || (!common && !their_context.covers(e.first)))
        kept.push_back(e);
    }
  };
  keep_configs(a_configs, b_configs, bc, false);
  keep_configs(b_configs, a_configs, ac, true);
  std::sort(kept.begin(), kept.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  if (!kept.empty()) {
    out.config_dot_ = kept.back().first;
    out.config_ = kept.back().second;
    kept.pop_back();
    out.config_shadows_ = std::move(kept);
  }
  const auto a_entries = entries(a), b_entries = entries(b);
  std::vector<SeriesSample> samples;
  auto keep_samples = [&](const auto& mine, const auto& theirs, const VersionVector& their_context,
                          bool skip_common) {
    for (const SeriesSample& e : mine) {
      const bool common = std::binary_search(theirs.begin(), theirs.end(), e, by_ts_dot);
      if ((common && !skip_common) || (!common && !their_context.covers(e.dot)))
        samples.push_back(e);
    }
  };
  keep_samples(a_entries, b_entries, bc, false);
  keep_samples(b_entries, a_entries, ac, true);
  std::sort(samples.begin(), samples.end(), by_ts_dot);
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i + 1 < samples.size() && samples[i + 1].ts == samples[i].ts)
      out.shadows_.push_back(samples[i]);
    else
      out.put(samples[i]);
  }
  return out;
}

bool operator==(const SeriesState& a, const SeriesState& b) {
  return a.config_ == b.config_ && a.config_dot_ == b.config_dot_ &&
         a.config_shadows_ == b.config_shadows_ && a.shadows_ == b.shadows_ && a.all() == b.all();
}

std::string SeriesState::debug_string() const {
  std::string out = "series={";
  if (!config_dot_.empty()) {
    out += "config@" + debug_stamp(config_dot_) +
           " retention=" + std::to_string(config_.retention_ms) +
           " labels=" + std::to_string(config_.labels.size()) +
           " rules=" + std::to_string(config_.rules.size());
  }
  out += " samples=[";
  bool first = true;
  for (const SeriesSample& s : all()) {
    char value[32];
    std::snprintf(value, sizeof value, "%.17g", s.value);
    out += (first ? "" : " ") + std::to_string(s.ts) + ":" + value + "@" + debug_stamp(s.dot);
    first = false;
  }
  for (const SeriesSample& s : shadows_)
    out += " shadow=" + std::to_string(s.ts) + "@" + debug_stamp(s.dot);
  for (const auto& [dot, config] : config_shadows_) out += " config-shadow@" + debug_stamp(dot);
  return out + "]}";
}

size_t SeriesState::heap_bytes() const {
  size_t bytes = chunks_.capacity() * sizeof(SampleChunk);
  for (const SampleChunk& c : chunks_) bytes += c.heap_bytes();
  for (const SeriesLabel& l : config_.labels) bytes += l.name.capacity() + l.value.capacity();
  return bytes + config_.labels.capacity() * sizeof(SeriesLabel) +
         config_.rules.capacity() * sizeof(SeriesRule) +
         shadows_.capacity() * sizeof(SeriesSample) +
         config_shadows_.capacity() * sizeof(config_shadows_[0]);
}

}  // namespace eddy::crdt
