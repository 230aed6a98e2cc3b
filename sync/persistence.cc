#include "sync/persistence.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "compact/codec.h"
#include "compact/log.h"
#include "crdt/codec.h"
#include "sync/crc32c.h"
#include "sync/file_io.h"
#include "sync/snapshot.h"

namespace eddy::sync {
namespace {

using compact::log;
using compact::LogLevel;

constexpr const char* kLockFile = "eddy.lock";
constexpr const char* kIdentityFile = "replica.id";
// An edge's hub cursor: "EDDYCURS", the cursor, the journal position it needs, a crc32c.
constexpr const char* kCursorFile = "sync.cursor";
constexpr std::string_view kCursorMagic = "EDDYCURS";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string format_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

}  // namespace

std::optional<std::vector<std::pair<int64_t, int64_t>>> parse_save_rules(std::string_view text) {
  std::vector<int64_t> numbers;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    int64_t v = 0;
    size_t start = i;
    for (; i < text.size() && text[i] != ' '; ++i) {
      if (text[i] < '0' || text[i] > '9' || v > (INT64_MAX - 9) / 10) return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    if (i == start) return std::nullopt;
    numbers.push_back(v);
  }
  if (numbers.size() % 2 != 0) return std::nullopt;
  std::vector<std::pair<int64_t, int64_t>> rules;
  for (size_t k = 0; k < numbers.size(); k += 2) rules.emplace_back(numbers[k], numbers[k + 1]);
  return rules;
}

Persistence::Persistence(PersistenceOptions options, Journal::Post post)
    : options_(std::move(options)), post_(std::move(post)) {}

Persistence::~Persistence() {
  if (child_pid_ > 0) {
    ::kill(child_pid_, SIGKILL);
    ::waitpid(child_pid_, nullptr, 0);
  }
  journal_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::optional<std::string> Persistence::lock_dir() {
  lock_fd_ = ::open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0)
    return std::string("Can't open the lock file ") + kLockFile + ": " + errno_text(errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return errno == EWOULDBLOCK ? "Can't lock the data directory: another eddy process is using it"
                                : "Can't lock the data directory: " + errno_text(errno);
  return std::nullopt;
}

std::optional<std::string> Persistence::load_identity(crdt::Replica& replica) {
  FileRead file = read_file(kIdentityFile);
  if (!file.error.empty()) return std::string("Can't read ") + kIdentityFile + ": " + file.error;
  if (file.exists) {
    uint64_t id = 0;
    size_t digits = 0;
    for (char c : file.bytes) {
      if (c == '\n') break;
      if (c < '0' || c > '9' || digits++ > 19)
        return std::string("Bad replica id in ") + kIdentityFile;
      id = id * 10 + static_cast<uint64_t>(c - '0');
    }
    if (id == 0) return std::string("Bad replica id in ") + kIdentityFile;
    replica.adopt_identity(id);
    return std::nullopt;
  }
  // First start: a new identity, durable before anything is written under it.
  const uint64_t id = crdt::NodeRegistry::new_replica_id();
  const std::string temp = std::string(kIdentityFile) + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::string("Can't create ") + kIdentityFile + ": " + errno_text(errno);
  int err = write_all(fd, std::to_string(id) + "\n");
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err == 0 && ::rename(temp.c_str(), kIdentityFile) != 0) err = errno;
  if (err == 0) err = fsync_dir(".");
  if (err != 0) return std::string("Can't create ") + kIdentityFile + ": " + errno_text(err);
  replica.adopt_identity(id);
  log(LogLevel::kNotice, "New replica id " + std::to_string(id));
  return std::nullopt;
}

std::string encode_hub_cursor(const HubCursor& c) {
  std::string bytes(kCursorMagic);
  compact::Encoder out(bytes);
  out.fixed64(c.cursor);
  out.fixed64(c.position);
  out.fixed32(crc32c(bytes));
  return bytes;
}

void Persistence::save_hub_cursor(uint64_t cursor, uint64_t position) {
  const std::string bytes = encode_hub_cursor({cursor, position});
  // Not fsynced: a cursor lost or torn by a crash reads as 0, and the edge pulls again what it
  // already has, which it recognizes and skips.
  const std::string temp = std::string(kCursorFile) + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const int err = write_all(fd, bytes);
  ::close(fd);
  if (err == 0) ::rename(temp.c_str(), kCursorFile);
}

std::optional<HubCursor> parse_hub_cursor(std::string_view bytes) {
  if (bytes.size() != kCursorMagic.size() + 20 || !bytes.starts_with(kCursorMagic))
    return std::nullopt;
  compact::Decoder in(bytes.substr(kCursorMagic.size()));
  HubCursor c;
  uint32_t crc = 0;
  if (!in.fixed64(c.cursor) || !in.fixed64(c.position) || !in.fixed32(crc) ||
      crc != crc32c(bytes.substr(0, bytes.size() - 4)))
    return std::nullopt;
  return c;
}

uint64_t Persistence::load_hub_cursor() const {
  FileRead file = read_file(kCursorFile);
  const auto stored = file.exists ? parse_hub_cursor(file.bytes) : std::nullopt;
  // The units pulled up to the cursor must all be in what was loaded: a journal cut short
  // (a corrupt record) may have lost some of them.
  return stored && stored->position <= journal_position_ ? stored->cursor : 0;
}

std::optional<std::string> Persistence::start(crdt::Replica& replica, int64_t now_ms) {
  if (auto err = lock_dir()) return err;
  if (auto err = load_identity(replica)) return err;
  stats_.last_save_s = now_ms / 1000;
  stats_.loading = true;

  // Temporary files of snapshots cut short by a crash.
  const std::string temp_prefix = options_.dbfilename + ".tmp-";
  for (const std::string& name : list_dir("."))
    if (name.compare(0, temp_prefix.size(), temp_prefix) == 0) ::unlink(name.c_str());

  auto started = std::chrono::steady_clock::now();
  FileRead snapshot = read_file(options_.dbfilename);
  if (!snapshot.error.empty())
    return "Can't read the snapshot " + options_.dbfilename + ": " + snapshot.error;
  if (snapshot.exists) {
    SnapshotInfo info;
    if (auto err = load_snapshot(snapshot.bytes, replica, info))
      return "Bad snapshot file " + options_.dbfilename + ": " + *err +
             ". eddy does not start without its data: restore the file from a backup or move it "
             "away (starting empty)";
    journal_position_ = info.journal_position;
    stats_.loaded_keys = info.keys;
    stats_.snapshot_bytes = info.bytes;
    stats_.last_save_s = info.saved_ms / 1000;
    log(LogLevel::kNotice, "DB loaded from disk: " + format_seconds(seconds_since(started)) +
                               " seconds (" + std::to_string(info.keys) + " keys, seq " +
                               std::to_string(info.seq) + ")");
  }

  Journal::Options journal_options{options_.appenddirname, options_.appendfilename,
                                   replica.replica_id(), options_.fsync, options_.segment_bytes};
  // The journal is replayed even with appendonly off: its records are writes the snapshot may
  // not have, and ignoring them would lose them.
  started = std::chrono::steady_clock::now();
  ReplayReport& report = stats_.replay;
  const uint64_t snapshot_position = journal_position_;
  uint64_t misfit = 0, gap = 0;
  auto err = Journal::replay(
      journal_options,
      [&](uint64_t position, crdt::Unit&& unit) {
        if (on_unit) on_unit(position, unit);
        if (position <= snapshot_position || misfit != 0 || gap != 0) return;
        if (!crdt::fits_databases(unit, replica.databases())) {
          misfit = position;
          return;
        }
        const auto delivery = replica.replay(unit);
        if (delivery == crdt::Replica::Delivery::kGap) gap = position;
        if (delivery == crdt::Replica::Delivery::kApplied) ++report.applied;
      },
      report);
  if (err) return err;
  if (misfit != 0)
    return "Journal record " + std::to_string(misfit) +
           " writes a database beyond `databases`: start with the configuration it was written "
           "under";
  if (gap != 0)
    return "Journal record " + std::to_string(gap) +
           " skips units of its replica: the journal does not match the snapshot";
  if (report.first_position > snapshot_position + 1)
    return "The journal starts at record " + std::to_string(report.first_position) +
           " but the snapshot ends at record " + std::to_string(snapshot_position) +
           ": writes in between are missing";
  journal_position_ = std::max(journal_position_, report.last_position);
  if (report.dropped_bytes > 0)
    log(LogLevel::kWarning,
        "Journal: a torn or corrupt tail was truncated: " + std::to_string(report.dropped_bytes) +
            " bytes (" + std::to_string(report.dropped_records) +
            " records) dropped after record " + std::to_string(report.last_position));
  if (report.records > 0)
    log(LogLevel::kNotice, "Journal replayed: " + std::to_string(report.applied) + " of " +
                               std::to_string(report.records) + " records applied in " +
                               format_seconds(seconds_since(started)) + " seconds");
  stats_.loading = false;

  if (options_.appendonly) {
    journal_ = std::make_unique<Journal>(journal_options, post_);
    journal_->on_latency = on_latency;
    if (auto open_err = journal_->open(journal_position_ + 1)) return open_err;
    stats_.journal_base_bytes = journal_->disk_bytes();
  }
  replica.set_sink(this);
  return std::nullopt;
}

void Persistence::append(const crdt::Unit& unit) {
  ++stats_.changes_since_save;
  if (!journal_) return;
  const uint64_t position = journal_->next_position();
  journal_->append(unit);
  if (on_unit) on_unit(position, unit);
}

void Persistence::when_fsynced(std::function<void(uint64_t position)> done) {
  if (!journal_) return done(journal_position_);
  const uint64_t position = journal_->next_position() - 1;
  journal_->when_fsynced(journal_->appended(),
                         [done = std::move(done), position] { done(position); });
}

std::optional<std::string> Persistence::save(crdt::Replica& replica, int64_t now_ms) {
  const uint64_t position = close_segment();
  SnapshotInfo info;
  if (auto err = write_snapshot(replica, position, options_.dbfilename, now_ms, &info)) {
    log(LogLevel::kWarning, *err);
    stats_.last_bgsave_ok = false;
    return err;
  }
  log(LogLevel::kNotice, "DB saved on disk");
  stats_.changes_since_save = 0;
  stats_.last_save_s = now_ms / 1000;
  stats_.snapshot_bytes = info.bytes;
  if (journal_) journal_->drop_through(droppable(position));
  return std::nullopt;
}

uint64_t Persistence::close_segment() {
  if (!journal_) return journal_position_;
  journal_->rotate();
  journal_->write_pending();
  return journal_position_ = journal_->next_position() - 1;
}

uint64_t Persistence::droppable(uint64_t position) const {
  return options_.keep_unacked ? std::min(position, stats_.sync_acked_position) : position;
}

std::optional<std::string> Persistence::reload(crdt::Replica& replica, bool save, int64_t now_ms) {
  if (save) {
    if (auto err = this->save(replica, now_ms)) return err;
  }
  FileRead file = read_file(options_.dbfilename);
  if (!file.exists || !file.error.empty())
    return "Can't read the snapshot " + options_.dbfilename + ": " +
           (file.exists ? file.error : std::string("no such file"));
  replica.clear_keyspace();
  SnapshotInfo info;
  if (auto err = load_snapshot(file.bytes, replica, info))
    return "Bad snapshot file " + options_.dbfilename + ": " + *err;
  log(LogLevel::kNotice, "DB reloaded by DEBUG RELOAD");
  return std::nullopt;
}

std::optional<std::string> Persistence::start_child(crdt::Replica& replica, ChildKind kind,
                                                    int64_t now_ms) {
  // Records after the snapshot go to a new segment, so the old ones can be dropped whole.
  const uint64_t position = close_segment();
  last_attempt_ms_ = now_ms;
  const pid_t parent = ::getpid();
  const auto fork_started = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const std::string err = "Can't save in background: fork: " + errno_text(errno);
    log(LogLevel::kWarning, err);
    return err;
  }
  if (pid == 0) {
    // The child: the keyspace as it was at the fork, written without disturbing the parent. It
    // dies with the parent: a new eddy on this directory must not find an old child renaming an
    // older snapshot over its own.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    auto err = write_snapshot(replica, position, options_.dbfilename, now_ms);
    if (err)
      log(LogLevel::kWarning, *err);
    else
      log(LogLevel::kNotice, "DB saved on disk");
    ::_exit(err ? 1 : 0);
  }
  stats_.latest_fork_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - fork_started)
                              .count();
  ++stats_.forks;
  if (on_latency) on_latency("fork", stats_.latest_fork_us / 1000);
  child_pid_ = pid;
  child_kind_ = kind;
  child_started_ms_ = now_ms;
  child_position_ = position;
  child_changes_ = stats_.changes_since_save;
  log(LogLevel::kNotice,
      std::string(kind == ChildKind::kSave
                      ? "Background saving started by pid "
                      : "Background append only file rewriting started by pid ") +
          std::to_string(pid));
  return std::nullopt;
}

