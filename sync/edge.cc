#include "sync/edge.h"

#include <algorithm>

#include "crdt/codec.h"
#include "crdt/stamp.h"

namespace eddy::sync {

Edge::Edge(crdt::Replica& replica, EdgeOptions options)
    : replica_(replica), options_(std::move(options)) {}

void Edge::on_local_unit(const crdt::Unit& unit) {
  if (unit.seq <= acked_) return;
  if (!outbox_.empty() && unit.seq <= outbox_.back().seq) return;  // fed twice
  Pending pending{unit.seq, {}};
  crdt::encode_unit(unit, pending.bytes);
  outbox_bytes_ += pending.bytes.size();
  outbox_.push_back(std::move(pending));
}

void Edge::set_acked_seq(uint64_t seq) {
  acked_ = std::max(acked_, seq);
  pushed_through_ = std::max(pushed_through_, acked_);
  drop_acked();
}

void Edge::drop_acked() {
  while (!outbox_.empty() && outbox_.front().seq <= acked_) {
    outbox_bytes_ -= outbox_.front().bytes.size();
    outbox_.pop_front();
  }
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

std::optional<std::string> Edge::on_hello_reply(const HelloReply& reply) {
  if (reply.mode != CatchUp::kIncremental)
    return "catch-up by state is not implemented (hub horizon " + std::to_string(reply.horizon) +
           ", cursor " + std::to_string(cursor_) + ")";
  if (reply.acked_seq > replica_.seq())
    return "the hub holds units of this replica up to seq " + std::to_string(reply.acked_seq) +
           " beyond its own " + std::to_string(replica_.seq()) + ": the replica id is reused";
  // A reply may hold less than an acknowledgement already received: the ack of a push sent on
  // the previous connection can overtake it. Acknowledged units stay acknowledged (the hub sends
  // an ack only once they are fsynced); a hub that really lost them will refuse the next push
  // with a gap.
  acked_ = std::max(acked_, reply.acked_seq);
  drop_acked();
  pushed_through_ = acked_;  // a new connection: whatever was in flight is sent again
  return std::nullopt;
}

std::optional<Push> Edge::next_push(size_t max_units, size_t max_bytes) {
  auto it = std::upper_bound(outbox_.begin(), outbox_.end(), pushed_through_,
                             [](uint64_t seq, const Pending& p) { return seq < p.seq; });
  if (it == outbox_.end()) return std::nullopt;
  Push push;
  size_t bytes = 0;
  for (; it != outbox_.end() && push.units.size() < std::max<size_t>(max_units, 1); ++it) {
    if (!push.units.empty() && bytes + it->bytes.size() > max_bytes) break;
    // The bytes were encoded by on_local_unit: they decode.
    auto unit = crdt::decode_unit(it->bytes);
    if (!unit) break;
    push.units.push_back(std::move(*unit));
    bytes += it->bytes.size();
  }
  if (push.units.empty()) return std::nullopt;
  pushed_through_ = push.units.back().seq;
  return push;
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
  for (const crdt::Unit& unit : reply.units) {
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
  cursor_ = std::max(cursor_, reply.to);
  return Ack{cursor_};
}

}  // namespace eddy::sync
