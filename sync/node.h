#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "crdt/replica.h"
#include "sync/edge.h"
#include "sync/hub.h"
#include "sync/persistence.h"
#include "sync/unit_log.h"

namespace eddy::sync {

// What a server runs of the protocol, tied to its journal: a hub's log of every unit it journals
// (servable once fsynced), or an edge's outbox of its own units (pushable once fsynced). The
// network side (EDGE.* commands on a hub, the edge's client) calls hub() or edge().
class SyncNode {
 public:
  enum class Role { kHub, kEdge };
  SyncNode(Role role, crdt::Replica& replica, Persistence& persistence, EdgeOptions edge_options,
           HubOptions hub_options);
  SyncNode(const SyncNode&) = delete;
  SyncNode& operator=(const SyncNode&) = delete;

  // Units applied from the other side are journaled like local ones.
  void journal(const crdt::Unit& unit) { persistence_.append(unit); }
  // After the journal was replayed at start: everything read from it is on disk.
  void started();

  // An edge's link to its hub, as its client reports it, for EDGE.STATUS and EDGE.SYNC.
  struct Link {
    std::string hub_address;
    bool push_up = false;  // the push channel said hello
    bool pull_up = false;  // the pull channel said hello
    bool paused = false;   // EDGE.PAUSE
    bool connected() const { return push_up && pull_up; }
    int64_t last_sync_ms = 0;  // the last pull answered
    int64_t caught_up_ms = 0;  // when the last pull that brought nothing new was sent
    std::string last_error;
    // Set by the server's client of the hub: new pushable units, EDGE.SYNC or EDGE.RESUME (go
    // now), EDGE.PAUSE (stay away).
    std::function<void()> wake;
    std::function<void()> sync_now;
    std::function<void()> pause;
  };
  Link& link() { return link_; }
  // An edge's own units the hub does not hold yet, fsynced or not.
  size_t pending_units() const { return edge_ ? edge_->pending_units() + unsynced_.size() : 0; }
  // When the oldest of them was written; 0 when none waits.
  int64_t oldest_pending_ms() const;
  // An edge: the least HLC of the stamps in its own units that the hub has not acknowledged
  // (UINT64_MAX when it holds them all). Own stamps increase with seq, so a key holding a stamp
  // of this replica at or past it holds a write that only this edge has.
  uint64_t unacked_from_hlc() const;

  // An edge's hub acknowledged its units through `acked_seq` (a push's reply, or a hello's):
  // the journal records before the first unit it still lacks may go with the next snapshot.
  void on_push_acked(uint64_t acked_seq);
  // An edge acknowledged to its hub that it holds everything up to `cursor`, which is in the
  // journal through `position`: a restart resumes pulling after it.
  void on_cursor_acked(uint64_t cursor, uint64_t position) {
    persistence_.save_hub_cursor(cursor, position);
  }

  // A hub's log advanced its durable position: long polls may be answered.
  std::function<void()> on_log_durable;

  Hub* hub() { return hub_.get(); }
  Edge* edge() { return edge_.get(); }
  const UnitLog& log() const { return log_; }

 private:
  void on_unit(uint64_t position, const crdt::Unit& unit);
  void on_fsynced(uint64_t position);

  crdt::Replica& replica_;
  Persistence& persistence_;
  UnitLog log_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Edge> edge_;
  // Edge: own units journaled but not yet fsynced, which must not reach the hub yet.
  std::deque<std::pair<uint64_t, crdt::Unit>> unsynced_;
  // Edge: own units the hub has not acknowledged, in seq order.
  struct Unacked {
    uint64_t seq;
    uint64_t position;   // in the journal
    uint64_t first_hlc;  // its least stamp
  };
  std::deque<Unacked> unacked_positions_;
  bool fsync_requested_ = false;
  Link link_;
  bool started_ = false;
};

}  // namespace eddy::sync
