#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/client.h"
#include "commands/command_table.h"
#include "commands/config.h"
#include "commands/engine.h"
#include "commands/reply.h"
#include "crdt/clock.h"
#include "crdt/replica.h"

namespace eddy::commands {

// Server-wide statistics, named after the INFO fields they feed.
struct Stats {
  int64_t start_time_us = 0;
  uint64_t total_commands_processed = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t total_error_replies = 0;
  std::map<std::string, uint64_t> error_codes;  // errorstat_<code>
  int64_t last_reset_us = 0;
};

// Everything the command handlers share. The Engine owns one; handlers reach it through Context.
class EngineState {
 public:
  EngineState(Engine& engine, Config& config, crdt::Clock& clock);

  Engine& engine;
  Config& config;
  crdt::Clock& clock;
  crdt::Replica replica;
  CommandTable table;
  Stats stats;
  Engine::NetStats net;
  std::map<uint64_t, Client*> clients;  // ordered by id, as CLIENT LIST prints them
  uint64_t next_client_id = 1;
  bool active_expire = true;  // DEBUG SET-ACTIVE-EXPIRE

  // WATCH: (db, key) → clients watching it; looked up by (db, string_view) without a copy.
  struct WatchKeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return a.first != b.first ? a.first < b.first
                                : std::string_view(a.second) < std::string_view(b.second);
    }
  };
  std::map<std::pair<int, std::string>, std::vector<Client*>, WatchKeyLess> watchers;
  void watch(Client& client, int db, std::string_view key);
  void unwatch_all(Client& client);
  void touch_key(int db, std::string_view key);
  void touch_db(int db);

  // Runs one command through the whole path (lookup, arity, MULTI queueing, stats, handler).
  void dispatch(Client& client, std::span<const std::string_view> argv, ReplyBuilder& reply);
  // Runs an already-checked command (EXEC's queued ones, and dispatch itself).
  void call(const CommandSpec& spec, Client& client, std::span<const std::string_view> argv,
            ReplyBuilder& reply);
  void count_error(std::string_view code);
  // Refuses a command before it runs (unknown, wrong arity): rejected_calls, and inside MULTI
  // the transaction is marked to fail.
  void reject(Client& client, ReplyBuilder& reply, std::string_view text, const CommandSpec* spec);

 private:
  int call_depth_ = 0;
  uint64_t nested_errors_ = 0;
};

// What a handler receives: the arguments (args[0] is the command name as sent), the client, the
// reply builder and the shared state.
class Context {
 public:
  Context(EngineState& s, Client& c, ReplyBuilder& r, std::span<const std::string_view> a)
      : state(s), client(c), reply(r), args(a) {}

  EngineState& state;
  Client& client;
  ReplyBuilder& reply;
  std::span<const std::string_view> args;

  crdt::Replica& replica() { return state.replica; }
  int db() const { return client.db; }
  int64_t now_ms() const { return state.replica.now_ms(); }

  // Read lookups count keyspace hits and misses, as Redis's lookupKeyRead does.
  crdt::KeyState* lookup_read(std::string_view key);
  crdt::KeyState* lookup_write(std::string_view key) { return replica().find_for_write(db(), key); }
};

}  // namespace eddy::commands
