#include "sync/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "compact/codec.h"
#include "compact/log.h"
#include "crdt/codec.h"
#include "sync/crc32c.h"
#include "sync/file_io.h"

namespace eddy::sync {
namespace {

using compact::log;
using compact::LogLevel;

constexpr std::string_view kSegmentMagic = "EDDYJRNL";
constexpr uint32_t kSegmentVersion = 1;

uint32_t record_crc(const char* length_bytes, std::string_view payload) {
  return crc32c(payload, crc32c(std::string_view(length_bytes, 4)));
}

// Counts the records framed in `bytes` by their length fields alone, for the log line about a
// dropped tail: what follows a bad record can no longer be trusted, but its size can be told.
uint64_t count_frames(std::string_view bytes) {
  uint64_t n = 0;
  while (!bytes.empty()) {
    ++n;
    if (bytes.size() < record::kHeaderBytes) break;
    uint64_t whole = record::kHeaderBytes + compact::load_le32(bytes.data());
    if (whole > bytes.size()) break;
    bytes.remove_prefix(whole);
  }
  return n;
}

struct SegmentFile {
  uint64_t first_position = 0;
  std::string name;
};

// The directory's segments of `basename`, in journal order (their names sort that way).
std::vector<SegmentFile> list_segments(const std::string& dir, const std::string& basename) {
  std::vector<SegmentFile> out;
  const std::string prefix = basename + ".";
  for (std::string& name : list_dir(dir)) {
    if (name.size() != prefix.size() + 20 || name.compare(0, prefix.size(), prefix) != 0) continue;
    uint64_t position = 0;
    bool digits = true;
    for (size_t i = prefix.size(); i < name.size(); ++i) {
      if (name[i] < '0' || name[i] > '9') digits = false;
      position = position * 10 + static_cast<uint64_t>(name[i] - '0');
    }
    if (digits) out.push_back({position, std::move(name)});
  }
  return out;
}

// fsynced_ only grows, and two threads raise it.
void raise(std::atomic<uint64_t>& value, uint64_t to) {
  uint64_t now = value.load();
  while (now < to && !value.compare_exchange_weak(now, to)) {
  }
}

int truncate_file(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::ftruncate(fd, static_cast<off_t>(size)) == 0 && ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

std::optional<Entry> decode_entry(std::string_view payload) {
  compact::Decoder dec(payload);
  uint64_t position = 0;
  if (!dec.varint(position) || position == 0) return std::nullopt;
  auto unit = crdt::decode_unit(payload.substr(payload.size() - dec.remaining()));
  if (!unit) return std::nullopt;
  return Entry{position, std::move(*unit)};
}

namespace record {

void seal(std::string& out, size_t start) {
  char* header = out.data() + start;
  compact::store_le32(header, static_cast<uint32_t>(out.size() - start - kHeaderBytes));
  compact::store_le32(header + 4,
                      record_crc(header, std::string_view(out).substr(start + kHeaderBytes)));
}

void append(std::string& out, std::string_view payload) {
  const size_t start = out.size();
  out.resize(start + kHeaderBytes);
  out.append(payload);
  seal(out, start);
}

Read read(std::string_view in) {
  Read r;
  if (in.size() < kHeaderBytes) return r;
  const uint32_t length = compact::load_le32(in.data());
  if (in.size() - kHeaderBytes < length) return r;
  r.payload = in.substr(kHeaderBytes, length);
  r.bytes = kHeaderBytes + length;
  r.status = record_crc(in.data(), r.payload) == compact::load_le32(in.data() + 4)
                 ? Status::kOk
                 : Status::kCorrupt;
  return r;
}

}  // namespace record

std::optional<FsyncPolicy> parse_fsync_policy(std::string_view name) {
  if (name == "always") return FsyncPolicy::kAlways;
  if (name == "everysec") return FsyncPolicy::kEverySec;
  if (name == "no") return FsyncPolicy::kNo;
  return std::nullopt;
}

namespace segment {

std::string header(uint64_t replica_id, uint64_t first_position) {
  std::string out(kSegmentMagic);
  compact::Encoder enc(out);
  enc.fixed32(kSegmentVersion);
  enc.fixed64(replica_id);
  enc.fixed64(first_position);
  enc.fixed32(crc32c(out));
  return out;
}

std::optional<Header> parse_header(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes || bytes.substr(0, kSegmentMagic.size()) != kSegmentMagic)
    return std::nullopt;
  compact::Decoder dec(bytes.substr(kSegmentMagic.size(), kHeaderBytes - kSegmentMagic.size()));
  uint32_t version = 0, crc = 0;
  Header h;
  if (!dec.fixed32(version) || !dec.fixed64(h.replica_id) || !dec.fixed64(h.first_position) ||
      !dec.fixed32(crc))
    return std::nullopt;
  if (version != kSegmentVersion || crc != crc32c(bytes.substr(0, kHeaderBytes - 4)))
    return std::nullopt;
  return h;
}

std::string file_name(std::string_view basename, uint64_t first_position) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(first_position));
  return std::string(basename) + "." + digits;
}

}  // namespace segment

