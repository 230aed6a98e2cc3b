// Edge/hub sync. The hub's side: EDGE.HELLO, EDGE.PUSH, EDGE.PULL and EDGE.ACK, each taking one
// binary frame (sync/frame.h) and answering with a frame, an integer or an error. For people:
// EDGE.STATUS, EDGE.SYNC [WAIT ms], EDGE.QUEUE, EDGE.PAUSE and EDGE.RESUME on an edge;
// EDGE.STATUS and EDGE.PEERS on a hub; EDGE.RESOURCES on both.
#include <algorithm>
#include <optional>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "sync/frame.h"

namespace eddy::commands {
namespace {

// The message a command's frame holds, or nothing after replying with the error.
template <class T>
std::optional<T> frame_argument(Context& ctx) {
  auto decoded = sync::decode_frame_as<T>(ctx.args[1]);
  if (auto* error = std::get_if<sync::FrameError>(&decoded)) {
    ctx.reply.error("-ERR bad frame: " + error->text);
    return std::nullopt;
  }
  return std::move(std::get<T>(decoded));
}

sync::Hub* hub(Context& ctx) {
  sync::Hub* hub = ctx.state.sync ? ctx.state.sync->hub() : nullptr;
  if (!hub) ctx.reply.error("-ERR this eddy is not a hub (role hub)");
  return hub;
}

bool said_hello(Context& ctx) {
  if (ctx.client.edge_peer != 0) return true;
  ctx.reply.error("-ERR EDGE.HELLO first");
  return false;
}

// EDGE.HELLO frame
void edge_hello(Context& ctx) {
  sync::Hub* h = hub(ctx);
  const auto hello = h ? frame_argument<sync::Hello>(ctx) : std::nullopt;
  if (!hello) return;
  auto result = h->hello(*hello, ctx.now_ms());
  if (auto* refusal = std::get_if<std::string>(&result)) return ctx.reply.error("-" + *refusal);
  ctx.client.edge_peer = hello->replica_id;
  ctx.reply.bulk(sync::encode_frame(std::get<sync::HelloReply>(result)));
}

// EDGE.PUSH frame: answered with the edge's acknowledged seq once its units are fsynced here.
void edge_push(Context& ctx) {
  sync::Hub* h = hub(ctx);
  const auto push = h && said_hello(ctx) ? frame_argument<sync::Push>(ctx) : std::nullopt;
  if (!push) return;
  auto result = h->push(ctx.client.edge_peer, *push);
  ctx.state.serve_ready_keys();
  if (auto* error = std::get_if<std::string>(&result)) return ctx.reply.error("-" + *error);
  const uint64_t acked = std::get<uint64_t>(result);
  // The reply waits for the fsync; the connection runs nothing more meanwhile.
  ctx.client.blocked = true;
  EngineState& state = ctx.state;
  const uint64_t id = ctx.client.id;
  state.persistence->when_fsynced([&state, id, acked](uint64_t) {
    auto it = state.clients.find(id);
    if (it == state.clients.end()) return;
    Client& client = *it->second;
    client.blocked = false;
    if (client.send_async) client.send_async(":" + std::to_string(acked) + "\r\n");
    if (client.resume) client.resume();
  });
}

// The longest a hub holds a pull: an edge asking for more is answered sooner.
constexpr uint64_t kMaxPullWaitMs = 60'000;

// How long a pull without a wait may be held for units the log holds but has not fsynced yet.
constexpr uint64_t kUnsyncedHoldMs = 5'000;

// EDGE.PULL frame: answered at once when the log holds something durable after the cursor, else
// held up to the pull's wait (a long poll) until something durable arrives for this edge. A pull
// without a wait (EDGE.SYNC WAIT's probe) is still held while the log has units not fsynced yet,
// with an fsync asked for at once: a write acknowledged at the hub before the probe must reach
// the edge with it.
void edge_pull(Context& ctx) {
  sync::Hub* h = hub(ctx);
  const auto pull = h && said_hello(ctx) ? frame_argument<sync::Pull>(ctx) : std::nullopt;
  if (!pull) return;
  auto result = h->pull(ctx.client.edge_peer, *pull);
  if (auto* error = std::get_if<std::string>(&result)) return ctx.reply.error("-" + *error);
  const auto& units = std::get<sync::PullReply>(result);
  const sync::UnitLog& log = ctx.state.sync->log();
  const bool unsynced = log.head() > log.durable() && log.head() > pull->cursor;
  if (units.to != units.from || (pull->wait_ms == 0 && !unsynced))
    return ctx.reply.bulk(sync::encode_frame(units));
  uint64_t wait = std::min(pull->wait_ms, kMaxPullWaitMs);
  if (pull->wait_ms == 0) {
    wait = kUnsyncedHoldMs;
    ctx.state.persistence->when_fsynced([](uint64_t) {});
  }
  ctx.client.blocked = true;
  ctx.state.pull_waiters.push_back(
      {ctx.client.id, *pull, ctx.now_ms() + static_cast<int64_t>(wait)});
}

// EDGE.ACK frame
void edge_ack(Context& ctx) {
  sync::Hub* h = hub(ctx);
  const auto ack = h && said_hello(ctx) ? frame_argument<sync::Ack>(ctx) : std::nullopt;
  if (!ack) return;
  h->ack(ctx.client.edge_peer, *ack, ctx.now_ms());
  ctx.reply.ok();
}

// The reply of EDGE.STATUS: field/value pairs, a map in RESP3 (like CONFIG GET).
void pairs(Context& ctx, const std::vector<std::pair<std::string, std::string>>& fields) {
  ctx.reply.map(fields.size());
  for (const auto& [name, value] : fields) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

// EDGE.STATUS
void edge_status(Context& ctx) { pairs(ctx, ctx.state.sync_status()); }

// EDGE.RESOURCES: memory and disk against their budgets, their levels, and the last action.
void edge_resources(Context& ctx) { pairs(ctx, ctx.state.resources.status(ctx.state)); }

sync::SyncNode* edge_node(Context& ctx) {
  sync::SyncNode* node = ctx.state.sync && ctx.state.sync->edge() ? ctx.state.sync.get() : nullptr;
  if (!node) ctx.reply.error("-ERR this eddy is not an edge with a hub");
  return node;
}

// EDGE.QUEUE: what waits for the hub.
void edge_queue(Context& ctx) {
  using std::to_string;
  sync::SyncNode* node = edge_node(ctx);
  if (!node) return;
  const sync::Edge& edge = *node->edge();
  const int64_t oldest = node->oldest_pending_ms();
  const int64_t age_ms = oldest ? std::max<int64_t>(0, ctx.now_ms() - oldest) : 0;
  pairs(ctx, {{"pending_effects", to_string(node->pending_units())},
              {"pending_bytes", to_string(edge.pending_bytes())},
              {"oldest_pending_age_ms", to_string(age_ms)},
              {"queue_mode", "effects"},
              {"batches", to_string(edge.batches())},
              {"pushed_through_seq", to_string(edge.pushed_through())},
              {"acked_seq", to_string(edge.acked_seq())},
              {"last_seq", to_string(ctx.state.replica.seq())}});
}

// EDGE.PAUSE: stop syncing (writes go on and queue) until EDGE.RESUME.
void edge_pause(Context& ctx) {
  sync::SyncNode* node = edge_node(ctx);
  if (!node) return;
  node->link().paused = true;
  if (node->link().pause) node->link().pause();
  ctx.reply.ok();
}

// EDGE.RESUME
void edge_resume(Context& ctx) {
  sync::SyncNode* node = edge_node(ctx);
  if (!node) return;
  node->link().paused = false;
  if (node->link().sync_now) node->link().sync_now();
  ctx.reply.ok();
}

// EDGE.PEERS: on a hub, each edge that said hello since it started.
void edge_peers(Context& ctx) {
  using std::to_string;
  sync::Hub* h = hub(ctx);
  if (!h) return;
  const uint64_t durable = ctx.state.sync->log().durable();
  ctx.reply.array(h->peers().size());
  for (const auto& [id, peer] : h->peers()) {
    int connections = 0;
    std::string address;
    for (const auto& [client_id, client] : ctx.state.clients) {
      if (client->edge_peer != id) continue;
      ++connections;
      address = client->addr;
    }
    pairs(ctx, {{"node_name", peer.node_name},
                {"replica_id", to_string(id)},
                {"index", to_string(crdt::NodeRegistry::intern(id))},
                {"address", address},
                {"connected", to_string(connections)},
                {"acked_seq", to_string(peer.acked_seq)},
                {"cursor", to_string(peer.cursor)},
                {"lag", to_string(durable - std::min(durable, peer.cursor))},
                {"last_seen_ms", to_string(peer.last_seen_ms)}});
  }
}

// EDGE.CONFLICTS [COUNT n]: the newest register writes that lost to a concurrent one, newest
// first (10 unless COUNT says; COUNT 0 or a negative count: all that the ring holds).
void edge_conflicts(Context& ctx) {
  using std::to_string;
  int64_t count = 10;
  if (ctx.args.size() == 3 && iequals(ctx.args[1], "COUNT")) {
    auto n = crdt::parse_strict_int64(ctx.args[2]);
    if (!n) return ctx.reply.error(errors::kNotInteger);
    count = *n;
  } else if (ctx.args.size() != 1) {
    return ctx.reply.error(errors::kSyntax);
  }
  const auto& entries = ctx.state.replica.conflicts().entries();
  const size_t shown = count <= 0 ? entries.size()
                                  : std::min(entries.size(), static_cast<size_t>(count));
  auto value = [](const std::string& head, size_t size) {
    return size > head.size()
               ? head + "... (" + to_string(size - head.size()) + " more bytes)"
               : head;
  };
  auto time_ms = [](const crdt::Stamp& s) { return to_string(crdt::hlc_millis(s.hlc)); };
  auto node = [](const crdt::Stamp& s) { return to_string(crdt::NodeRegistry::id(s.node)); };
  ctx.reply.array(shown);
  for (size_t i = 0; i < shown; ++i) {
    const crdt::Conflict& c = entries[i];
    pairs(ctx, {{"db", to_string(c.db)},
                {"key", c.key},
                {"field", c.field},
                {"winner_node", node(c.winner)},
                {"winner_time_ms", time_ms(c.winner)},
                {"winner_value", value(c.winner_value, c.winner_size)},
                {"loser_node", node(c.loser)},
                {"loser_time_ms", time_ms(c.loser)},
                {"loser_value", value(c.loser_value, c.loser_size)},
                {"seen_at_ms", to_string(c.seen_ms)}});
  }
}

// A round now, unless EDGE.PAUSE holds the link.
void sync_now(EngineState& s) {
  const sync::SyncNode::Link& link = s.sync->link();
  if (!link.paused && link.sync_now) link.sync_now();
}

bool sync_done(EngineState& s, int64_t since_ms) {
  return s.sync->pending_units() == 0 && s.sync->link().caught_up_ms >= since_ms;
}

// EDGE.SYNC [WAIT ms]: the edge syncs continuously; WAIT returns once everything written before
// it is at the hub and a pull sent after it found nothing new, or answers -TIMEOUT.
void edge_sync(Context& ctx) {
  EngineState& s = ctx.state;
  if (!s.sync || !s.sync->edge())
    return ctx.reply.error("-ERR this eddy is not an edge with a hub");
  if (ctx.args.size() == 1) {
    sync_now(s);
    return ctx.reply.ok();
  }
  if (ctx.args.size() != 3 || !iequals(ctx.args[1], "WAIT"))
    return ctx.reply.error(errors::kSyntax);
  auto ms = crdt::parse_strict_int64(ctx.args[2]);
  if (!ms || *ms < 0) return ctx.reply.error("-ERR timeout is not an integer or out of range");
  if (ctx.state.in_exec()) return ctx.reply.error("-ERR EDGE.SYNC WAIT can't run inside MULTI");
  ctx.client.blocked = true;
  s.sync_waiters.push_back({ctx.client.id, ctx.now_ms(), ctx.now_ms() + *ms});
  sync_now(s);
}

// The link's own commands: binary frames, which MONITOR does not show (as Redis does not show
// its replication stream).
constexpr uint32_t kEdgeLink = kNoScript | kNoMulti | kSkipMonitor;

const CommandSpec kRows[] = {
    {"edge.hello", 2, kEdgeLink | kFast, 0, 0, 0, "edge",
     "Starts an edge's sync session with this hub.", "0.1.0", "O(1)", edge_hello, "@edge",
     "frame=string"},
    {"edge.push", 2, kWrite | kEdgeLink, 0, 0, 0, "edge",
     "Applies an edge's units at this hub.", "0.1.0", "O(N) where N is the number of effects",
     edge_push, "@edge @write", "frame=string"},
    {"edge.pull", 2, kEdgeLink, 0, 0, 0, "edge",
     "Returns the hub's units after an edge's cursor.", "0.1.0",
     "O(N) where N is the number of units returned", edge_pull, "@edge", "frame=string"},
    {"edge.ack", 2, kEdgeLink | kFast, 0, 0, 0, "edge",
     "Records how far an edge has durably pulled.", "0.1.0", "O(1)", edge_ack, "@edge",
     "frame=string"},
    {"edge.status", 1, kLoading | kStale | kFast, 0, 0, 0, "edge",
     "Shows this replica's sync state.", "0.1.0", "O(1)", edge_status, "@edge @fast"},
    {"edge.sync", -1, kNoScript, 0, 0, 0, "edge",
     "Syncs now; with WAIT, returns once everything is pushed and pulled.", "0.1.0", "O(1)",
     edge_sync, "@edge", "[wait=block(wait=pure@WAIT ms=integer)]"},
    {"edge.queue", 1, kLoading | kStale | kFast, 0, 0, 0, "edge",
     "Shows what this edge has not yet delivered to its hub.", "0.1.0", "O(1)", edge_queue,
     "@edge @fast"},
    {"edge.pause", 1, kNoScript | kFast, 0, 0, 0, "edge",
     "Stops syncing with the hub until EDGE.RESUME; writes go on and queue.", "0.1.0", "O(1)",
     edge_pause, "@edge @fast"},
    {"edge.resume", 1, kNoScript | kFast, 0, 0, 0, "edge", "Syncs with the hub again.", "0.1.0",
     "O(1)", edge_resume, "@edge @fast"},
    {"edge.resources", 1, kLoading | kStale | kFast, 0, 0, 0, "edge",
     "Shows memory and disk usage against their budgets, their levels and the last action.",
     "0.1.0", "O(1)", edge_resources, "@edge @fast"},
    {"edge.conflicts", -1, kLoading | kStale, 0, 0, 0, "edge",
     "Shows the newest register writes that lost to a concurrent write.", "0.1.0",
     "O(N) where N is the number of entries shown", edge_conflicts, "@edge",
     "[count=block(count=pure@COUNT n=integer)]"},
    {"edge.peers", 1, kLoading | kStale, 0, 0, 0, "edge",
     "Shows every edge of this hub: name, link, acknowledged seq, cursor and lag.", "0.1.0",
     "O(N) where N is the number of edges and clients", edge_peers, "@edge"},
};

}  // namespace

void EngineState::wake_sync_waiters() {
  const int64_t now = clock.now_ms();
  std::erase_if(sync_waiters, [&](const SyncWaiter& w) {
    auto it = clients.find(w.client_id);
    if (it == clients.end()) return true;
    const bool done = sync_done(*this, w.since_ms);
    if (!done && now < w.deadline_ms) return false;
    Client& client = *it->second;
    client.blocked = false;
    if (client.send_async)
      client.send_async(done ? "+OK\r\n"
                             : "-TIMEOUT the edge has not caught up with its hub in time\r\n");
    if (client.resume) client.resume();
    return true;
  });
}

std::vector<std::pair<std::string, std::string>> EngineState::sync_status() const {
  using std::to_string;
  std::vector<std::pair<std::string, std::string>> f = {
      {"role", config.text("role")},
      {"node_name", config.text("node-name")},
      {"replica_id", to_string(replica.replica_id())},
      {"seq", to_string(replica.seq())},
      {"conflicts", to_string(replica.conflicts().total())}};
  if (!sync) {
    f.emplace_back("hub", "");
    f.emplace_back("link", "none");
    return f;
  }
  if (const sync::Hub* hub = sync->hub()) {
    f.emplace_back("edges", to_string(hub->peers().size()));
    f.emplace_back("log_head", to_string(sync->log().head()));
    f.emplace_back("log_durable", to_string(sync->log().durable()));
    f.emplace_back("log_horizon", to_string(sync->log().horizon()));
    f.emplace_back("long_polls", to_string(pull_waiters.size()));
    return f;
  }
  const sync::SyncNode::Link& link = sync->link();
  const sync::Edge& edge = *sync->edge();
  f.emplace_back("hub", config.text("hub"));
  f.emplace_back("link", link.paused ? "paused" : link.connected() ? "up" : "down");
  f.emplace_back("last_sync_ms", to_string(link.last_sync_ms));
  f.emplace_back("last_error", link.last_error);
  f.emplace_back("pending_effects", to_string(sync->pending_units()));
  f.emplace_back("pending_bytes", to_string(edge.pending_bytes()));
  f.emplace_back("queue_mode", "effects");
  f.emplace_back("acked_seq", to_string(edge.acked_seq()));
  f.emplace_back("hub_cursor", to_string(edge.cursor()));
  return f;
}

bool EngineState::sync_waiter_needs_pull() const {
  const int64_t caught_up = sync->link().caught_up_ms;
  return std::any_of(sync_waiters.begin(), sync_waiters.end(),
                     [&](const SyncWaiter& w) { return caught_up < w.since_ms; });
}

void EngineState::wake_pull_waiters() {
  const int64_t now = clock.now_ms();
  sync::Hub* h = sync ? sync->hub() : nullptr;
  std::erase_if(pull_waiters, [&](const PullWaiter& w) {
    auto it = clients.find(w.client_id);
    if (it == clients.end() || !h) return true;
    Client& client = *it->second;
    auto result = h->pull(client.edge_peer, w.pull);
    std::string out;
    ReplyBuilder reply(out, client.resp);
    if (auto* error = std::get_if<std::string>(&result)) {
      reply.error("-" + *error);
    } else {
      const auto& units = std::get<sync::PullReply>(result);
      // A probe (no wait) waits only for the log's fsync; a long poll for units or its deadline.
      const bool probe_done = w.pull.wait_ms == 0 && sync->log().head() <= sync->log().durable();
      if (units.to == units.from && now < w.deadline_ms && !probe_done) return false;
      reply.bulk(sync::encode_frame(units));
    }
    client.blocked = false;
    if (client.send_async) client.send_async(out);
    if (client.resume) client.resume();
    return true;
  });
}

std::span<const CommandSpec> edge_commands() { return kRows; }

}  // namespace eddy::commands
