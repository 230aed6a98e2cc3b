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
    // A unit's first effect holds its least stamps: a push of n elements took the n stamps
    // ending at the effect's.
    const crdt::Effect& first = unit.effects.front();
    unacked_positions_.push_back(
        {unit.seq, position, first.stamp.hlc - (crdt::stamps_needed(first.op) - 1)});
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
  if (hub_) {
    log_.mark_durable(position);
    if (on_log_durable) on_log_durable();
  }
  const bool fed = !unsynced_.empty() && unsynced_.front().first <= position;
  while (!unsynced_.empty() && unsynced_.front().first <= position) {
    edge_->on_local_unit(unsynced_.front().second);
    unsynced_.pop_front();
  }
  if (fed && link_.wake) link_.wake();
  const bool more = hub_ ? log_.durable() < log_.head() : !unsynced_.empty();
  if (more) {
    fsync_requested_ = true;
    persistence_.when_fsynced([this](uint64_t through) { on_fsynced(through); });
  }
}

int64_t SyncNode::oldest_pending_ms() const {
  if (!edge_) return 0;
  if (const int64_t ms = edge_->oldest_pending_ms()) return ms;
  return unsynced_.empty() ? 0 : unit_time_ms(unsynced_.front().second);
}

void SyncNode::on_push_acked(uint64_t acked_seq) {
  edge_->on_push_acked(acked_seq);
  while (!unacked_positions_.empty() && unacked_positions_.front().seq <= edge_->acked_seq())
    unacked_positions_.pop_front();
  persistence_.set_sync_acked_position(unacked_positions_.empty()
                                           ? persistence_.journal_position()
                                           : unacked_positions_.front().position - 1);
}

uint64_t SyncNode::unacked_from_hlc() const {
  return unacked_positions_.empty() ? UINT64_MAX : unacked_positions_.front().first_hlc;
}

void SyncNode::started() {
  started_ = true;
  if (hub_) log_.mark_durable(log_.head());
  if (edge_) edge_->set_cursor(persistence_.load_hub_cursor());
}

}  // namespace eddy::sync