Journal::Journal(Options options, Post post)
    : options_(std::move(options)),
      post_(std::move(post)),
      fsync_(options_.fsync),
      fsync_shared_(options_.fsync) {}

Journal::~Journal() {
  if (!fsyncer_.joinable()) return;
  sync_now();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  fsyncer_.join();
  ::close(fd_);
}

std::optional<std::string> Journal::replay(const Options& options, const Apply& apply,
                                           ReplayReport& report) {
  report = {};
  if (auto err = make_dir(options.dir)) return err;
  std::vector<SegmentFile> files = list_segments(options.dir, options.basename);
  uint64_t expected = 0;  // the next position; 0 until the first segment says where they start
  bool cut = false;       // a bad record was found: everything after it goes
  for (const SegmentFile& file : files) {
    const std::string path = options.dir + "/" + file.name;
    FileRead data = read_file(path);
    if (!data.error.empty()) return "Can't read journal segment " + path + ": " + data.error;
    std::string_view bytes = data.bytes;
    if (cut) {
      report.dropped_bytes += bytes.size();
      if (bytes.size() > segment::kHeaderBytes)
        report.dropped_records += count_frames(bytes.substr(segment::kHeaderBytes));
      ::unlink(path.c_str());
      continue;
    }
    auto header = segment::parse_header(bytes);
    if (header && header->replica_id != options.replica_id)
      return "Journal segment " + path + " was written by replica " +
             std::to_string(header->replica_id) + ", not by this data directory's replica " +
             std::to_string(options.replica_id);
    if (!header || header->first_position != file.first_position ||
        (expected != 0 && header->first_position != expected)) {
      // A segment created just before a crash has a torn header; anything else here is damage.
      log(LogLevel::kWarning, "Journal segment " + path + " has a bad header or breaks the order " +
                                  "order; it and the segments after it are dropped");
      cut = true;
      report.dropped_bytes += bytes.size();
      ::unlink(path.c_str());
      continue;
    }
    if (expected == 0) expected = header->first_position;
    ++report.segments;
    size_t offset = segment::kHeaderBytes;
    while (offset < bytes.size()) {
      record::Read r = record::read(bytes.substr(offset));
      std::optional<Entry> entry;
      if (r.status == record::Status::kOk) entry = decode_entry(r.payload);
      if (!entry || entry->position != expected) {
        cut = true;
        break;
      }
      if (report.first_position == 0) report.first_position = entry->position;
      report.last_position = entry->position;
      ++report.records;
      ++expected;
      offset += r.bytes;
      apply(entry->position, std::move(entry->unit));
    }
    report.bytes += offset;
    if (cut && offset < bytes.size()) {
      report.dropped_bytes += bytes.size() - offset;
      report.dropped_records += count_frames(bytes.substr(offset));
      if (int err = truncate_file(path, offset))
        return "Can't truncate journal segment " + path + ": " + errno_text(err);
    }
  }
  return std::nullopt;
}

