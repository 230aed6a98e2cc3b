// Blocked clients: BLPOP and the other blocking commands wait here for a push.
#include <algorithm>

#include "commands/engine_state.h"

namespace eddy::commands {
bool Context::wrong_type(const crdt::KeyState* state, crdt::KeyType type) {
  if (!state || state->type() == type) return false;
  reply.error("-WRONGTYPE Operation against a key holding the wrong kind of value");
  return true;
}

void Context::block(std::span<const std::string_view> keys, int64_t deadline_ms,
                    BlockedReply immediate) {
  if (state.rerunning()) return state.keep_blocked();
  if (state.in_exec() || client.in_multi)
    return immediate == BlockedReply::kNull ? reply.null() : reply.null_array();
  BlockedClient entry;
  entry.client = &client;
  entry.argv.assign(args.begin(), args.end());
  entry.spec = state.table.find(args[0]);
  for (std::string_view key : keys) entry.keys.emplace_back(db(), std::string(key));
  entry.deadline_ms = deadline_ms;
  state.block(std::move(entry));
}

void EngineState::block(BlockedClient entry) {
  Client& client = *entry.client;
  client.blocked = true;
  for (const auto& key : entry.keys) {
    auto& queue = waiting[key];
    if (std::find(queue.begin(), queue.end(), client.id) == queue.end()) queue.push_back(client.id);
  }
  blocked[client.id] = std::move(entry);
}

void EngineState::forget_blocked(uint64_t client_id) {
  auto it = blocked.find(client_id);
  if (it == blocked.end()) return;
  for (const auto& key : it->second.keys) {
    auto w = waiting.find(key);
    if (w == waiting.end()) continue;
    std::erase(w->second, client_id);
    if (w->second.empty()) waiting.erase(w);
  }
  it->second.client->blocked = false;
  blocked.erase(it);
}

void EngineState::unblock(Client& client, std::string_view reply) {
  forget_blocked(client.id);
  if (client.send_async) client.send_async(reply);
  if (client.resume) client.resume();
}

void EngineState::serve_ready_keys() {
  // Serving one client may make other keys ready (BLMOVE pushes): go on until none is.
  while (!ready_keys.empty()) {
    auto keys = std::move(ready_keys);
    ready_keys.clear();
    for (const auto& key : keys) {
      auto w = waiting.find(key);
      if (w == waiting.end()) continue;
      const std::deque<uint64_t> queue = w->second;
      for (uint64_t id : queue) {
        const crdt::KeyState* state = replica.peek(key.first, key.second);
        if (!state || !state->list() || replica.is_expired(*state)) break;
        auto it = blocked.find(id);
        if (it == blocked.end()) continue;
        BlockedClient& entry = it->second;
        std::string out;
        ReplyBuilder reply(out, entry.client->resp);
        std::vector<std::string_view> argv(entry.argv.begin(), entry.argv.end());
        replica.refresh_time();
        rerunning_ = true;
        still_blocked_ = false;
        Context ctx(*this, *entry.client, reply, argv);
        const int64_t start = clock.now_us();
        entry.spec->handler(ctx);
        rerunning_ = false;
        if (still_blocked_) continue;
        const int64_t end = clock.now_us(), served = std::max<int64_t>(end - start, 0);
        obs.after_unblock(*entry.spec, *entry.client, argv, end, entry.call_us + served, served);
        unblock(*entry.client, out);
      }
    }
  }
}

void EngineState::expire_blocked(int64_t now_ms) {
  std::vector<Client*> expired;
  for (const auto& [id, entry] : blocked)
    if (entry.deadline_ms != 0 && entry.deadline_ms <= now_ms) expired.push_back(entry.client);
  for (Client* client : expired) {
    const BlockedClient& entry = blocked[client->id];
    const std::vector<std::string_view> argv(entry.argv.begin(), entry.argv.end());
    obs.after_unblock(*entry.spec, *client, argv, clock.now_us(), entry.call_us, 0);
    std::string out;
    ReplyBuilder reply(out, client->resp);
    reply.null_array();
    unblock(*client, out);
  }
}

}  // namespace eddy::commands