void Persistence::finish_child(bool ok, int64_t now_ms) {
  const int64_t seconds = (now_ms - child_started_ms_) / 1000;
  if (child_kind_ == ChildKind::kSave) {
    stats_.last_bgsave_ok = ok;
    stats_.last_bgsave_seconds = seconds;
  } else {
    stats_.last_rewrite_ok = ok;
    stats_.last_rewrite_seconds = seconds;
    if (ok)
      ++stats_.rewrites;
    else
      ++stats_.rewrite_failures;
  }
  if (ok) {
    log(LogLevel::kNotice, child_kind_ == ChildKind::kSave
                               ? "Background saving terminated with success"
                               : "Background AOF rewrite terminated with success");
    ++stats_.saves;
    stats_.changes_since_save -= std::min(stats_.changes_since_save, child_changes_);
    stats_.last_save_s = now_ms / 1000;
    if (journal_) {
      journal_->drop_through(droppable(child_position_));
      stats_.journal_base_bytes = 0;  // measured at the next cron, once the drop is done
    }
  } else {
    log(LogLevel::kWarning, child_kind_ == ChildKind::kSave ? "Background saving error"
                                                            : "Background AOF rewrite error");
  }
  child_pid_ = 0;
  child_kind_ = ChildKind::kNone;
}