std::optional<std::string> Journal::open(uint64_t next_position) {
  if (auto err = make_dir(options_.dir)) return err;
  for (const SegmentFile& file : list_segments(options_.dir, options_.basename)) {
    const std::string path = options_.dir + "/" + file.name;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) disk_bytes_ += static_cast<uint64_t>(st.st_size);
    segments_.push_back({file.first_position, path});
  }
  if (segments_.empty()) {
    if (!start_segment(next_position))
      return "Can't create a journal segment in " + options_.dir + ": " + errno_text(write_error_);
  } else {
    const std::string& path = segments_.back().path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) return "Can't open journal segment " + path + ": " + errno_text(errno);
    struct stat st {};
    ::fstat(fd_, &st);
    segment_size_ = static_cast<uint64_t>(st.st_size);
  }
  next_position_ = next_position;
  fsyncer_ = std::thread([this] { fsync_loop(); });
  return std::nullopt;
}

void Journal::append(const crdt::Unit& unit) {
  const size_t start = buffer_.size();
  buffer_.resize(start + record::kHeaderBytes);
  compact::Encoder(buffer_).varint(next_position_++);
  crdt::encode_unit(unit, buffer_);
  record::seal(buffer_, start);
  appended_ += buffer_.size() - start;
  schedule_write();
}

// One write per pass of the event loop: posted behind the handlers already queued (the reads of
// this pass), it runs after all of their commands appended.
void Journal::schedule_write() {
  if (write_posted_) return;
  write_posted_ = true;
  post_([this] {
    write_posted_ = false;
    write_pending();
  });
}

void Journal::write_pending() {
  if (buffer_.empty() && !rotation_ && fsync_waiters_.empty()) return;
  const auto started = std::chrono::steady_clock::now();
  std::string_view rest = buffer_;
  if (auto rotation = std::exchange(rotation_, std::nullopt)) {
    write_out(rest.substr(0, rotation->first));
    rest.remove_prefix(rotation->first);
    if (!start_segment(rotation->second))
      log(LogLevel::kWarning, "Can't start a journal segment: " + errno_text(write_error_));
  }
  write_out(rest);
  buffer_.clear();
  if (on_latency) on_latency("aof-write", elapsed_ms(started));
  if (segment_size_ >= options_.segment_bytes) start_segment(next_position_);
  const bool fsync_due = fsync_ == FsyncPolicy::kAlways || !fsync_waiters_.empty();
  {
    std::lock_guard lock(mutex_);
    written_shared_ = written_;
    if (fsync_due) fsync_wanted_ = written_;
  }
  if (fsync_due) wake_.notify_one();
  release();
}

void Journal::write_out(std::string_view bytes) {
  if (bytes.empty()) return;
  if (int err = write_all(fd_, bytes)) {
    if (write_error_ == 0)
      log(LogLevel::kWarning, "Error writing to the journal: " + errno_text(err));
    write_error_ = err;
    return;
  }
  write_error_ = 0;
  written_ += bytes.size();
  segment_size_ += bytes.size();
  disk_bytes_ += bytes.size();
}

void Journal::set_fsync(FsyncPolicy policy) {
  fsync_ = policy;
  {
    std::lock_guard lock(mutex_);
    fsync_shared_ = policy;
    fsync_wanted_ = policy == FsyncPolicy::kAlways ? written_ : fsync_wanted_;
  }
  wake_.notify_one();
  release();
}

void Journal::when_safe(uint64_t offset, std::function<void()> done) {
  if (safe() >= offset) return done();
  waiters_.emplace_back(offset, std::move(done));
}

void Journal::when_fsynced(uint64_t offset, std::function<void()> done) {
  if (fsynced() >= offset) return done();
  fsync_waiters_.emplace_back(offset, std::move(done));
  schedule_write();
}

void Journal::release() {
  auto run = [](Waiters& waiters, uint64_t upto) {
    while (!waiters.empty() && waiters.front().first <= upto) {
      auto done = std::move(waiters.front().second);
      waiters.pop_front();
      done();
    }
  };
  run(waiters_, safe());
  run(fsync_waiters_, fsynced());
}

void Journal::sync_now() {
  write_pending();
  sync_retired();
  if (::fdatasync(fd_) == 0) {
    raise(fsynced_, written_);
    ++fsyncs_;
  } else {
    fsync_error_ = errno;
  }
  release();
}

