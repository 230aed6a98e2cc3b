#include "commands/engine.h"

#include <algorithm>

#include "commands/engine_state.h"
#include "commands/errors.h"
#include "commands/info.h"
#include "compact/log.h"

namespace eddy::commands {
namespace {

bool arity_ok(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

}  // namespace

EngineState::EngineState(Engine& e, Config& cfg, crdt::Clock& clk)
    : engine(e),
      config(cfg),
      clock(clk),
      // Unit tests run on this identity; a server adopts its data directory's at start.
      replica(clk, crdt::ReplicaOptions{crdt::NodeRegistry::new_replica_id(),
                                        static_cast<int>(cfg.integer("databases")), false}) {
  stats.start_time_us = clock.now_us();
  stats.last_reset_us = stats.start_time_us;
  obs.reset_rates(stats.start_time_us / 1000);
  replica.set_compress_values(config.flag("compact-compression"));
  config.on_change("compact-compression", [this](const Config::Directive& d) {
    replica.set_compress_values(d.value == "yes");
  });
  auto hash_limits = [this](const Config::Directive&) {
    crdt::hash_limits() = {static_cast<size_t>(config.integer("hash-max-listpack-entries")),
                           static_cast<size_t>(config.integer("hash-max-listpack-value"))};
  };
  hash_limits({});
  config.on_change("hash-max-listpack-entries", hash_limits);
  config.on_change("hash-max-listpack-value", hash_limits);
  auto list_limits = [this](const Config::Directive&) {
    crdt::list_limits().max_chunk = config.integer("list-max-listpack-size");
  };
  list_limits({});
  config.on_change("list-max-listpack-size", list_limits);
  auto observability = [this](const Config::Directive&) {
    obs.slowlog.slower_than_us = config.integer("slowlog-log-slower-than");
    obs.slowlog.max_len = static_cast<size_t>(config.integer("slowlog-max-len"));
    obs.latency.threshold_ms = config.integer("latency-monitor-threshold");
  };
  observability({});
  for (const char* name : {"slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold"})
    config.on_change(name, observability);
  config.on_change("loglevel", [](const Config::Directive& d) {
    if (auto level = compact::parse_log_level(d.value)) compact::set_log_level(*level);
  });
  // requirepass is the default user's password (Redis's ACLUpdateDefaultUserPassword); `user`
  // lines come after it, so that a `user default ...` line wins as in Redis.
  acl.set_default_password(config.text("requirepass"));
  config.on_change("requirepass",
                   [this](const Config::Directive& d) { acl.set_default_password(d.value); });
  for (const auto& line : config.user_lines) {
    AclUser* user = acl.create(line[0]);
    if (!user) {
      user = acl.find(line[0]);
      acl.apply(*user, "reset");
    }
    // Config::add_user checked every rule already.
    for (size_t i = 1; i < line.size(); ++i) acl.apply(*user, line[i]);
  }
  replica.on_key_changed = [this](int db, std::string_view key) { touch_key(db, key); };
  replica.on_db_changed = [this](int db) { touch_db(db); };
}

void EngineState::watch(Client& client, int db, std::string_view key) {
  for (const auto& [wdb, wkey] : client.watched_keys)
    if (wdb == db && wkey == key) return;
  client.watched_keys.emplace_back(db, std::string(key));
  watchers[{db, std::string(key)}].push_back(&client);
}

void EngineState::unwatch_all(Client& client) {
  for (const auto& wk : client.watched_keys) {
    auto it = watchers.find(wk);
    if (it == watchers.end()) continue;
    std::erase(it->second, &client);
    if (it->second.empty()) watchers.erase(it);
  }
  client.watched_keys.clear();
  client.watch_dirty = false;
}

bool EngineState::acl_default_needs_auth() const {
  const AclUser& d = acl.default_user();
  return !(d.flags & AclUser::kNoPass) || !d.enabled();
}

void EngineState::set_default_user(Client& client) {
  client.user = &acl.default_user();
  client.authenticated = !acl_default_needs_auth();
}

bool EngineState::acl_allows(Client& client, const CommandSpec& spec,
                             std::span<const std::string_view> argv, ReplyBuilder& reply) {
  size_t position = 0;
  AclDenial denial = acl.check(*client.user, spec, argv, &position);
  if (denial == AclDenial::kNone) return true;
  AclLogEntry entry;
  entry.reason = denial == AclDenial::kCommand ? "command" : "key";
  entry.context = client.in_multi ? "multi" : "toplevel";
  entry.object = denial == AclDenial::kCommand ? std::string(spec.name) : std::string(argv[position]);
  entry.username = client.user->name;
  entry.ctime_ms = clock.now_ms();
  entry.client_info = client_info_line(client);
  acl.log_denial(std::move(entry), static_cast<size_t>(config.integer("acllog-max-len")));
  std::string text(denial == AclDenial::kKey ? errors::kNoPermKey : errors::kNoPermCommand);
  if (auto at = text.find("%s"); at != std::string::npos) text.replace(at, 2, spec.name);
  reject(client, reply, text, &spec);
  return false;
}

void EngineState::touch_key(int db, std::string_view key) {
  if (!waiting.empty() && waiting.count(std::pair<int, std::string_view>(db, key)) &&
      (ready_keys.empty() || ready_keys.back().first != db || ready_keys.back().second != key))
    ready_keys.emplace_back(db, std::string(key));
  if (watchers.empty()) return;
  auto it = watchers.find(std::pair<int, std::string_view>(db, key));
  if (it == watchers.end()) return;
  for (Client* c : it->second) c->watch_dirty = true;
}

void EngineState::touch_db(int db) {
  for (const auto& [key, queue] : waiting)
    if (db < 0 || key.first == db) ready_keys.push_back(key);
  for (auto& [wk, clients] : watchers)
    if (db < 0 || wk.first == db)
      for (Client* c : clients) c->watch_dirty = true;
}

void EngineState::count_error(std::string_view code) {
  ++stats.total_error_replies;
  auto it = stats.error_codes.find(std::string(code));
  if (it == stats.error_codes.end())
    stats.error_codes.emplace(std::string(code), 1);
  else
    ++it->second;
}

crdt::KeyState* Context::lookup_read(std::string_view key) {
  crdt::KeyState* found = lookup_read_no_touch(key);
  if (found) replica().touch(*found);
  return found;
}

crdt::KeyState* Context::lookup_read_no_touch(std::string_view key) {
  crdt::KeyState* found = replica().find_no_touch(db(), key);
  if (found)
    ++state.stats.keyspace_hits;
  else
    ++state.stats.keyspace_misses;
  return found;
}

void EngineState::call(const CommandSpec& spec, Client& client,
                       std::span<const std::string_view> argv, ReplyBuilder& reply) {
  CommandStats& cs = table.stats(spec);
  size_t errors_before = reply.errors_written();
  uint64_t nested_before = nested_errors_;
  int64_t start = clock.now_us();
  // The time the command sees, fixed for all of it (and for all of an EXEC). Accesses do not
  // update the keys' access clocks while a snapshot child shares their pages (Redis's rule).
  if (call_depth_ == 0) {
    replica.set_time(start / 1000);
    using Child = sync::Persistence::ChildKind;
    replica.set_touching(!persistence || persistence->child() == Child::kNone);
  }
  Context ctx(*this, client, reply, argv);
  ++call_depth_;
  spec.handler(ctx);
  --call_depth_;
  const int64_t end = clock.now_us();
  const int64_t elapsed = std::max<int64_t>(end - start, 0);
  ++cs.calls;
  cs.usec += static_cast<uint64_t>(elapsed);
  ++stats.total_commands_processed;
  // Errors of the commands an EXEC ran are counted by their own calls, not again by EXEC's.
  size_t own_errors = reply.errors_written() - errors_before - (nested_errors_ - nested_before);
  if (own_errors > 0) {
    ++cs.failed_calls;
    count_error(reply.last_error_code());
  }
  if (call_depth_ > 0) nested_errors_ += reply.errors_written() - errors_before;
  client.last_command = spec.name;
  // A blocked command reaches the slowlog once it is served (serve_ready_keys).
  if (client.blocked)
    if (auto it = blocked.find(client.id); it != blocked.end()) it->second.call_us = elapsed;
  obs.after_call(spec, client, argv, ctx.redacted, end, elapsed);
}

void EngineState::reject(Client& client, ReplyBuilder& reply, std::string_view text,
                         const CommandSpec* spec) {
  if (spec && spec->name == "exec") {
    // A refused EXEC discards the transaction, saying why (Redis's execCommandAbort).
    client.in_multi = client.multi_error = false;
    client.multi_queue.clear();
    unwatch_all(client);
    if (!text.empty() && text[0] == '-') text.remove_prefix(1);
    reply.error("-EXECABORT Transaction discarded because of: " + std::string(text));
    count_error(reply.last_error_code());
    ++table.stats(*spec).rejected_calls;
    return;
  }
  reply.error(text);
  count_error(reply.last_error_code());
  if (spec) ++table.stats(*spec).rejected_calls;
  // A command refused while queueing makes the whole transaction fail at EXEC.
  if (client.in_multi) client.multi_error = true;
}

// Redis's processCommand when eviction cannot make room: a denyoom command is refused, and
// inside MULTI every command but EXEC, DISCARD, QUIT and RESET (queueing takes memory too);
// EXEC itself when it would run a denyoom command.
bool EngineState::refused_when_out_of_memory(const Client& client, const CommandSpec& spec) const {
  if (spec.flags & kDenyOom) return true;
  const std::string_view name = spec.name;
  if (name == "exec") {
    for (const auto& argv : client.multi_queue) {
      const CommandSpec* queued = argv.empty() ? nullptr : table.find(argv[0]);
      if (queued && table.has_subcommands(*queued) && argv.size() > 1)
        if (const CommandSpec* sub = table.find_subcommand(*queued, argv[1])) queued = sub;
      if (queued && (queued->flags & kDenyOom)) return true;
    }
    return false;
  }
  return client.in_multi && name != "discard" && name != "quit" && name != "reset";
}

void EngineState::dispatch(Client& client, std::span<const std::string_view> argv,
                           ReplyBuilder& reply) {
  const CommandSpec* spec = table.find(argv[0]);
  if (!spec) {
    std::string args;
    for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
      size_t room = 128 - args.size();
      args += "'" + std::string(argv[i].substr(0, room)) + "' ";
    }
    reject(client, reply,
           "unknown command '" + std::string(argv[0].substr(0, 128)) +
               "', with args beginning with: " + args,
           nullptr);
    return;
  }
  // A container runs its own handler only without a subcommand (COMMAND alone lists all).
  if (table.has_subcommands(*spec) && !(argv.size() < 2 && spec->handler)) {
    if (argv.size() < 2) {
      reject(client, reply,
             "wrong number of arguments for '" + std::string(spec->name) + "' command", spec);
      return;
    }
    const CommandSpec* sub = table.find_subcommand(*spec, argv[1]);
    if (!sub) {
      std::string upper(argv[0]);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      reject(client, reply,
             "unknown subcommand '" + std::string(argv[1].substr(0, 128)) + "'. Try " + upper +
                 " HELP.",
             spec);
      return;
    }
    spec = sub;
  }
  if (!arity_ok(spec->arity, argv.size())) {
    reject(client, reply, "wrong number of arguments for '" + std::string(spec->name) + "' command",
           spec);
    return;
  }
  if (!client.authenticated && !(spec->flags & kNoAuth) && acl_default_needs_auth()) {
    reject(client, reply, errors::kNoAuth, spec);
    return;
  }
  // One test for a user allowed every command on every key, the default user's usual state.
  if (client.user && !client.user->unrestricted() && !acl_allows(client, *spec, argv, reply))
    return;
  if (evictor.maxmemory() != 0 && evictor.perform() == Evictor::Result::kFail &&
      refused_when_out_of_memory(client, *spec)) {
    reject(client, reply, errors::kOom, spec);
    return;
  }
  if ((spec->flags & kWrite) && persistence) {
    if (auto err = persistence->write_error()) {
      reject(client, reply, "-MISCONF Errors writing to the AOF file: " + *err, spec);
      return;
    }
  }
  // The data directory's budget spent: denyoom commands, and an EXEC that would run one.
  if (resources.disk_full() &&
      ((spec->flags & kDenyOom) ||
       (spec->name == "exec" && refused_when_out_of_memory(client, *spec)))) {
    reject(client, reply, errors::kDiskFull, spec);
    return;
  }
  // A MONITOR client only watches: Redis refuses it the keyspace as it does a replica.
  if (client.monitor && (spec->flags & (kWrite | kReadonly | kMayReplicate))) {
    reject(client, reply, "Replica can't interact with the keyspace", spec);
    return;
  }
  if (client.in_multi && !(spec->flags & kMultiControl)) {
    client.multi_queue.emplace_back(argv.begin(), argv.end());
    reply.simple("QUEUED");
    return;
  }
  call(*spec, client, argv, reply);
}

Engine::Engine(Config& config, crdt::Clock& clock)
    : state_(std::make_unique<EngineState>(*this, config, clock)) {}

Engine::~Engine() = default;

void Engine::connect(Client& client) {
  client.id = state_->next_client_id++;
  state_->set_default_user(client);
  state_->clients.emplace(client.id, &client);
}

void Engine::disconnect(Client& client) {
  state_->forget_blocked(client.id);
  state_->unwatch_all(client);
  state_->obs.stop_monitor(client);
  state_->clients.erase(client.id);
}

bool Engine::auth_required(const Client& client) const { return state_->auth_required(client); }

size_t Engine::client_count() const { return state_->clients.size(); }

void Engine::execute(Client& client, std::span<const std::string_view> argv, ReplyBuilder& reply) {
  if (argv.empty()) return;
  const size_t mark = reply.buffer().size();
  state_->dispatch(client, argv, reply);
  if (client.reply_off || client.reply_skip) reply.buffer().resize(mark);
  client.reply_skip = client.reply_skip_next;
  client.reply_skip_next = false;
  if (!state_->ready_keys.empty()) state_->serve_ready_keys();
}

void Engine::cron() {
  EngineState& s = *state_;
  if (s.active_expire) {
    const int64_t start = s.clock.now_us();
    // Redis's slow cycle budget: 25% of a 100 ms tick.
    s.replica.active_expire_cycle(25'000);
    const int64_t end = s.clock.now_us(), elapsed = std::max<int64_t>(end - start, 0);
    s.obs.expire_cycle_us += static_cast<uint64_t>(elapsed);
    s.obs.latency.add_if_needed("expire-cycle", elapsed / 1000, end / 1000000);
  }
  s.obs.sample_rates(s.stats.total_commands_processed, s.net.net_input_bytes,
                     s.net.net_output_bytes, s.clock.now_ms());
  if (!state_->blocked.empty()) state_->expire_blocked(state_->clock.now_ms());
  if (state_->persistence) state_->persistence->cron(state_->replica, state_->clock.now_ms());
  state_->resources.cron(*state_);
  state_->evictor.cron();
  if (!state_->sync_waiters.empty()) state_->wake_sync_waiters();
  if (!state_->pull_waiters.empty()) state_->wake_pull_waiters();
}

namespace {

sync::PersistenceOptions persistence_options(const Config& config) {
  sync::PersistenceOptions o;
  o.appendonly = config.flag("appendonly");
  o.appenddirname = config.text("appenddirname");
  o.appendfilename = config.text("appendfilename");
  o.dbfilename = config.text("dbfilename");
  o.fsync = sync::parse_fsync_policy(config.text("appendfsync")).value_or(o.fsync);
  o.segment_bytes = static_cast<uint64_t>(config.integer("journal-segment-size"));
  o.rewrite_percentage = config.integer("auto-aof-rewrite-percentage");
  o.rewrite_min_size = static_cast<uint64_t>(config.integer("auto-aof-rewrite-min-size"));
  o.save_rules = sync::parse_save_rules(config.text("save")).value_or(o.save_rules);
  // The journal is an edge's offline queue and a hub's log of what edges pull: until sync
  // acknowledgements drive it, neither drops records.
  o.keep_unacked = !config.text("hub").empty() || config.text("role") == "hub";
  return o;
}

}  // namespace

std::optional<std::string> Engine::start_persistence(
    std::function<void(std::function<void()>)> post) {
  EngineState& s = *state_;
  s.persistence =
      std::make_unique<sync::Persistence>(persistence_options(s.config), std::move(post));
  s.persistence->on_latency = [&s](std::string_view event, int64_t ms) {
    s.obs.latency.add_if_needed(event, ms, s.clock.now_ms() / 1000);
  };
  const bool hub = s.config.text("role") == "hub";
  if (hub || !s.config.text("hub").empty()) {
    if (!s.config.flag("appendonly")) return "sync needs the journal: appendonly yes";
    sync::EdgeOptions edge{s.config.text("node-name"), s.config.text("hub-token"),
                           s.config.integer("sync-max-clock-skew")};
    edge.batch_bytes = static_cast<size_t>(s.config.integer("sync-batch-bytes"));
    if (!hub) {
      auto reload_filter = [&s](const Config::Directive&) {
        s.sync_filter.set(s.config.text("sync-include"), s.config.text("sync-exclude"));
      };
      for (const char* name : {"sync-include", "sync-exclude"}) {
        s.config.on_change(name, reload_filter);
        reload_filter(*s.config.find(name));
      }
      edge.syncs_key = [&s](std::string_view key) { return s.sync_filter.syncs(key); };
      s.replica.local_only = [&s](std::string_view key) { return !s.sync_filter.syncs(key); };
    }
    s.sync = std::make_unique<sync::SyncNode>(
        hub ? sync::SyncNode::Role::kHub : sync::SyncNode::Role::kEdge, s.replica, *s.persistence,
        std::move(edge),
        sync::HubOptions{s.config.integer("sync-max-clock-skew"), s.config.text("sync-tokens-file")});
  }
  s.replica.refresh_time();
  if (auto err = s.persistence->start(s.replica, s.replica.now_ms())) return err;
  if (s.sync) {
    s.sync->started();
    s.sync->on_log_durable = [&s] {
      if (!s.pull_waiters.empty()) s.wake_pull_waiters();
    };
  }
  auto reload = [&s](const Config::Directive&) {
    s.persistence->set_options(persistence_options(s.config));
  };
  for (const char* name : {"appendfsync", "dbfilename", "save", "auto-aof-rewrite-percentage",
                           "auto-aof-rewrite-min-size"})
    s.config.on_change(name, reload);
  return std::nullopt;
}

std::optional<std::string> Engine::prepare_shutdown(std::optional<bool> save) {
  EngineState& s = *state_;
  if (!s.persistence) return std::nullopt;
  const bool rules = !s.persistence->options().save_rules.empty();
  s.replica.refresh_time();
  return s.persistence->shutdown(s.replica, save.value_or(rules), s.replica.now_ms());
}

uint64_t Engine::reply_barrier() const {
  return state_->persistence ? state_->persistence->reply_barrier() : 0;
}

void Engine::when_journaled(uint64_t offset, std::function<void()> done) {
  if (!state_->persistence) return done();
  state_->persistence->when_journaled(offset, std::move(done));
}

Engine::NetStats& Engine::net_stats() { return state_->net; }

std::string Engine::metrics() { return prometheus_metrics(*state_); }

EngineState& Engine::state() { return *state_; }

}  // namespace eddy::commands
