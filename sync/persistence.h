#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crdt/replica.h"
#include "sync/journal.h"

namespace eddy::sync {

struct PersistenceOptions {
  bool appendonly = true;
  std::string appenddirname = "journal";
  std::string appendfilename = "journal.eddy";
  std::string dbfilename = "snapshot.eddy";
  FsyncPolicy fsync = FsyncPolicy::kEverySec;
  uint64_t segment_bytes = 64ull << 20;
  // Automatic snapshots: by journal growth (auto-aof-rewrite-*) and by Redis's `save` rules.
  int64_t rewrite_percentage = 100;
  uint64_t rewrite_min_size = 64ull << 20;
  std::vector<std::pair<int64_t, int64_t>> save_rules;  // (seconds, changes)
  // An edge with a hub keeps the journal records the hub has not acknowledged: they are its
  // offline queue, so a snapshot does not drop them.
  bool keep_unacked = false;
};

// Parses Redis's `save` value ("3600 1 300 100"); nothing when it is not pairs of numbers.
std::optional<std::vector<std::pair<int64_t, int64_t>>> parse_save_rules(std::string_view text);

// An edge's hub cursor as its data directory keeps it (sync.cursor): the cursor, and the journal
// position the units pulled up to it reach. Nothing when the bytes are not such a record.
struct HubCursor {
  uint64_t cursor = 0;
  uint64_t position = 0;
};
std::string encode_hub_cursor(const HubCursor& cursor);
std::optional<HubCursor> parse_hub_cursor(std::string_view bytes);

// The data directory's durability: its lock, the replica's stored identity, the snapshot and
// the journal. It is the replica's effect sink: every local unit goes to the journal and counts
// as a change since the last save. Snapshots are written by a forked child from a
// copy-on-write image of the keyspace, so commands pause only for the fork.
class Persistence final : public crdt::EffectSink {
 public:
  enum class ChildKind { kNone, kSave, kRewrite };

  struct Stats {
    bool loading = false;
    uint64_t changes_since_save = 0;
    int64_t last_save_s = 0;
    bool last_bgsave_ok = true;
    int64_t last_bgsave_seconds = -1;
    uint64_t saves = 0;
    int64_t last_rewrite_seconds = -1;
    bool last_rewrite_ok = true;
    uint64_t rewrites = 0;
    uint64_t rewrite_failures = 0;
    uint64_t loaded_keys = 0;
    uint64_t journal_base_bytes = 0;
    ReplayReport replay;
    uint64_t snapshot_bytes = 0;
    int64_t latest_fork_us = 0;  // how long the last fork paused commands
    uint64_t forks = 0;
    // The journal position up to which the hub acknowledged this replica's units: sync advances
    // it; until then an edge with a hub keeps its whole journal.
    uint64_t sync_acked_position = 0;
  };

  Persistence(PersistenceOptions options, Journal::Post post);
  ~Persistence() override;

  // Locks the data directory (the working directory), gives the replica its stored identity
  // (creating one on first start), loads the snapshot, replays the journal after it and opens
  // the journal for appending. An error text means the server must not start.
  std::optional<std::string> start(crdt::Replica& replica, int64_t now_ms);

  void append(const crdt::Unit& unit) override;

  // Sync follows the journal: every unit journaled (a local one, or one applied from another
  // replica) and, at start, every unit of the journal (those a snapshot covers too), with its
  // position. Requires appendonly.
  std::function<void(uint64_t position, const crdt::Unit& unit)> on_unit;
  // LATENCY's events, in milliseconds: the pause of a fork ("fork") and the journal's writes and
  // fsyncs (Journal::on_latency). Set before start.
  std::function<void(std::string_view event, int64_t ms)> on_latency;
  // Runs `done` on the command thread once everything journaled so far is fsynced, with the last
  // position that covers.
  void when_fsynced(std::function<void(uint64_t position)> done);

  // SAVE: a snapshot written by this thread; the journal before it is dropped.
  std::optional<std::string> save(crdt::Replica& replica, int64_t now_ms);
  // BGSAVE and BGREWRITEAOF: both write a snapshot in a child (eddy's journal is compacted by
  // snapshotting: it never rewrites records). Returns an error text when fork fails.
  std::optional<std::string> start_child(crdt::Replica& replica, ChildKind kind, int64_t now_ms);
  ChildKind child() const { return child_kind_; }
  int64_t child_started_ms() const { return child_started_ms_; }
  // A snapshot asked for while another runs (or inside a transaction) starts at the next cron,
  // as in Redis.
  void schedule(ChildKind kind) { scheduled_ = kind; }
  ChildKind scheduled() const { return scheduled_; }

  // Reaps a finished child and starts automatic snapshots; the server's cron calls it.
  void cron(crdt::Replica& replica, int64_t now_ms);
  // DEBUG RELOAD: saves (unless told not to), empties the keyspace and loads the snapshot.
  std::optional<std::string> reload(crdt::Replica& replica, bool save, int64_t now_ms);
  // SHUTDOWN: stops a running child, saves when asked, and makes the journal durable.
  std::optional<std::string> shutdown(crdt::Replica& replica, bool save, int64_t now_ms);

  // Replies wait for the journal records they may depend on: written to the file (fsynced
  // under `appendfsync always`). The journal offset they need, or 0 when nothing is in flight.
  uint64_t reply_barrier() const;
  void when_journaled(uint64_t offset, std::function<void()> done);
  // An edge's hub cursor, stored beside the journal once the journal holds `position`, the last
  // record of what was pulled up to it; load_hub_cursor (right after start) gives it back, or 0
  // when there is none or the journal loaded stops before its position.
  void save_hub_cursor(uint64_t cursor, uint64_t position);
  uint64_t load_hub_cursor() const;
  // The journal position through which the hub holds every unit of this replica: a snapshot
  // may drop the journal up to it (keep_unacked).
  void set_sync_acked_position(uint64_t position) {
    stats_.sync_acked_position = std::max(stats_.sync_acked_position, position);
  }
  // The last position journaled (written or not yet).
  uint64_t journal_position() const {
    return journal_ ? journal_->next_position() - 1 : journal_position_;
  }

  // Set when a journal write or fsync failed: writes are refused until it works again.
  std::optional<std::string> write_error() const;

  void set_fsync(FsyncPolicy policy);
  void set_options(const PersistenceOptions& options);
  const PersistenceOptions& options() const { return options_; }
  const Journal* journal() const { return journal_.get(); }
  const Stats& stats() const { return stats_; }

 private:
  std::optional<std::string> lock_dir();
  std::optional<std::string> load_identity(crdt::Replica& replica);
  void finish_child(bool ok, int64_t now_ms);
  // Starts a new journal segment (so that a snapshot's records can later be dropped whole) and
  // returns the position of the last record before it: what a snapshot taken now covers.
  uint64_t close_segment();
  // What a snapshot covering `position` lets the journal drop.
  uint64_t droppable(uint64_t position) const;

  PersistenceOptions options_;
  Journal::Post post_;
  std::unique_ptr<Journal> journal_;
  int lock_fd_ = -1;
  Stats stats_;
  pid_t child_pid_ = 0;
  ChildKind child_kind_ = ChildKind::kNone;
  int64_t child_started_ms_ = 0;
  uint64_t child_position_ = 0;
  uint64_t journal_position_ = 0;  // the last journal record written (or loaded)
  uint64_t child_changes_ = 0;
  ChildKind scheduled_ = ChildKind::kNone;
  int64_t last_attempt_ms_ = 0;
};

}  // namespace eddy::sync
