#include "sync/edge.h"

#include <algorithm>

#include "compact/log.h"
#include "crdt/codec.h"
#include "crdt/stamp.h"

namespace eddy::sync {

int64_t unit_time_ms(const crdt::Unit& unit) {
  return unit.effects.empty() ? 0 : crdt::hlc_millis(unit.effects.front().stamp.hlc);
}

Edge::Edge(crdt::Replica& replica, EdgeOptions options)
    : replica_(replica), options_(std::move(options)) {}

std::optional<crdt::Unit> Edge::without_local_keys(const crdt::Unit& unit, size_t& dropped) const {
  dropped = 0;
  if (!options_.syncs_key) return std::nullopt;
  auto local = [&](const crdt::Effect& effect) {
    return std::visit(
        [&](const auto& o) {
          if constexpr (requires { o.key; }) return !options_.syncs_key(o.key);
          if constexpr (std::is_same_v<std::decay_t<decltype(o)>, crdt::op::Flush>) {
            for (const crdt::op::KeyFloors& floors : o.counters)
              if (!options_.syncs_key(floors.key)) return true;
          }
          return false;
        },
        effect.op);
  };
  if (std::none_of(unit.effects.begin(), unit.effects.end(), local)) return std::nullopt;
  // A unit keeps its seq even when nothing of it syncs: the hub counts every seq of its origin.
  crdt::Unit kept{unit.seq, unit.origin, {}};
  for (const crdt::Effect& effect : unit.effects) {
    if (auto* flush = std::get_if<crdt::op::Flush>(&effect.op)) {
      crdt::op::Flush shared{flush->db, flush->seen, {}};
      for (const crdt::op::KeyFloors& floors : flush->counters)
        if (options_.syncs_key(floors.key)) shared.counters.push_back(floors);
      kept.effects.push_back({effect.stamp, std::move(shared)});
    } else if (local(effect)) {
      ++dropped;
    } else {
      kept.effects.push_back(effect);
    }
  }
  return kept;
}

void Edge::on_local_unit(const crdt::Unit& own) {
  if (own.seq <= std::max(acked_, fed_)) return;  // acknowledged, or fed twice
  size_t dropped = 0;
  const std::optional<crdt::Unit> shared = without_local_keys(own, dropped);
  const crdt::Unit& unit = shared ? *shared : own;
  if (open_.units() == 0) {
    open_first_ = unit.seq;
    open_first_ms_ = unit_time_ms(own);
  }
  open_.add(unit);
  fed_ = unit.seq;
  if (open_.units() >= options_.batch_units || open_.bytes() >= options_.batch_bytes) seal();
}

void Edge::seal() {
  if (open_.units() == 0) return;
  OutboxBatch batch{open_first_, fed_, open_.units(), open_first_ms_, open_.finish()};
  outbox_units_ += batch.units;
  outbox_bytes_ += batch.payload.size();
  outbox_.push_back(std::move(batch));
}

void Edge::set_acked_seq(uint64_t seq) {
  acked_ = std::max(acked_, seq);
  pushed_through_ = std::max(pushed_through_, acked_);
  drop_acked();
}

void Edge::drop_acked() {
  while (!outbox_.empty() && outbox_.front().last_seq <= acked_) {
    outbox_units_ -= outbox_.front().units;
    outbox_bytes_ -= outbox_.front().payload.size();
    outbox_.pop_front();
  }
  // Acknowledged while still unsealed (a hub that already held them): push them never.
  if (open_.units() != 0 && fed_ <= acked_) open_ = crdt::UnitBatchWriter();
}

size_t Edge::pending_units() const {
  size_t units = outbox_units_ + open_.units();
  // Own seqs are consecutive, so the acknowledged part of the first batch is a difference.
  const uint64_t first = outbox_.empty() ? open_first_ : outbox_.front().first_seq;
  if (units != 0 && acked_ >= first) units -= static_cast<size_t>(acked_ - first + 1);
  return units;
}

Hello Edge::hello(int64_t now_ms) const {
  Hello hello;
  hello.replica_id = replica_.replica_id();
  hello.proto_version = kProtoVersion;
  hello.last_seq = replica_.seq();
  hello.acked_seq = acked_;
  hello.hub_cursor = cursor_;
  hello.hlc = replica_.hlc();
  hello.wall_ms = now_ms;
  hello.node_name = options_.node_name;
  hello.auth_token = options_.auth_token;
  return hello;
}

std::optional<std::string> Edge::check_hello_reply(const HelloReply& reply) const {
  if (reply.mode != CatchUp::kIncremental)
    return "catch-up by state is not implemented (hub horizon " + std::to_string(reply.horizon) +
           ", cursor " + std::to_string(cursor_) + ")";
  if (reply.acked_seq > replica_.seq())
    return "the hub holds units of this replica up to seq " + std::to_string(reply.acked_seq) +
           " beyond its own " + std::to_string(replica_.seq()) + ": the replica id is reused";
  return std::nullopt;
}

void Edge::restart_pushes(uint64_t hub_acked_seq) {
  // A reply may hold less than an acknowledgement already received: the ack of a push sent on
  // the previous connection can overtake it. Acknowledged units stay acknowledged (the hub sends
  // an ack only once they are fsynced); a hub that really lost them will refuse the next push
  // with a gap.
  acked_ = std::max(acked_, hub_acked_seq);
  drop_acked();
  pushed_through_ = acked_;  // a new connection: whatever was in flight is sent again
}

int64_t Edge::oldest_pending_ms() const {
  if (!outbox_.empty()) return outbox_.front().first_ms;
  return open_.units() != 0 ? open_first_ms_ : 0;
}

const OutboxBatch* Edge::next_push() {
  auto it = std::find_if(outbox_.begin(), outbox_.end(),
                         [&](const OutboxBatch& b) { return b.last_seq > pushed_through_; });
  if (it == outbox_.end()) {
    if (open_.units() == 0) return nullptr;
    seal();
    it = std::prev(outbox_.end());
  }
  pushed_through_ = it->last_seq;
  return &*it;
}

void Edge::on_push_acked(uint64_t acked_seq) {
  if (acked_seq <= acked_) return;
  acked_ = acked_seq;
  pushed_through_ = std::max(pushed_through_, acked_);
  drop_acked();
}

std::variant<Ack, std::string> Edge::on_pull_reply(const PullReply& reply) {
  if (reply.from > cursor_)
    return "pull reply starts after hub position " + std::to_string(reply.from) +
           " but this edge's cursor is " + std::to_string(cursor_);
  if (reply.to < reply.from)
    return "pull reply ends at " + std::to_string(reply.to) + " before its start " +
           std::to_string(reply.from);
  replica_.refresh_time();
  const int64_t limit_ms = replica_.now_ms() + options_.max_clock_skew_ms;
  for (const crdt::Unit& unit : reply.units) {
    if (!crdt::fits_databases(unit, replica_.databases()))
      return "pulled unit seq " + std::to_string(unit.seq) + " names a database beyond " +
             std::to_string(replica_.databases());
    for (const crdt::Effect& effect : unit.effects)
      if (crdt::hlc_millis(effect.stamp.hlc) > limit_ms)
        return "clock_skew pulled unit seq " + std::to_string(unit.seq) + " is stamped " +
               std::to_string(crdt::hlc_millis(effect.stamp.hlc) - replica_.now_ms()) +
               " ms ahead of this edge's clock";
  }
  size_t refused = 0;
  for (size_t i = 0; i < reply.units.size(); ++i) {
    if (i + kPrefetchAhead < reply.units.size())
      replica_.prefetch(reply.units[i + kPrefetchAhead]);
    size_t dropped = 0;
    const std::optional<crdt::Unit> shared = without_local_keys(reply.units[i], dropped);
    const crdt::Unit& unit = shared ? *shared : reply.units[i];
    if (dropped != 0 && replica_.applied_seq(unit.origin) < unit.seq) refused += dropped;
    switch (replica_.apply_remote(unit)) {
      case crdt::Replica::Delivery::kApplied:
        if (on_applied) on_applied(unit);
        break;
      case crdt::Replica::Delivery::kDuplicate:
        break;
      case crdt::Replica::Delivery::kGap:
        return "pulled unit seq " + std::to_string(unit.seq) + " of replica " +
               std::to_string(crdt::NodeRegistry::id(unit.origin)) + " follows seq " +
               std::to_string(replica_.applied_seq(unit.origin)) + ": delivery was not causal";
    }
  }
  if (refused != 0)
    compact::log(compact::LogLevel::kWarning,
                 "Refused " + std::to_string(refused) +
                     " effect(s) from the hub on keys that do not sync here (sync-include, "
                     "sync-exclude): those keys stay as this edge has them");
  cursor_ = std::max(cursor_, reply.to);
  return Ack{cursor_};
}

}  // namespace eddy::sync
