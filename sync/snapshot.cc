#include "sync/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "compact/codec.h"
#include "crdt/codec.h"
#include "sync/crc32c.h"
#include "sync/file_io.h"

namespace eddy::sync {
namespace {

constexpr std::string_view kMagic = "EDDYSNAP";
constexpr uint32_t kVersion = 1;
constexpr size_t kPrefixBytes = 12;  // magic and version
constexpr size_t kFlushBytes = 1 << 20;

// Streams encoded bytes to a file in large writes, keeping the running checksum.
class FileSink {
 public:
  explicit FileSink(int fd) : fd_(fd) { buffer_.reserve(kFlushBytes + (64 << 10)); }
  std::string& buffer() { return buffer_; }
  bool maybe_flush() { return buffer_.size() < kFlushBytes || flush(); }
  bool flush() {
    crc_ = crc32c(buffer_, crc_);
    if (int err = write_all(fd_, buffer_)) {
      error_ = err;
      return false;
    }
    buffer_.clear();
    return true;
  }
  uint32_t crc() const { return crc_; }
  int error() const { return error_; }

 private:
  int fd_;
  std::string buffer_;
  uint32_t crc_ = 0;
  int error_ = 0;
};

bool write_table(FileSink& sink, compact::Encoder& enc, const crdt::Replica::Table& table,
                 uint64_t& keys) {
  enc.varint(table.size());
  bool ok = true;
  table.for_each([&](std::string_view key, const crdt::KeyState& state) {
    if (!ok) return;
    enc.bytes(key);
    crdt::encode_key_state(state, enc);
    ++keys;
    ok = sink.maybe_flush();
  });
  return ok;
}

std::optional<std::string> write_body(const crdt::Replica& replica, uint64_t journal_position,
                                      int fd, int64_t now_ms, SnapshotInfo& info) {
  FileSink sink(fd);
  compact::Encoder enc(sink.buffer());
  enc.out().append(kMagic);
  enc.fixed32(kVersion);
  enc.fixed64(replica.replica_id());
  enc.varint(journal_position);
  enc.varint(replica.seq());
  enc.varint(replica.hlc());
  enc.svarint(now_ms);
  // The node table in index order: stamps in the states below hold these indexes.
  const size_t nodes = crdt::NodeRegistry::size();
  enc.varint(nodes);
  for (size_t i = 1; i <= nodes; ++i)
    enc.fixed64(crdt::NodeRegistry::id(static_cast<crdt::NodeIndex>(i)));
  const auto vv = replica.version_vector().entries();
  enc.varint(vv.size());
  for (const auto& e : vv) {
    enc.varint(e.node);
    enc.varint(e.hlc);
  }
  // How far each other replica's units were applied: what makes a redelivered unit a duplicate.
  enc.varint(replica.remote_seqs().size());
  for (const auto& [node, seq] : replica.remote_seqs()) {
    enc.varint(node);
    enc.varint(seq);
  }
  enc.varint(static_cast<uint64_t>(replica.databases()));
  for (int db = 0; db < replica.databases(); ++db) {
    if (!write_table(sink, enc, replica.table(db), info.keys) ||
        !write_table(sink, enc, replica.ghosts(db), info.keys))
      return errno_text(sink.error());
  }
  if (!sink.flush()) return errno_text(sink.error());
  std::string trailer;
  compact::Encoder(trailer).fixed32(sink.crc());
  if (int err = write_all(fd, trailer)) return errno_text(err);
  if (::fsync(fd) != 0) return errno_text(errno);
  info.replica_id = replica.replica_id();
  info.journal_position = journal_position;
  info.seq = replica.seq();
  info.hlc = replica.hlc();
  info.saved_ms = now_ms;
  return std::nullopt;
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool load_table(compact::Decoder& dec, std::span<const crdt::NodeIndex> nodes, int db,
                crdt::Replica& replica, uint64_t& keys) {
  uint64_t count = 0;
  if (!dec.count(count, 2)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view key;
    crdt::KeyState state;
    if (!dec.bytes(key) || !crdt::decode_key_state(dec, nodes, state)) return false;
    if (!state.has_entries() || replica.peek_any(db, key)) return false;  // empty or duplicate
    replica.restore_key(db, key, std::move(state));
    ++keys;
  }
  return true;
}

}  // namespace

std::optional<std::string> write_snapshot(const crdt::Replica& replica, uint64_t journal_position,
                                          const std::string& path, int64_t now_ms,
                                          SnapshotInfo* info) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "Failed opening the temp snapshot file " + temp + ": " + errno_text(errno);
  SnapshotInfo written;
  auto error = write_body(replica, journal_position, fd, now_ms, written);
  if (!error) {
    off_t end = ::lseek(fd, 0, SEEK_END);
    written.bytes = end > 0 ? static_cast<uint64_t>(end) : 0;
  }
  ::close(fd);
  if (!error && ::rename(temp.c_str(), path.c_str()) != 0) error = errno_text(errno);
  if (!error) {
    if (int err = fsync_dir(dir_of(path))) error = errno_text(err);
  }
  if (error) {
    ::unlink(temp.c_str());
    return "Write error saving the snapshot " + path + ": " + *error;
  }
  if (info) *info = written;
  return std::nullopt;
}

std::optional<uint64_t> snapshot_replica_id(std::string_view bytes) {
  if (bytes.size() < kPrefixBytes + 8 || bytes.substr(0, kMagic.size()) != kMagic)
    return std::nullopt;
  compact::Decoder dec(bytes.substr(kPrefixBytes));
  uint64_t id = 0;
  if (!dec.fixed64(id)) return std::nullopt;
  return id;
}

std::optional<std::string> load_snapshot(std::string_view bytes, crdt::Replica& replica,
                                         SnapshotInfo& info) {
  if (bytes.size() < kPrefixBytes + 4 || bytes.substr(0, kMagic.size()) != kMagic)
    return "not an eddy snapshot (bad signature)";
  compact::Decoder prefix(bytes.substr(kMagic.size(), 4));
  uint32_t version = 0;
  prefix.fixed32(version);
  if (version != kVersion)
    return "snapshot format version " + std::to_string(version) + " is not supported";
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  compact::Decoder trailer(bytes.substr(bytes.size() - 4));
  uint32_t stored_crc = 0;
  trailer.fixed32(stored_crc);
  if (crc32c(body) != stored_crc) return "checksum mismatch (the file is damaged)";

  compact::Decoder dec(body.substr(kPrefixBytes));
  uint64_t seq = 0, hlc = 0, node_count = 0, vv_count = 0, databases = 0;
  if (!dec.fixed64(info.replica_id) || !dec.varint(info.journal_position) || !dec.varint(seq) ||
      !dec.varint(hlc) || !dec.svarint(info.saved_ms) || !dec.count(node_count, 8))
    return "truncated header";
  if (info.replica_id != replica.replica_id()) return "it belongs to another replica";
  // Stamps in the file hold the writer's node indexes; this process interns the same ids,
  // perhaps at other indexes, and every stamp is translated on the way in.
  std::vector<crdt::NodeIndex> nodes{0};
  for (uint64_t i = 0; i < node_count; ++i) {
    uint64_t id = 0;
    if (!dec.fixed64(id) || id == 0) return "bad node table";
    nodes.push_back(crdt::NodeRegistry::intern(id));
  }
  crdt::VersionVector vv;
  if (!dec.count(vv_count, 2)) return "bad version vector";
  for (uint64_t i = 0; i < vv_count; ++i) {
    uint64_t node = 0, at = 0;
    if (!dec.varint(node) || !dec.varint(at) || node == 0 || node >= nodes.size())
      return "bad version vector";
    vv.raise(nodes[node], at);
  }
  uint64_t remote_count = 0;
  if (!dec.count(remote_count, 2)) return "bad table of applied units";
  for (uint64_t i = 0; i < remote_count; ++i) {
    uint64_t node = 0, seq = 0;
    if (!dec.varint(node) || !dec.varint(seq) || node == 0 || node >= nodes.size() ||
        nodes[node] == replica.node())
      return "bad table of applied units";
    replica.restore_remote_seq(nodes[node], seq);
  }
  if (!dec.varint(databases) || databases != static_cast<uint64_t>(replica.databases()))
    return "it has " + std::to_string(databases) + " databases, the configuration " +
           std::to_string(replica.databases());
  for (int db = 0; db < replica.databases(); ++db) {
    if (!load_table(dec, nodes, db, replica, info.keys) ||
        !load_table(dec, nodes, db, replica, info.keys))
      return "bad key state in database " + std::to_string(db);
  }
  if (!dec.done()) return "trailing bytes after the last key";
  replica.restore_clocks(seq, hlc, vv);
  info.seq = seq;
  info.hlc = hlc;
  info.bytes = bytes.size();
  return std::nullopt;
}

}  // namespace eddy::sync
