#include "sync/hub.h"

#include <algorithm>

#include "compact/log.h"
#include "crdt/codec.h"
#include "crdt/stamp.h"
#include "sync/edge_tokens.h"
#include "sync/file_io.h"

namespace eddy::sync {

namespace {

std::string text(uint64_t n) { return std::to_string(n); }

}  // namespace

Hub::Hub(crdt::Replica& replica, UnitLog& log, HubOptions options)
    : replica_(replica), log_(log), options_(options) {}

std::optional<std::string> Hub::authorize(const Hello& hello) const {
  if (options_.tokens_file.empty()) return std::nullopt;
  const FileRead file = read_file(options_.tokens_file);
  if (!file.exists || !file.error.empty()) {
    compact::log(compact::LogLevel::kWarning,
                 "Refusing edges: cannot read sync-tokens-file " + options_.tokens_file + ": " +
                     (file.exists ? file.error : "no such file"));
    return "REFUSED unauthorized the hub cannot read its tokens file";
  }
  auto tokens = EdgeTokens::parse(file.bytes);
  if (auto* error = std::get_if<std::string>(&tokens)) {
    compact::log(compact::LogLevel::kWarning,
                 "Refusing edges: sync-tokens-file " + options_.tokens_file + " " + *error);
    return "REFUSED unauthorized the hub cannot read its tokens file";
  }
  // The same words for an unknown name and a wrong token: a refusal tells nothing to a guesser.
  if (!std::get<EdgeTokens>(tokens).accepts(hello.node_name, hello.auth_token))
    return "REFUSED unauthorized node name or token not accepted";
  // An accepted edge may not speak for another: a replica id the hub knows under another name
  // is not this edge's to push under.
  auto known = peers_.find(hello.replica_id);
  if (known != peers_.end() && known->second.node_name != hello.node_name)
    return "REFUSED unauthorized replica id " + text(hello.replica_id) + " belongs to edge '" +
           known->second.node_name + "'";
  return std::nullopt;
}

std::variant<HelloReply, std::string> Hub::hello(const Hello& hello, int64_t now_ms) {
  if (hello.proto_version != kProtoVersion)
    return "REFUSED protocol version " + text(hello.proto_version) +
           " is not supported (this hub speaks " + text(kProtoVersion) + ")";
  const int64_t ahead_ms = crdt::hlc_millis(hello.hlc) - now_ms;
  if (ahead_ms > options_.max_clock_skew_ms)
    return "REFUSED clock_skew the edge's clock is " + std::to_string(ahead_ms) +
           " ms ahead of the hub's (sync-max-clock-skew is " +
           std::to_string(options_.max_clock_skew_ms) + " ms)";
  if (auto refusal = authorize(hello)) return *refusal;
  if (hello.replica_id == 0 || hello.replica_id == replica_.replica_id())
    return "REFUSED replica_reused replica id " + text(hello.replica_id) + " is not an edge's";
  const crdt::NodeIndex node = crdt::NodeRegistry::intern(hello.replica_id);
  const uint64_t held = replica_.applied_seq(node);
  if (hello.last_seq < held)
    return "REFUSED replica_reused the hub holds units up to seq " + text(held) + " of replica " +
           text(hello.replica_id) + " but the edge's last is " + text(hello.last_seq) +
           ": start the edge under a new replica id";

  EdgePeer& peer = peers_[hello.replica_id];
  peer.node_name = hello.node_name;
  peer.acked_seq = held;
  peer.cursor = std::max(peer.cursor, std::min(hello.hub_cursor, log_.durable()));
  peer.last_seen_ms = now_ms;

  HelloReply reply;
  reply.hub_replica_id = replica_.replica_id();
  reply.acked_seq = held;
  reply.head = log_.durable();  // what can be pulled
  reply.horizon = log_.horizon();
  reply.hub_hlc = replica_.hlc();
  reply.hub_wall_ms = now_ms;
  // A cursor past the head means the hub lost positions the edge has (its journal was restored
  // from a backup): only a state merge can reconcile that.
  const bool incremental =
      hello.hub_cursor + 1 >= log_.horizon() && hello.hub_cursor <= log_.durable();
  reply.mode = incremental ? CatchUp::kIncremental : CatchUp::kFullMerge;
  return reply;
}

std::variant<uint64_t, std::string> Hub::push(uint64_t edge_replica_id, const Push& push) {
  const crdt::NodeIndex node = crdt::NodeRegistry::intern(edge_replica_id);
  replica_.refresh_time();
  const int64_t limit_ms = replica_.now_ms() + options_.max_clock_skew_ms;
  // Validate the whole batch, then apply: a refused batch leaves nothing behind.
  for (const crdt::Unit& unit : push.units) {
    if (unit.origin != node)
      return "REFUSED foreign_unit a push carries only the pushing edge's own units (seq " +
             text(unit.seq) + " is replica " + text(crdt::NodeRegistry::id(unit.origin)) + "'s)";
    if (!crdt::fits_databases(unit, replica_.databases()))
      return "REFUSED databases unit seq " + text(unit.seq) +
             " names a database beyond the hub's " + std::to_string(replica_.databases());
    for (const crdt::Effect& effect : unit.effects) {
      if (effect.stamp.node != node)
        return "REFUSED foreign_stamp unit seq " + text(unit.seq) +
               " carries an effect stamped by replica " +
               text(crdt::NodeRegistry::id(effect.stamp.node)) + ", not the pushing edge";
      if (crdt::hlc_millis(effect.stamp.hlc) > limit_ms)
        return "REFUSED clock_skew unit seq " + text(unit.seq) + " is stamped " +
               std::to_string(crdt::hlc_millis(effect.stamp.hlc) - replica_.now_ms()) +
               " ms ahead of the hub's clock";
    }
  }
  for (size_t i = 0; i < push.units.size(); ++i) {
    const crdt::Unit& unit = push.units[i];
    if (i + kPrefetchAhead < push.units.size()) replica_.prefetch(push.units[i + kPrefetchAhead]);
    switch (replica_.apply_remote(unit)) {
      case crdt::Replica::Delivery::kApplied:
        log_.append(unit);
        if (on_applied) on_applied(unit);
        break;
      case crdt::Replica::Delivery::kDuplicate:
        break;
      case crdt::Replica::Delivery::kGap:
        return "REFUSED gap unit seq " + text(unit.seq) + " follows seq " +
               text(replica_.applied_seq(node)) + ": push again from the acknowledged seq";
    }
  }
  const uint64_t acked = replica_.applied_seq(node);
  peers_[edge_replica_id].acked_seq = acked;
  return acked;
}

std::variant<PullReply, std::string> Hub::pull(uint64_t edge_replica_id, const Pull& pull) const {
  if (pull.cursor + 1 < log_.horizon())
    return "REFUSED horizon cursor " + text(pull.cursor) + " is before the hub journal's horizon " +
           text(log_.horizon()) + ": say hello again to catch up by state";
  return log_.read(pull.cursor, pull.max_bytes, crdt::NodeRegistry::intern(edge_replica_id));
}

void Hub::ack(uint64_t edge_replica_id, const Ack& ack, int64_t now_ms) {
  EdgePeer& peer = peers_[edge_replica_id];
  // An edge cannot have fsynced what was never served: a larger cursor is bogus.
  peer.cursor = std::max(peer.cursor, std::min(ack.cursor, log_.durable()));
  peer.last_seen_ms = now_ms;
}

uint64_t Hub::min_cursor() const {
  uint64_t least = log_.durable();
  for (const auto& [id, peer] : peers_) least = std::min(least, peer.cursor);
  return least;
}

}  // namespace eddy::sync
