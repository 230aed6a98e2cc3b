// Edge/hub sync. The hub's side: EDGE.HELLO, EDGE.PUSH, EDGE.PULL and EDGE.ACK, each taking one
// binary frame (sync/frame.h) and answering with a frame, an integer or an error. For people:
// EDGE.STATUS and EDGE.SYNC [WAIT ms].
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

// EDGE.PULL frame
void edge_pull(Context& ctx) {
  sync::Hub* h = hub(ctx);
  const auto pull = h && said_hello(ctx) ? frame_argument<sync::Pull>(ctx) : std::nullopt;
  if (!pull) return;
  auto result = h->pull(ctx.client.edge_peer, *pull);
  if (auto* error = std::get_if<std::string>(&result)) return ctx.reply.error("-" + *error);
  ctx.reply.bulk(sync::encode_frame(std::get<sync::PullReply>(result)));
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
void edge_status(Context& ctx) {
  using std::to_string;
  EngineState& s = ctx.state;
  const std::string& role = s.config.text("role");
  std::vector<std::pair<std::string, std::string>> f = {
      {"role", role},
      {"node_name", s.config.text("node-name")},
      {"replica_id", to_string(s.replica.replica_id())},
      {"seq", to_string(s.replica.seq())}};
  if (!s.sync) {
    f.emplace_back("hub", "");
    f.emplace_back("link", "none");
    return pairs(ctx, f);
  }
  if (sync::Hub* hub = s.sync->hub()) {
    f.emplace_back("edges", to_string(hub->peers().size()));
    f.emplace_back("log_head", to_string(s.sync->log().head()));
    f.emplace_back("log_durable", to_string(s.sync->log().durable()));
    f.emplace_back("log_horizon", to_string(s.sync->log().horizon()));
    return pairs(ctx, f);
  }
  const sync::SyncNode::Link& link = s.sync->link();
  const sync::Edge& edge = *s.sync->edge();
  f.emplace_back("hub", s.config.text("hub"));
  f.emplace_back("link", link.connected ? "up" : "down");
  f.emplace_back("last_sync_ms", to_string(link.last_sync_ms));
  f.emplace_back("last_error", link.last_error);
  f.emplace_back("pending_effects", to_string(s.sync->pending_units()));
  f.emplace_back("pending_bytes", to_string(edge.pending_bytes()));
  f.emplace_back("queue_mode", "effects");
  f.emplace_back("acked_seq", to_string(edge.acked_seq()));
  f.emplace_back("hub_cursor", to_string(edge.cursor()));
  pairs(ctx, f);
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
  if (ctx.args.size() == 1) return ctx.reply.ok();
  if (ctx.args.size() != 3 || !iequals(ctx.args[1], "WAIT"))
    return ctx.reply.error(errors::kSyntax);
  auto ms = crdt::parse_strict_int64(ctx.args[2]);
  if (!ms || *ms < 0) return ctx.reply.error("-ERR timeout is not an integer or out of range");
  if (ctx.state.in_exec()) return ctx.reply.error("-ERR EDGE.SYNC WAIT can't run inside MULTI");
  ctx.client.blocked = true;
  s.sync_waiters.push_back({ctx.client.id, ctx.now_ms(), ctx.now_ms() + *ms});
}

const CommandSpec kRows[] = {
    {"edge.hello", 2, kNoScript | kNoMulti | kFast, 0, 0, 0, "edge",
     "Starts an edge's sync session with this hub.", "0.1.0", "O(1)", edge_hello, "@edge",
     "frame=string"},
    {"edge.push", 2, kWrite | kNoScript | kNoMulti, 0, 0, 0, "edge",
     "Applies an edge's units at this hub.", "0.1.0", "O(N) where N is the number of effects",
     edge_push, "@edge @write", "frame=string"},
    {"edge.pull", 2, kNoScript | kNoMulti, 0, 0, 0, "edge",
     "Returns the hub's units after an edge's cursor.", "0.1.0",
     "O(N) where N is the number of units returned", edge_pull, "@edge", "frame=string"},
    {"edge.ack", 2, kNoScript | kNoMulti | kFast, 0, 0, 0, "edge",
     "Records how far an edge has durably pulled.", "0.1.0", "O(1)", edge_ack, "@edge",
     "frame=string"},
    {"edge.status", 1, kLoading | kStale | kFast, 0, 0, 0, "edge",
     "Shows this replica's sync state.", "0.1.0", "O(1)", edge_status, "@edge @fast"},
    {"edge.sync", -1, kNoScript, 0, 0, 0, "edge",
     "Syncs now; with WAIT, returns once everything is pushed and pulled.", "0.1.0", "O(1)",
     edge_sync, "@edge", "[wait=block(wait=pure@WAIT ms=integer)]"},
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

std::span<const CommandSpec> edge_commands() { return kRows; }

}  // namespace eddy::commands