void Persistence::cron(crdt::Replica& replica, int64_t now_ms) {
  if (child_pid_ > 0) {
    int status = 0;
    const pid_t done = ::waitpid(child_pid_, &status, WNOHANG);
    if (done == child_pid_) finish_child(WIFEXITED(status) && WEXITSTATUS(status) == 0, now_ms);
    if (child_pid_ > 0) return;
  }
  if (journal_ && stats_.journal_base_bytes == 0)
    stats_.journal_base_bytes = journal_->disk_bytes();
  if (scheduled_ != ChildKind::kNone) {
    start_child(replica, std::exchange(scheduled_, ChildKind::kNone), now_ms);
    return;
  }
  // After a failed attempt, wait a little before trying again, as Redis does.
  const bool may_retry = now_ms - last_attempt_ms_ >= 5000;
  for (const auto& [seconds, changes] : options_.save_rules) {
    if (stats_.changes_since_save >= static_cast<uint64_t>(changes) &&
        now_ms / 1000 - stats_.last_save_s > seconds && (stats_.last_bgsave_ok || may_retry)) {
      log(LogLevel::kNotice, std::to_string(changes) + " changes in " + std::to_string(seconds) +
                                 " seconds. Saving...");
      start_child(replica, ChildKind::kSave, now_ms);
      return;
    }
  }
  if (journal_ && options_.rewrite_percentage > 0 && may_retry) {
    const uint64_t size = journal_->disk_bytes();
    const uint64_t base = std::max<uint64_t>(stats_.journal_base_bytes, 1);
    const uint64_t growth = (size - std::min(size, base)) * 100 / base;
    if (size > options_.rewrite_min_size &&
        growth >= static_cast<uint64_t>(options_.rewrite_percentage)) {
      log(LogLevel::kNotice,
          "Starting automatic rewriting of the journal on " + std::to_string(growth) + "% growth");
      start_child(replica, ChildKind::kRewrite, now_ms);
    }
  }
}

