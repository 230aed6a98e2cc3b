#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crdt/replica.h"

namespace eddy::sync {

// A snapshot file: "EDDYSNAP", a version, then the replica's identity, the journal position it
// covers, seq, HLC high-water mark,
// version vector and node table, every key's whole CRDT state (invisible keys that still hold
// concurrent expiry entries included), and a CRC-32C of everything before it. It is written to a
// temporary file, fsynced and renamed over the old one, so a crash leaves the old or the new
// snapshot, never half of one.
struct SnapshotInfo {
  uint64_t replica_id = 0;
  uint64_t journal_position = 0;  // the last journal record the snapshot covers
  uint64_t seq = 0;
  uint64_t hlc = 0;
  int64_t saved_ms = 0;
  uint64_t keys = 0;
  uint64_t bytes = 0;
};

// Writes `replica` to `path` through `path`.tmp-<pid>, as the state after journal record
// `journal_position`. Returns an error text on failure (the temporary file is then removed).
std::optional<std::string> write_snapshot(const crdt::Replica& replica, uint64_t journal_position,
                                          const std::string& path, int64_t now_ms,
                                          SnapshotInfo* info = nullptr);

// Loads a snapshot's bytes into `replica`, which must be empty and already carry the snapshot's
// identity. Any damage is an error text, never a partial start.
std::optional<std::string> load_snapshot(std::string_view bytes, crdt::Replica& replica,
                                         SnapshotInfo& info);

// Reads only the identity a snapshot belongs to, to check it before loading.
std::optional<uint64_t> snapshot_replica_id(std::string_view bytes);

}  // namespace eddy::sync
