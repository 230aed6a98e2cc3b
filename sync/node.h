#pragma once

#include <cstdint>
#include <deque>
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
  bool fsync_requested_ = false;
  bool started_ = false;
};

}  // namespace eddy::sync
