#pragma once

#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crdt/effect.h"
#include "crdt/replica.h"

namespace eddy::sync {

// One journal record: [u32 length][u32 crc32c][payload], little-endian. The checksum covers the
// length and the payload, so a flipped bit anywhere in a record is detected.
namespace record {
inline constexpr size_t kHeaderBytes = 8;

void append(std::string& out, std::string_view payload);
// Fills in the header of the record whose header starts at `start` and whose payload runs to the
// end of `out` (a payload encoded in place).
void seal(std::string& out, size_t start);

enum class Status { kOk, kTorn, kCorrupt };
struct Read {
  Status status = Status::kTorn;
  std::string_view payload;
  size_t bytes = 0;  // the whole record, header included
};
// The record at the start of `in`: kTorn when `in` ends inside it (a write cut short by a crash),
// kCorrupt when its checksum does not match.
Read read(std::string_view in);
}  // namespace record

enum class FsyncPolicy { kAlways, kEverySec, kNo };
std::optional<FsyncPolicy> parse_fsync_policy(std::string_view name);

// A record's payload: its position in the journal (1, 2, 3, ...: what orders and checks the
// records, and what snapshots and segments are named by), then the unit. The unit may come from
// this replica (its seq is then this replica's seq) or, through sync, from another.
struct Entry {
  uint64_t position = 0;
  crdt::Unit unit;
};
std::optional<Entry> decode_entry(std::string_view payload);

// A segment file starts with a header naming the replica that wrote it and its first position,
// so a file from another data directory or a renamed segment is recognized, not replayed.
namespace segment {
inline constexpr size_t kHeaderBytes = 32;
std::string header(uint64_t replica_id, uint64_t first_position);
struct Header {
  uint64_t replica_id = 0;
  uint64_t first_position = 0;
};
std::optional<Header> parse_header(std::string_view bytes);
// "<basename>.<first position, 20 digits>": names sort in journal order.
std::string file_name(std::string_view basename, uint64_t first_position);
}  // namespace segment

// What replaying the journal found, for the log and INFO.
struct ReplayReport {
  uint64_t records = 0;         // records read (applied or already in the snapshot)
  uint64_t applied = 0;         // records applied
  uint64_t first_position = 0;  // of the first record (0: none)
  uint64_t last_position = 0;   // of the last good record (0: none)
  uint64_t bytes = 0;           // bytes kept, headers included
  uint64_t dropped_bytes = 0;   // bytes cut from a torn or corrupt tail
  uint64_t dropped_records = 0;
  size_t segments = 0;
};

// The journal: append-only segments of records, one unit (a command's or a transaction's
// effects) per record. The command thread encodes records into a buffer and writes the buffer
// once per pass of the event loop, after the commands of that pass ran and before their replies
// leave (Redis's beforeSleep), so a reply never leaves before its record is in the OS: a crash of
// the process loses no acknowledged write. A second thread fsyncs: every second for `everysec`;
// for `always` after every write, replies waiting until their records are on disk, so that one
// fsync covers every record written meanwhile (group commit) and 50 pipelining clients do not
// cost 50 fsyncs.
class Journal final : public crdt::EffectSink {
 public:
  struct Options {
    std::string dir;       // the segments' directory, created if missing
    std::string basename;  // appendfilename
    uint64_t replica_id = 0;
    FsyncPolicy fsync = FsyncPolicy::kEverySec;
    uint64_t segment_bytes = 64ull << 20;
  };
  // Runs a function on the command thread later, after the handlers already queued: how the
  // journal gets its once-per-pass write, and how the fsync thread reports.
  using Post = std::function<void(std::function<void()>)>;

  Journal(Options options, Post post);
  ~Journal() override;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Reads every segment in order, hands each good record to `apply` and truncates a torn or
  // corrupt tail (the bad record and everything after it). Positions must be contiguous from the
  // first segment's first. Returns an error text when the journal cannot be used (unreadable
  // directory, a segment of another replica).
  using Apply = std::function<void(uint64_t position, crdt::Unit&& unit)>;
  static std::optional<std::string> replay(const Options& options, const Apply& apply,
                                           ReplayReport& report);

  // Opens the last segment for appending (or starts one at `next_position`) and starts the
  // fsync thread.
  std::optional<std::string> open(uint64_t next_position);

