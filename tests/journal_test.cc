// The journal's record format and recovery, and snapshots, on files in a temporary directory.
#include "sync/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "crdt/clock.h"
#include "crdt/replica.h"
#include "sync/crc32c.h"
#include "sync/file_io.h"
#include "sync/persistence.h"
#include "sync/snapshot.h"

namespace eddy::sync {
namespace {

namespace fs = std::filesystem;

TEST(Crc32c, KnownValues) {
  // RFC 3720's check value for "123456789", and continuation across pieces.
  EXPECT_EQ(crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(crc32c("56789", crc32c("1234")), 0xe3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros), 0x8a9136aau);
}

// An edge's cursor file: read back as written; any damaged byte or length reads as nothing
// (and the edge then pulls from the start, which is always correct).
TEST(HubCursorFile, RoundTripsAndRefusesDamage) {
  const HubCursor written{123456789012345ull, 987654321ull};
  const std::string bytes = encode_hub_cursor(written);
  auto back = parse_hub_cursor(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->cursor, written.cursor);
  EXPECT_EQ(back->position, written.position);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x20);
    EXPECT_FALSE(parse_hub_cursor(damaged)) << i;
    EXPECT_FALSE(parse_hub_cursor(std::string_view(bytes).substr(0, i))) << i;
  }
  EXPECT_FALSE(parse_hub_cursor(bytes + "x"));
}

TEST(Record, RoundTrip) {
  std::string bytes;
  record::append(bytes, "first");
  record::append(bytes, std::string("\0\r\n", 3));
  record::append(bytes, "");
  std::string_view rest = bytes;
  std::vector<std::string> payloads;
  while (!rest.empty()) {
    auto r = record::read(rest);
    ASSERT_EQ(r.status, record::Status::kOk);
    payloads.emplace_back(r.payload);
    rest.remove_prefix(r.bytes);
  }
  EXPECT_EQ(payloads, (std::vector<std::string>{"first", std::string("\0\r\n", 3), ""}));
}

TEST(Record, EverySingleByteCorruptionIsDetected) {
  std::string bytes;
  record::append(bytes, "a journal record payload with some bytes");
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      auto r = record::read(damaged);
      EXPECT_NE(r.status, record::Status::kOk) << "byte " << i << " bit " << bit;
    }
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(~damaged[i]);
    EXPECT_NE(record::read(damaged).status, record::Status::kOk) << "byte " << i;
  }
}

TEST(Record, TornTailIsTornNotCorrupt) {
  std::string bytes;
  record::append(bytes, "payload");
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_EQ(record::read(std::string_view(bytes).substr(0, n)).status, record::Status::kTorn)
        << n;
}

TEST(Record, LengthBeyondTheInputIsTorn) {
  std::string bytes(8, '\xff');
  EXPECT_EQ(record::read(bytes).status, record::Status::kTorn);
}

TEST(Segment, HeaderRoundTripAndDamage) {
  std::string h = segment::header(42, 1000);
  ASSERT_EQ(h.size(), segment::kHeaderBytes);
  auto parsed = segment::parse_header(h);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->replica_id, 42u);
  EXPECT_EQ(parsed->first_position, 1000u);
  for (size_t i = 0; i < h.size(); ++i) {
    std::string damaged = h;
    damaged[i] ^= 0x10;
    EXPECT_FALSE(segment::parse_header(damaged)) << i;
  }
  EXPECT_EQ(segment::file_name("journal.eddy", 7), "journal.eddy.00000000000000000007");
}

// A temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/eddy-journal-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ManualClock : public crdt::Clock {
 public:
  int64_t now_us() const override { return now_ms * 1000; }
  int64_t now_ms = 1'700'000'000'000;
};

// Runs posted functions at once: the tests have no event loop.
Journal::Post inline_post() {
  return [](std::function<void()> fn) { fn(); };
}

crdt::Unit set_unit(crdt::Replica& replica, const std::string& key, const std::string& value) {
  crdt::Unit captured;
  struct Capture : crdt::EffectSink {
    crdt::Unit* out;
    void append(const crdt::Unit& unit) override { *out = unit; }
  } sink;
  sink.out = &captured;
  replica.set_sink(&sink);
  replica.write(crdt::op::SetString{0, key, value});
  replica.set_sink(nullptr);
  return captured;
}

struct Fixture {
  TempDir dir;
  ManualClock clock;
  crdt::Replica replica{clock, crdt::ReplicaOptions{0x1234, 16, false}};
  Journal::Options options() const {
    return Journal::Options{dir.path() + "/journal", "journal.eddy", 0x1234, FsyncPolicy::kAlways,
                            1 << 20};
  }
};

// The positions replayed, checking that each record's unit is the one written there (the
// fixtures write unit seq n at position n).
std::vector<uint64_t> replay_positions(const Journal::Options& options, ReplayReport& report) {
  std::vector<uint64_t> positions;
  auto err = Journal::replay(
      options,
      [&](uint64_t position, crdt::Unit&& unit) {
        EXPECT_EQ(unit.seq, position);
        positions.push_back(position);
      },
      report);
  EXPECT_FALSE(err) << *err;
  return positions;
}

