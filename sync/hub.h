#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "crdt/effect.h"
#include "crdt/replica.h"
#include "sync/messages.h"
#include "sync/unit_log.h"

namespace eddy::sync {

struct HubOptions {
  int64_t max_clock_skew_ms = 60000;  // sync-max-clock-skew
  // sync-tokens-file: when set, only the edges it lists, with their tokens, may say hello. Read
  // at every hello, so that tokens change without a restart.
  std::string tokens_file;
};

// What the hub knows of one edge, for EDGE.PEERS and for deciding how far the log may be trimmed.
// Not persisted: after a restart it fills again as edges say hello.
struct EdgePeer {
  std::string node_name;
  uint64_t acked_seq = 0;  // the edge's units the hub holds
  uint64_t cursor = 0;     // the hub position the edge has pulled and fsynced
  int64_t last_seen_ms = 0;
};

// The hub side of the edge/hub protocol, without I/O: the server decodes EDGE.HELLO / PUSH /
// PULL / ACK frames, calls these, and encodes the results. Refusals and errors are texts without
// the leading '-' ("REFUSED clock_skew ...").
//
// Exactly-once lives in the replica: apply_remote applies each origin's units in seq order and
// reports a redelivered one as a duplicate, so a retried push changes nothing and is acknowledged
// again. What the hub adds is the order of its log and the rule that it acknowledges a push only
// once the units are journaled and fsynced: the server sends push()'s acked_seq only after
// Journal::when_fsynced, and then calls log.mark_durable for the positions it covers.
class Hub {
 public:
  Hub(crdt::Replica& replica, UnitLog& log, HubOptions options = {});

  // Called for each edge unit applied, after its log append: the server journals it there, at
  // the position the log gave it.
  std::function<void(const crdt::Unit&)> on_applied;

  // A local unit of the hub's own clients (the server's journal sink calls this right after
  // journaling it): it enters the log at the journal's next position.
  void on_local_unit(const crdt::Unit& unit) { log_.append(unit); }

  // The handshake. Refuses "REFUSED protocol ..." for a version other than 1, "REFUSED
  // clock_skew ..." when the edge's HLC is more than max_clock_skew_ms ahead of `now_ms`, and
  // "REFUSED replica_reused ..." when the edge says it wrote fewer units than the hub already
  // holds of it (its data directory was lost or restored from a backup: it must start under a
  // new id, or its next units would reuse seqs the hub has seen with other content).
  //
  // The mode is kIncremental when the log still holds every position after the edge's cursor.
  // Otherwise kFullMerge: the edge must be sent state, which this code does not implement yet
  // (STATE_SINCE and FULL_MERGE are flags only); a hub must not trim past an edge it still
  // expects to hear from (see min_cursor).
  std::variant<HelloReply, std::string> hello(const Hello& hello, int64_t now_ms);
  // The sync-tokens-file check of a hello: a refusal, or nothing when the edge may go on.
  std::optional<std::string> authorize(const Hello& hello) const;

  // An edge's own units, seq ascending. Validates the whole batch first (origin, databases,
  // stamps no further ahead than the clock skew allows), then applies unit by unit: a duplicate
  // is skipped, a gap stops the batch with an error, the units before it staying applied. Returns
  // the edge's acked seq: the last of its units the hub now holds, to be sent once durable.
  std::variant<uint64_t, std::string> push(uint64_t edge_replica_id, const Push& push);

  // The log after the edge's cursor, never echoing its own units. Refused when the cursor is
  // before the log's horizon (the edge must say hello again and catch up by state).
  std::variant<PullReply, std::string> pull(uint64_t edge_replica_id, const Pull& pull) const;

  // The edge has fsynced what it pulled up to ack.cursor.
  void ack(uint64_t edge_replica_id, const Ack& ack, int64_t now_ms);

  const std::map<uint64_t, EdgePeer>& peers() const { return peers_; }
  // The smallest cursor acknowledged by the known edges (the log's head when there are none):
  // what the log may be trimmed before, plus one.
  uint64_t min_cursor() const;

 private:
  crdt::Replica& replica_;
  UnitLog& log_;
  HubOptions options_;
  std::map<uint64_t, EdgePeer> peers_;
};

}  // namespace eddy::sync
