// The hub's side of edge/hub sync: EDGE.HELLO, EDGE.PUSH, EDGE.PULL and EDGE.ACK, each taking one
// binary frame (sync/frame.h) and answering with a frame, an integer or an error.
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "sync/frame.h"

namespace eddy::commands {
namespace {

// The message a command's frame holds, or nothing after replying with the error.
template <class T>
const T* frame_argument(Context& ctx, sync::Message& holder) {
  auto decoded = sync::decode_frame(ctx.args[1]);
  if (auto* error = std::get_if<sync::FrameError>(&decoded)) {
    ctx.reply.error("-ERR bad frame: " + error->text);
    return nullptr;
  }
  holder = std::move(std::get<sync::Message>(decoded));
  const T* message = std::get_if<T>(&holder);
  if (!message) ctx.reply.error("-ERR unexpected frame type for this command");
  return message;
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
  sync::Message holder;
  const auto* hello = h ? frame_argument<sync::Hello>(ctx, holder) : nullptr;
  if (!hello) return;
  auto result = h->hello(*hello, ctx.now_ms());
  if (auto* refusal = std::get_if<std::string>(&result)) return ctx.reply.error("-" + *refusal);
  ctx.client.edge_peer = hello->replica_id;
  ctx.reply.bulk(sync::encode_frame(std::get<sync::HelloReply>(result)));
}

// EDGE.PUSH frame: answered with the edge's acknowledged seq once its units are fsynced here.
void edge_push(Context& ctx) {
  sync::Hub* h = hub(ctx);
  sync::Message holder;
  const auto* push = h && said_hello(ctx) ? frame_argument<sync::Push>(ctx, holder) : nullptr;
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
  sync::Message holder;
  const auto* pull = h && said_hello(ctx) ? frame_argument<sync::Pull>(ctx, holder) : nullptr;
  if (!pull) return;
  auto result = h->pull(ctx.client.edge_peer, *pull);
  if (auto* error = std::get_if<std::string>(&result)) return ctx.reply.error("-" + *error);
  ctx.reply.bulk(sync::encode_frame(std::get<sync::PullReply>(result)));
}

// EDGE.ACK frame
void edge_ack(Context& ctx) {
  sync::Hub* h = hub(ctx);
  sync::Message holder;
  const auto* ack = h && said_hello(ctx) ? frame_argument<sync::Ack>(ctx, holder) : nullptr;
  if (!ack) return;
  h->ack(ctx.client.edge_peer, *ack, ctx.now_ms());
  ctx.reply.ok();
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
};

}  // namespace

std::span<const CommandSpec> edge_commands() { return kRows; }

}  // namespace eddy::commands