  void append(const crdt::Unit& unit) override;
  // Writes what was appended (the once-per-pass write; also run by sync_now).
  void write_pending();

  void set_fsync(FsyncPolicy policy);
  FsyncPolicy fsync() const { return fsync_; }
  // Bytes appended since open; of them, how many a reply may rely on: fsynced for `always`,
  // written to the file otherwise.
  uint64_t appended() const { return appended_; }
  uint64_t written() const { return written_; }
  // The bytes the write buffer holds (Redis's AOF buffer: eviction does not count them).
  size_t buffer_bytes() const { return buffer_.capacity(); }
  uint64_t safe() const { return fsync_ == FsyncPolicy::kAlways ? fsynced() : written_; }
  uint64_t fsynced() const { return fsynced_.load(std::memory_order_acquire); }
  // Runs `done` on the command thread once `offset` is safe.
  void when_safe(uint64_t offset, std::function<void()> done);
  // Runs `done` on the command thread once `offset` is fsynced, whatever appendfsync says: a hub
  // acknowledges an edge's units, and an edge what it pulled, only then.
  void when_fsynced(uint64_t offset, std::function<void()> done);
  // Writes and fsyncs everything appended so far (SHUTDOWN, SAVE).
  void sync_now();

  // The position the next record takes.
  uint64_t next_position() const { return next_position_; }
  // Snapshots: the records from now on go to a new segment, so that once a snapshot covering
  // the records before is safe the older segments can go.
  void rotate();
  // Deletes the segments whose records all have positions <= `position`.
  void drop_through(uint64_t position);

  // The size of all segments on disk, and the errno of the last failed write or fsync (0: none).
  uint64_t disk_bytes() const { return disk_bytes_; }
  int last_error() const { return std::max(write_error_, fsync_error_.load()); }
  uint64_t fsyncs() const { return fsyncs_.load(std::memory_order_relaxed); }

  // LATENCY's events, reported on the command thread in milliseconds: a write of the journal
  // ("aof-write", on the command thread) and an fsync ("aof-fsync", on the fsync thread).
  std::function<void(std::string_view event, int64_t ms)> on_latency;

 private:
  struct Segment {
    uint64_t first_position = 0;
    std::string path;
  };

  void fsync_loop();
  // Makes the segments switched away from, and the directory entries of new ones, durable, and
  // deletes the doomed ones.
  void sync_retired();
  void write_out(std::string_view bytes);
  bool start_segment(uint64_t first_position);
  void release();
  void schedule_write();

  Options options_;
  Post post_;
  FsyncPolicy fsync_;

  // Command thread only.
  std::string buffer_;  // records appended, not yet written
  uint64_t next_position_ = 1;
  std::optional<std::pair<size_t, uint64_t>> rotation_;  // (offset in buffer_, first position)
  uint64_t appended_ = 0;
  uint64_t written_ = 0;
  uint64_t segment_size_ = 0;
  uint64_t disk_bytes_ = 0;
  int write_error_ = 0;
  std::vector<Segment> segments_;
  using Waiters = std::deque<std::pair<uint64_t, std::function<void()>>>;
  Waiters waiters_;        // for safe()
  Waiters fsync_waiters_;  // for fsynced()
  bool write_posted_ = false;

  // Shared with the fsync thread, under mutex_: the file to fsync and how far it is written.
  std::mutex mutex_;
  std::condition_variable wake_;
  int fd_ = -1;
  // A new segment's creation is made durable by the fsync thread, off the command thread: the
  // previous segment's last records, then the directory entry, before anything after them.
  std::vector<int> retired_fds_;
  bool dir_unsynced_ = false;
  // Segments a snapshot made unnecessary: unlinking a large file takes milliseconds, so the
  // fsync thread does it.
  std::vector<std::string> doomed_;
  uint64_t written_shared_ = 0;
  uint64_t fsync_wanted_ = 0;  // `always`: an fsync up to here is due
  FsyncPolicy fsync_shared_;
  bool stopping_ = false;

  std::atomic<uint64_t> fsynced_{0};
  std::atomic<int> fsync_error_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::thread fsyncer_;
};

}  // namespace eddy::sync
