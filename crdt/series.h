#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crdt/effect.h"
#include "crdt/series_chunk.h"
#include "crdt/stamp.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

// The substate behind a time series key: its settings, a register written whole by TS.CREATE/ALTER
// and the rule commands, and its samples, a map timestamp → (value, dot) kept in compressed
// chunks. A write replaces what its writer saw (of the settings, or at a timestamp); of concurrent
// writes the greatest dot shows and the others are kept aside as shadows (rare: only concurrent
// writes of one timestamp make them), so that a removal of the winner shows the next one on every
// replica, whatever the order effects arrived in. A removal (TS.DEL, DEL, retention trimming)
// takes only the entries whose dots its writer had seen.
// Retention is applied by the writer as removal effects of whole chunks, and by readers, which
// hide what is older than the newest sample minus the retention: state stays a function of the
// effects applied, whatever their order.
class SeriesState {
 public:
  SeriesState() = default;
  SeriesState(SeriesState&&) noexcept = default;
  SeriesState& operator=(SeriesState&&) noexcept = default;
  SeriesState clone() const;

  // Never empty in a KeyState: settings written, or samples.
  bool empty() const { return config_dot_.empty() && chunks_.empty(); }
  size_t shadow_count() const { return shadows_.size() + config_shadows_.size(); }
  const SeriesConfig& config() const { return config_; }
  Stamp config_dot() const { return config_dot_; }

  // Every stored sample (hidden ones included).
  size_t size() const;
  const std::vector<SampleChunk>& chunks() const { return chunks_; }
  std::optional<SeriesSample> last() const;
  // What readers see: samples at or after the retention cutoff.
  int64_t visible_from() const;
  // The samples in [from, to] that readers see, oldest first.
  std::vector<SeriesSample> range(int64_t from, int64_t to) const;
  const SeriesSample* find(int64_t ts, SeriesSample& scratch) const;

  Stamp latest() const;
  void add_context(VersionVector& vv) const;
  // What a writer of the settings, or of a sample at `ts`, has seen there (winner and shadows).
  void add_config_context(VersionVector& vv) const;
  void add_context_at(int64_t ts, VersionVector& vv) const;

  void set_config(const Stamp& dot, const SeriesConfig& config, const VersionVector& seen);
  void add(const Stamp& dot, std::span<const SeriesPoint> samples, const VersionVector& seen);
  void remove(int64_t from, int64_t to, const VersionVector& seen);
  // A whole-key observed-remove (DEL, SET over the series, FLUSH).
  void remove_covered(const VersionVector& seen);

  static SeriesState join(const SeriesState& a, const VersionVector& a_context,
                          const SeriesState& b, const VersionVector& b_context);
  // Logical equality: settings and samples, whatever the chunk boundaries (they depend on the
  // order out-of-order samples arrived in).
  friend bool operator==(const SeriesState& a, const SeriesState& b);
  std::string debug_string() const;
  size_t heap_bytes() const;

 private:
  friend struct StateCodec;  // snapshots write and rebuild the representation (crdt/codec.cc)

  // The chunk a sample of timestamp ts belongs in: the first whose last timestamp is >= ts.
  size_t chunk_for(int64_t ts) const;
  // Stores `s` as the winner at its timestamp (replacing any), without conflict resolution.
  void put(const SeriesSample& s);
  void erase_winner(int64_t ts);
  // A write at s.ts: entries there covered by `seen` go, the greatest dot of the rest and s wins.
  void upsert(const SeriesSample& s, const VersionVector& seen);
  // After removals at `ts`: the greatest remaining shadow becomes the winner if none is left.
  void promote(int64_t ts);
  // Rebuilds chunk i from `samples` (splitting it when it grew past twice the chunk size, and
  // dropping it when empty).
  void rebuild(size_t i, const std::vector<SeriesSample>& samples);
  std::vector<SeriesSample> all() const;

  SeriesConfig config_;
  Stamp config_dot_;
  std::vector<SampleChunk> chunks_;  // in timestamp order, not overlapping, none empty
  // Concurrent losers: samples by (ts, dot), each below the winner at its timestamp; settings by
  // dot, each below config_dot_.
  std::vector<SeriesSample> shadows_;
  std::vector<std::pair<Stamp, SeriesConfig>> config_shadows_;
};

}  // namespace eddy::crdt
