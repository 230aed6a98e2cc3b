#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/acl.h"
#include "commands/client.h"
#include "commands/command_table.h"
#include "commands/config.h"
#include "commands/engine.h"
#include "commands/eviction.h"
#include "commands/observability.h"
#include "commands/key_filter.h"
#include "commands/reply.h"
#include "commands/resources.h"
#include "crdt/clock.h"
#include "crdt/replica.h"
#include "sync/node.h"
#include "sync/persistence.h"

namespace eddy::commands {

// Server-wide statistics, named after the INFO fields they feed.
struct Stats {
  int64_t start_time_us = 0;
  uint64_t total_commands_processed = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t total_error_replies = 0;
  uint64_t evicted_keys = 0;  // keys removed by maxmemory-policy
  std::map<std::string, uint64_t> error_codes;  // errorstat_<code>
  int64_t last_reset_us = 0;
};

// What a blocking command answers where it may not block (inside MULTI/EXEC): BLPOP's null
// array, BLMOVE's null. A timeout is a null array for all of them, as in Redis.
enum class BlockedReply { kNull, kNullArray };

// A client waiting in a blocking command. When one of its keys becomes a non-empty list, its
// command runs again (as Redis 7.2 does) and either serves it or leaves it waiting.
struct BlockedClient {
  Client* client = nullptr;
  const CommandSpec* spec = nullptr;
  std::vector<std::string> argv;
  std::vector<std::pair<int, std::string>> keys;
  int64_t deadline_ms = 0;  // 0: forever
  int64_t call_us = 0;      // how long its first run took, for the slowlog
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
  AclRegistry acl{table};
  Stats stats;
  Engine::NetStats net;
  // SLOWLOG, LATENCY, MONITOR and INFO's instantaneous rates.
  Observability obs;
  std::map<uint64_t, Client*> clients;  // ordered by id, as CLIENT LIST prints them
  uint64_t next_client_id = 1;
  bool active_expire = true;  // DEBUG SET-ACTIVE-EXPIRE
  // The journal and snapshots; null until Engine::start_persistence (unit tests run without).
  std::unique_ptr<sync::Persistence> persistence;
  // Edge/hub sync: a hub's log, or an edge's outbox; null for a standalone edge.
  std::unique_ptr<sync::SyncNode> sync;
  // maxmemory and maxmemory-policy.
  Evictor evictor{*this};
  // Memory and disk against their budgets, and what the disk's levels do (cron).
  ResourceMonitor resources;
  // sync-include / sync-exclude, on an edge.
  KeyFilter sync_filter;
  // EDGE.SYNC WAIT: clients waiting until everything is pushed and a pull found nothing new.
  struct SyncWaiter {
    uint64_t client_id = 0;
    int64_t since_ms = 0;
    int64_t deadline_ms = 0;
  };
  std::vector<SyncWaiter> sync_waiters;
  // Answers the waiters whose sync is done or whose time is up (the edge client and cron call it).
  void wake_sync_waiters();
  // EDGE.STATUS's and INFO sync's field/value pairs.
  std::vector<std::pair<std::string, std::string>> sync_status() const;
  // Whether a waiter still needs a pull sent after it began to find nothing new.
  bool sync_waiter_needs_pull() const;
  // A hub's long polls: EDGE.PULL with a wait, held until the log has something for the edge.
  struct PullWaiter {
    uint64_t client_id = 0;
    sync::Pull pull;
    int64_t deadline_ms = 0;
  };
  std::vector<PullWaiter> pull_waiters;
  // Answers the long polls that now have units, or whose wait is over (the hub's log calls it as
  // it becomes durable, cron for the deadlines).
  void wake_pull_waiters();

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
  // Redis's authRequired: the client has not authenticated and the default user needs a
  // password (or is off).
  bool auth_required(const Client& client) const {
    return !client.authenticated && acl_default_needs_auth();
  }
  bool acl_default_needs_auth() const;
  // Puts a client back on the default user, authenticated if that user needs no password (a new
  // connection, RESET, and the clients of a deleted user).
  void set_default_user(Client& client);
  // The ACL check before a command runs: false (and the NOPERM refusal replied and logged) when
  // the client's user may not run it.
  bool acl_allows(Client& client, const CommandSpec& spec, std::span<const std::string_view> argv,
                  ReplyBuilder& reply);

  // Blocking commands. Clients wait per key in the order they blocked; a key that changed while
  // clients wait on it is "ready", and serve_ready_keys runs their commands again after the
  // command (or the applied remote unit) that changed it.
  std::map<uint64_t, BlockedClient> blocked;
  std::map<std::pair<int, std::string>, std::deque<uint64_t>, WatchKeyLess> waiting;
  std::vector<std::pair<int, std::string>> ready_keys;
  void block(BlockedClient entry);
  void forget_blocked(uint64_t client_id);
  // Ends a client's wait with `reply` (its late answer) and lets its connection go on.
  void unblock(Client& client, std::string_view reply);
  void serve_ready_keys();
  void expire_blocked(int64_t now_ms);
  bool rerunning() const { return rerunning_; }
  bool in_exec() const { return call_depth_ > 1; }
  void keep_blocked() { still_blocked_ = true; }
  // Refuses a command before it runs (unknown, wrong arity): rejected_calls, and inside MULTI
  // the transaction is marked to fail.
  void reject(Client& client, ReplyBuilder& reply, std::string_view text, const CommandSpec* spec);
  // Over maxmemory with nothing left to evict: whether this command is refused with -OOM.
  bool refused_when_out_of_memory(const Client& client, const CommandSpec& spec) const;

 private:
  int call_depth_ = 0;
  uint64_t nested_errors_ = 0;
  bool rerunning_ = false;
  bool still_blocked_ = false;
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
  // Arguments the slowlog and MONITOR show as "(redacted)": passwords (AUTH, HELLO, CONFIG SET
  // requirepass, ACL SETUSER), as Redis's redactClientCommandArgument does.
  std::vector<size_t> redacted;

  crdt::Replica& replica() { return state.replica; }
  void redact(size_t index) { redacted.push_back(index); }
  int db() const { return client.db; }
  int64_t now_ms() const { return state.replica.now_ms(); }

  // Read lookups count keyspace hits and misses, as Redis's lookupKeyRead does.
  crdt::KeyState* lookup_read(std::string_view key);
  // The same without counting as an access of the key for eviction (Redis's LOOKUP_NOTOUCH:
  // TYPE, EXISTS, the TTL family).
  crdt::KeyState* lookup_read_no_touch(std::string_view key);
  crdt::KeyState* lookup_write(std::string_view key) { return replica().find_for_write(db(), key); }

  // Replies WRONGTYPE and returns true when the key exists and holds another type.
  bool wrong_type(const crdt::KeyState* state, crdt::KeyType type);

  // A blocking command found nothing: it waits on `keys` until `deadline_ms` (0: forever), or,
  // where it may not block (inside MULTI/EXEC), answers `immediate`.
  void block(std::span<const std::string_view> keys, int64_t deadline_ms, BlockedReply immediate);
};

}  // namespace eddy::commands