std::optional<std::string> Persistence::shutdown(crdt::Replica& replica, bool save,
                                                 int64_t now_ms) {
  if (child_pid_ > 0) {
    log(LogLevel::kWarning, "There is a child saving a snapshot. Killing it!");
    ::kill(child_pid_, SIGKILL);
    ::waitpid(child_pid_, nullptr, 0);
    ::unlink((options_.dbfilename + ".tmp-" + std::to_string(child_pid_)).c_str());
    child_pid_ = 0;
    child_kind_ = ChildKind::kNone;
  }
  if (journal_) {
    log(LogLevel::kNotice, "Calling fsync() on the journal.");
    journal_->sync_now();
  }
  if (save) {
    log(LogLevel::kNotice, "Saving the final snapshot before exiting.");
    if (auto err = this->save(replica, now_ms)) return err;
  }
  if (journal_) journal_->sync_now();
  return std::nullopt;
}

uint64_t Persistence::reply_barrier() const {
  if (!journal_) return 0;
  return journal_->appended() > journal_->safe() ? journal_->appended() : 0;
}

void Persistence::when_journaled(uint64_t offset, std::function<void()> done) {
  if (!journal_) return done();
  journal_->when_safe(offset, std::move(done));
}

std::optional<std::string> Persistence::write_error() const {
  if (!journal_ || journal_->last_error() == 0) return std::nullopt;
  return errno_text(journal_->last_error());
}

void Persistence::set_fsync(FsyncPolicy policy) {
  options_.fsync = policy;
  if (journal_) journal_->set_fsync(policy);
}

void Persistence::set_options(const PersistenceOptions& options) {
  const FsyncPolicy fsync = options.fsync;
  options_.dbfilename = options.dbfilename;
  options_.rewrite_percentage = options.rewrite_percentage;
  options_.rewrite_min_size = options.rewrite_min_size;
  options_.save_rules = options.save_rules;
  set_fsync(fsync);
}

}  // namespace eddy::sync