TEST(Journal, AppendSyncReplay) {
  Fixture f;
  {
    Journal journal(f.options(), inline_post());
    ASSERT_FALSE(journal.open(1));
    for (int i = 0; i < 100; ++i) journal.append(set_unit(f.replica, "k" + std::to_string(i), "v"));
    journal.sync_now();
    EXPECT_EQ(journal.fsynced(), journal.appended());
  }
  ReplayReport report;
  auto positions = replay_positions(f.options(), report);
  ASSERT_EQ(positions.size(), 100u);
  for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(positions[i], i + 1);
  EXPECT_EQ(report.dropped_bytes, 0u);
  EXPECT_EQ(report.last_position, 100u);
}

// A command thread of its own: what the journal posts is queued, and run() runs it until `done`.
class PostedWork {
 public:
  Journal::Post post() {
    return [this](std::function<void()> fn) {
      std::lock_guard lock(mutex_);
      posted_.push_back(std::move(fn));
    };
  }
  void run_until(const bool& done) {
    for (int i = 0; i < 1000 && !done; ++i) {
      std::vector<std::function<void()>> run;
      {
        std::lock_guard lock(mutex_);
        run.swap(posted_);
      }
      for (auto& fn : run) fn();
      if (!done) ::usleep(2000);
    }
  }

 private:
  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;
};

TEST(Journal, AlwaysReleasesRepliesAfterTheFsync) {
  Fixture f;
  PostedWork work;
  Journal journal(f.options(), work.post());
  ASSERT_FALSE(journal.open(1));
  journal.append(set_unit(f.replica, "k", "v"));
  bool done = false;
  journal.when_safe(journal.appended(), [&] { done = true; });
  EXPECT_FALSE(done);
  work.run_until(done);  // the write, then the fsync thread's notice
  EXPECT_TRUE(done);
  EXPECT_GE(journal.fsyncs(), 1u);
  EXPECT_EQ(journal.fsynced(), journal.appended());
}

TEST(Journal, WhenFsyncedWaitsForAnFsyncWhateverThePolicy) {
  Fixture f;
  auto options = f.options();
  options.fsync = FsyncPolicy::kNo;
  PostedWork work;
  Journal journal(options, work.post());
  ASSERT_FALSE(journal.open(1));
  journal.append(set_unit(f.replica, "k", "v"));
  bool written = false, fsynced = false;
  journal.when_safe(journal.appended(), [&] { written = true; });
  journal.when_fsynced(journal.appended(), [&] { fsynced = true; });
  work.run_until(written);
  EXPECT_TRUE(written);
  work.run_until(fsynced);
  EXPECT_TRUE(fsynced);
  EXPECT_EQ(journal.fsynced(), journal.appended());
}

std::string last_segment(const std::string& dir) {
  auto names = list_dir(dir);
  return dir + "/" + names.back();
}

TEST(Journal, TornTailIsTruncated) {
  Fixture f;
  {
    Journal journal(f.options(), inline_post());
    ASSERT_FALSE(journal.open(1));
    for (int i = 0; i < 10; ++i) journal.append(set_unit(f.replica, "k" + std::to_string(i), "v"));
  }
  const std::string path = last_segment(f.options().dir);
  const auto full = fs::file_size(path);
  fs::resize_file(path, full - 3);  // the last record loses its last bytes
  ReplayReport report;
  auto positions = replay_positions(f.options(), report);
  EXPECT_EQ(positions.size(), 9u);
  EXPECT_EQ(report.dropped_records, 1u);
  EXPECT_GT(report.dropped_bytes, 0u);
  EXPECT_EQ(fs::file_size(path), full - 3 - report.dropped_bytes);
  // The truncated journal replays cleanly and takes appends after its last good record.
  {
    Journal journal(f.options(), inline_post());
    ASSERT_FALSE(journal.open(10));
    // The replica restarted from the journal: seq 10 went with the torn record and is reissued.
    crdt::Replica restarted(f.clock, crdt::ReplicaOptions{0x1234, 16, false});
    restarted.restore_clocks(9, f.replica.hlc(), {});
    journal.append(set_unit(restarted, "again", "v"));
  }
  ReplayReport again;
  EXPECT_EQ(replay_positions(f.options(), again).size(), 10u);
  EXPECT_EQ(again.dropped_bytes, 0u);
}

