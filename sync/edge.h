#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "crdt/codec.h"
#include "crdt/effect.h"
#include "crdt/replica.h"
#include "sync/messages.h"

namespace eddy::sync {

struct EdgeOptions {
  std::string node_name;
  std::string auth_token;
  int64_t max_clock_skew_ms = 60000;  // sync-max-clock-skew, for the stamps it pulls
  // A push carries at most this many units and about this many encoded bytes (a unit larger
  // than that alone goes alone).
  size_t batch_units = 10000;
  size_t batch_bytes = 1 << 20;
  // sync-include / sync-exclude: whether a key leaves this edge (null: every key does). Effects
  // on the others are never pushed, and the hub's effects on them are refused here.
  std::function<bool(std::string_view key)> syncs_key;
};

// A run of an edge's own units in seq order, encoded as EDGE.PUSH carries them
// (crdt::encode_units).
struct OutboxBatch {
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  size_t units = 0;
  int64_t first_ms = 0;  // when its first unit was written (its first stamp's time)
  std::string payload;
};

// The edge side of the edge/hub protocol, without I/O: the sync client sends what these return
// and hands back what the hub answered.
//
// When a unit was written: its first stamp's time (0 for a unit without effects).
int64_t unit_time_ms(const crdt::Unit& unit);

// The outbox holds the edge's own units the hub has not acknowledged, in seq order, sealed into
// push batches as they arrive (so a backlog of a million units is pushed without decoding or
// encoding anything again, at about 25 bytes per SET). The server feeds it from the journal:
// on_local_unit once a unit is durable (a unit that a crash could still take back must never
// reach the hub, or the edge would later write another unit under the same seq), and at restart
// for every own unit of the journal after the acknowledged seq. Several pushes may be in flight:
// pushed_through() is the last seq sent on this connection; a new connection starts again with
// the batch holding the acknowledged seq + 1, and whatever the hub receives twice it ignores.
//
// The cursor is the last hub position whose units this edge applied. It must survive restarts
// no further than the journal does: the server persists cursor() with each journal fsync and
// restores it with set_cursor. Restarting at 0 would also be correct (everything pulled again is
// a duplicate) but costs a transfer of the hub's whole log.
class Edge {
 public:
  explicit Edge(crdt::Replica& replica, EdgeOptions options = {});

  // Called for each pulled unit applied: the server journals it.
  std::function<void(const crdt::Unit&)> on_applied;

  // One of this edge's units, durable in its journal; ignored when already acknowledged.
  void on_local_unit(const crdt::Unit& unit);
  // What a restart restores (from the journal or snapshot metadata).
  void set_cursor(uint64_t cursor) { cursor_ = cursor; }
  void set_acked_seq(uint64_t seq);

  Hello hello(int64_t now_ms) const;
  // The hub's answer to hello: an error when the hub holds more of this replica's units than it
  // wrote, or asks for a catch-up mode this code does not implement (the hub itself answers
  // kFullMerge to a cursor beyond its head: a reply's head may lag this edge's cursor when a
  // pull of the previous connection was served after the hello).
  std::optional<std::string> check_hello_reply(const HelloReply& reply) const;
  // A new push connection: drops what the hub holds and pushes again after it.
  void restart_pushes(uint64_t hub_acked_seq);
  // Both, for an edge that pushes and pulls on one connection.
  std::optional<std::string> on_hello_reply(const HelloReply& reply) {
    if (auto error = check_hello_reply(reply)) return error;
    restart_pushes(reply.acked_seq);
    return std::nullopt;
  }

  // The next batch after pushed_through(), valid until the outbox changes; null when every
  // unit was sent. The units not sealed yet are sealed into a batch of their own.
  const OutboxBatch* next_push();
  void on_push_acked(uint64_t acked_seq);

  Pull next_pull(uint64_t max_bytes, uint64_t wait_ms = 0) const {
    return Pull{cursor_, max_bytes, wait_ms};
  }
  // Applies the pulled units in order (duplicates are fine: a reply may be a stale or repeated
  // one) and advances the cursor to reply.to. The Ack goes out once the journal holding them is
  // fsynced (the caller's job). A reply starting after the cursor would skip positions, and a
  // unit that skips one of its origin's seqs was not delivered causally: both are errors, the
  // units before the bad one staying applied and the cursor unmoved.
  std::variant<Ack, std::string> on_pull_reply(const PullReply& reply);

  size_t pending_units() const;
  size_t batches() const { return outbox_.size() + (open_.units() != 0); }
  // When the oldest unit not acknowledged yet was written; 0 when none waits.
  int64_t oldest_pending_ms() const;
  size_t pending_bytes() const { return outbox_bytes_ + open_.bytes(); }
  uint64_t acked_seq() const { return acked_; }
  uint64_t pushed_through() const { return pushed_through_; }
  uint64_t cursor() const { return cursor_; }

 private:
  void seal();
  void drop_acked();
  // The unit without its effects on keys that do not sync, or null when it has none.
  std::optional<crdt::Unit> without_local_keys(const crdt::Unit& unit, size_t& dropped) const;

  crdt::Replica& replica_;
  EdgeOptions options_;
  std::deque<OutboxBatch> outbox_;
  size_t outbox_units_ = 0;
  size_t outbox_bytes_ = 0;
  // The newest units, not sealed into a batch yet: open_first_ .. fed_.
  crdt::UnitBatchWriter open_;
  uint64_t open_first_ = 0;
  int64_t open_first_ms_ = 0;
  uint64_t fed_ = 0;
  uint64_t acked_ = 0;
  uint64_t pushed_through_ = 0;
  uint64_t cursor_ = 0;
};

}  // namespace eddy::sync
