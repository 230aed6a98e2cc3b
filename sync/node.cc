#include "sync/node.h"

namespace eddy::sync {

SyncNode::SyncNode(Role role, crdt::Replica& replica, Persistence& persistence,
                   EdgeOptions edge_options, HubOptions hub_options)
    : replica_(replica), persistence_(persistence) {
  if (role == Role::kHub) {
    hub_ = std::make_unique<Hub>(replica_, log_, hub_options);
    hub_->on_applied = [this](const crdt::Unit& unit) { journal(unit); };
  } else {
    edge_ = std::make_unique<Edge>(replica_, std::move(edge_options));
    edge_->on_applied = [this](const crdt::Unit& unit) { journal(unit); };
  }
  persistence_.on_unit = [this](uint64_t position, const crdt::Unit& unit) {
    on_unit(position, unit);
  };
}

void SyncNode::on_unit(uint64_t position, const crdt::Unit& unit) {
  if (hub_) {
    // The log's positions are the journal's: at start it begins where the journal does, and
    // then every unit journaled enters it (edges' units through Hub::push, which appends them
    // itself just before journaling them).
    if (log_.units() == 0 && log_.head() + 1 != position) log_ = UnitLog(position);
    if (!started_ || unit.origin == replica_.node()) hub_->on_local_unit(unit);
  } else if (unit.origin == replica_.node()) {
    if (!started_) {
      edge_->on_local_unit(unit);
      return;
    }
    unsynced_.emplace_back(position, unit);
  }
  if (!started_ || fsync_requested_) return;
  // One fsync wait at a time: when it ends, it covers whatever was journaled meanwhile too.
  fsync_requested_ = true;
  persistence_.when_fsynced([this](uint64_t through) { on_fsynced(through); });
}

void SyncNode::on_fsynced(uint64_t position) {
  fsync_requested_ = false;
  if (hub_) log_.mark_durable(position);
  while (!unsynced_.empty() && unsynced_.front().first <= position) {
    edge_->on_local_unit(unsynced_.front().second);
    unsynced_.pop_front();
  }
  const bool more = hub_ ? log_.durable() < log_.head() : !unsynced_.empty();
  if (more) {
    fsync_requested_ = true;
    persistence_.when_fsynced([this](uint64_t through) { on_fsynced(through); });
  }
}

void SyncNode::started() {
  started_ = true;
  if (hub_) log_.mark_durable(log_.head());
}

}  // namespace eddy::sync