TEST(Journal, CorruptRecordDropsItAndEverythingAfter) {
  Fixture f;
  {
    Journal journal(f.options(), inline_post());
    ASSERT_FALSE(journal.open(1));
    for (int i = 0; i < 20; ++i) journal.append(set_unit(f.replica, "k" + std::to_string(i), "v"));
  }
  const std::string path = last_segment(f.options().dir);
  std::string bytes = read_file(path).bytes;
  const size_t middle = segment::kHeaderBytes + (bytes.size() - segment::kHeaderBytes) / 2;
  bytes[middle] ^= 0x01;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  ReplayReport report;
  auto positions = replay_positions(f.options(), report);
  EXPECT_GT(positions.size(), 5u);
  EXPECT_LT(positions.size(), 20u);
  EXPECT_EQ(report.dropped_records, 20u - positions.size());
  for (size_t i = 0; i < positions.size(); ++i) EXPECT_EQ(positions[i], i + 1);
}

TEST(Journal, SegmentsRotateAndDrop) {
  Fixture f;
  auto options = f.options();
  options.segment_bytes = 4096;
  const std::string value(200, 'x');
  {
    Journal journal(options, inline_post());
    ASSERT_FALSE(journal.open(1));
    for (int i = 0; i < 200; ++i) {
      journal.append(set_unit(f.replica, "k" + std::to_string(i), value));
      if (i % 10 == 9) journal.sync_now();
    }
    journal.sync_now();
    EXPECT_GT(list_dir(options.dir).size(), 5u);
    journal.rotate();
    journal.sync_now();
    journal.drop_through(200);
  }
  // Everything up to seq 200 was dropped: one empty segment starting at 201 remains.
  auto names = list_dir(options.dir);
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], segment::file_name("journal.eddy", 201));
  ReplayReport report;
  EXPECT_TRUE(replay_positions(options, report).empty());
}

TEST(Journal, SegmentOfAnotherReplicaIsRefused) {
  Fixture f;
  {
    Journal journal(f.options(), inline_post());
    ASSERT_FALSE(journal.open(1));
    journal.append(set_unit(f.replica, "k", "v"));
  }
  auto options = f.options();
  options.replica_id = 99;
  ReplayReport report;
  auto err = Journal::replay(
      options, [](uint64_t, crdt::Unit&&) {}, report);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("written by replica"), std::string::npos);
}

TEST(Snapshot, RoundTripAndDamage) {
  Fixture f;
  for (int i = 0; i < 1000; ++i)
    f.replica.write(
        crdt::op::SetString{i % 3, "key" + std::to_string(i), std::string(i % 90, 'v')});
  f.replica.write(crdt::op::ListPush{0, "list", crdt::ListSide::kTail, {"a", "b", "c"}});
  // A unit from another replica, so that the table of applied units has an entry to keep.
  crdt::Replica other(f.clock, crdt::ReplicaOptions{0x5678, 16, false});
  ASSERT_EQ(f.replica.apply_remote(set_unit(other, "remote", "r")),
            crdt::Replica::Delivery::kApplied);
  const std::string path = f.dir.path() + "/snapshot.eddy";
  SnapshotInfo info;
  ASSERT_FALSE(write_snapshot(f.replica, 77, path, 1234, &info));
  EXPECT_EQ(info.keys, 1002u);
  EXPECT_EQ(info.seq, f.replica.seq());
  const std::string bytes = read_file(path).bytes;
  EXPECT_EQ(info.bytes, bytes.size());
  EXPECT_EQ(snapshot_replica_id(bytes), 0x1234u);

  crdt::Replica loaded(f.clock, crdt::ReplicaOptions{0x1234, 16, false});
  SnapshotInfo loaded_info;
  ASSERT_FALSE(load_snapshot(bytes, loaded, loaded_info));
  EXPECT_EQ(loaded_info.keys, 1002u);
  EXPECT_EQ(loaded.applied_seq(other.node()), 1u);
  EXPECT_EQ(loaded_info.journal_position, 77u);
  EXPECT_EQ(loaded.seq(), f.replica.seq());
  EXPECT_EQ(loaded.hlc(), f.replica.hlc());
  EXPECT_EQ(loaded.version_vector(), f.replica.version_vector());
  for (int db = 0; db < 16; ++db) {
    ASSERT_EQ(loaded.size(db), f.replica.size(db));
    f.replica.table(db).for_each([&](std::string_view key, const crdt::KeyState& state) {
      const crdt::KeyState* other = loaded.peek(db, key);
      ASSERT_NE(other, nullptr) << key;
      EXPECT_TRUE(*other == state) << key;
    });
  }
  // Every damaged byte (a sample across the file) is refused, never loaded in part.
  for (size_t i = 0; i < bytes.size(); i += 1 + bytes.size() / 300) {
    std::string damaged = bytes;
    damaged[i] ^= 0x04;
    crdt::Replica target(f.clock, crdt::ReplicaOptions{0x1234, 16, false});
    SnapshotInfo ignored;
    EXPECT_TRUE(load_snapshot(damaged, target, ignored)) << "byte " << i;
  }
  for (size_t n : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    crdt::Replica target(f.clock, crdt::ReplicaOptions{0x1234, 16, false});
    SnapshotInfo ignored;
    EXPECT_TRUE(load_snapshot(std::string_view(bytes).substr(0, n), target, ignored)) << n;
  }
}

}  // namespace
}  // namespace eddy::sync