void Journal::sync_retired() {
  std::vector<int> retired;
  std::vector<std::string> doomed;
  bool sync_dir = false;
  {
    std::lock_guard lock(mutex_);
    retired = std::exchange(retired_fds_, {});
    doomed = std::exchange(doomed_, {});
    sync_dir = std::exchange(dir_unsynced_, false);
  }
  for (int fd : retired) {
    ::fdatasync(fd);
    ::close(fd);
  }
  for (const std::string& path : doomed) ::unlink(path.c_str());
  if (sync_dir || !doomed.empty()) fsync_dir(options_.dir);
}

void Journal::rotate() { rotation_ = std::make_pair(buffer_.size(), next_position_); }

void Journal::drop_through(uint64_t position) {
  std::vector<std::string> doomed;
  while (segments_.size() > 1 && segments_[1].first_position <= position + 1) {
    struct stat st {};
    if (::stat(segments_[0].path.c_str(), &st) == 0)
      disk_bytes_ -= std::min(disk_bytes_, static_cast<uint64_t>(st.st_size));
    doomed.push_back(std::move(segments_[0].path));
    segments_.erase(segments_.begin());
  }
  if (doomed.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (std::string& path : doomed) doomed_.push_back(std::move(path));
  }
  wake_.notify_one();
}

bool Journal::start_segment(uint64_t first_position) {
  if (fd_ >= 0 && !segments_.empty() && segments_.back().first_position == first_position)
    return true;
  const std::string path =
      options_.dir + "/" + segment::file_name(options_.basename, first_position);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    write_error_ = errno;
    return false;
  }
  const std::string header = segment::header(options_.replica_id, first_position);
  if (int err = write_all(fd, header)) {
    write_error_ = err;
    ::close(fd);
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) retired_fds_.push_back(fd_);
    fd_ = fd;
    dir_unsynced_ = true;
  }
  wake_.notify_one();
  segment_size_ = header.size();
  disk_bytes_ += header.size();
  segments_.push_back({first_position, path});
  return true;
}

void Journal::fsync_loop() {
  using Clock = std::chrono::steady_clock;
  auto next_second = Clock::now() + std::chrono::seconds(1);
  auto wanted = [&] {
    return stopping_ || fsync_wanted_ > fsynced() || !retired_fds_.empty() || !doomed_.empty() ||
           dir_unsynced_;
  };
  std::unique_lock lock(mutex_);
  for (;;) {
    if (fsync_shared_ == FsyncPolicy::kEverySec)
      wake_.wait_until(lock, next_second, wanted);
    else
      wake_.wait(lock, wanted);
    if (!retired_fds_.empty() || !doomed_.empty() || dir_unsynced_) {
      lock.unlock();
      sync_retired();
      lock.lock();
    }
    if (stopping_) return;
    const auto now = Clock::now();
    const bool second_passed = fsync_shared_ == FsyncPolicy::kEverySec && now >= next_second;
    if (second_passed) next_second = now + std::chrono::seconds(1);
    if (fsync_wanted_ <= fsynced() && !(second_passed && written_shared_ > fsynced())) continue;
    const uint64_t target = written_shared_;
    const bool always = fsync_shared_ == FsyncPolicy::kAlways;
    // A duplicate descriptor: the command thread may switch segments during the fsync.
    const int fd = ::dup(fd_);
    lock.unlock();
    const auto started = Clock::now();
    const bool ok = fd >= 0 && ::fdatasync(fd) == 0;
    const int err = errno;
    const int64_t ms = elapsed_ms(started);
    if (fd >= 0) ::close(fd);
    if (ok) {
      raise(fsynced_, target);
      ++fsyncs_;
      fsync_error_ = 0;
    } else {
      log(LogLevel::kWarning, "Error fsyncing the journal: " + errno_text(err));
      fsync_error_ = err;
    }
    post_([this, ok, always, ms] {
      if (on_latency) on_latency("aof-fsync", ms);
      // Under `always` replies are waiting for this fsync and cannot be taken back: as Redis
      // does, a journal that cannot be made durable stops the server.
      if (!ok && always) {
        log(LogLevel::kWarning, "Can't persist the journal when appendfsync is always. Exiting...");
        ::_exit(1);
      }
      release();
    });
    lock.lock();
  }
}

}  // namespace eddy::sync
