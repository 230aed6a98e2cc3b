// Server-wide commands: liveness, databases, flushing, time and DEBUG.
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "compact/log.h"

namespace eddy::commands {
namespace {

// PING [message]
void ping(Context& ctx) {
  if (ctx.args.size() > 2)
    return ctx.reply.error("wrong number of arguments for 'ping' command");
  if (ctx.args.size() == 2) return ctx.reply.bulk(ctx.args[1]);
  ctx.reply.simple("PONG");
}

// ECHO message
void echo(Context& ctx) { ctx.reply.bulk(ctx.args[1]); }

// A database index as SELECT and SWAPDB parse it: an int, or `invalid_text`.
std::optional<int> db_number(Context& ctx, std::string_view arg, std::string_view invalid_text) {
  auto v = crdt::parse_strict_int64(arg);
  if (!v || *v < INT32_MIN || *v > INT32_MAX) {
    ctx.reply.error(invalid_text);
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

bool db_in_range(Context& ctx, int db) {
  if (db >= 0 && db < ctx.replica().databases()) return true;
  ctx.reply.error(errors::kDbIndexOutOfRange);
  return false;
}

// SELECT index
void select(Context& ctx) {
  auto db = db_number(ctx, ctx.args[1], errors::kNotInteger);
  if (!db || !db_in_range(ctx, *db)) return;
  ctx.client.db = *db;
  ctx.reply.ok();
}

// SWAPDB index1 index2
void swapdb(Context& ctx) {
  auto a = db_number(ctx, ctx.args[1], "invalid first DB index");
  if (!a) return;
  auto b = db_number(ctx, ctx.args[2], "invalid second DB index");
  if (!b || !db_in_range(ctx, *a) || !db_in_range(ctx, *b)) return;
  if (*a != *b) ctx.replica().write(crdt::op::SwapDb{*a, *b});
  ctx.reply.ok();
}

// DBSIZE
void dbsize(Context& ctx) { ctx.reply.integer(static_cast<int64_t>(ctx.replica().size(ctx.db()))); }

// FLUSHALL [ASYNC | SYNC] / FLUSHDB [ASYNC | SYNC]
bool flush_mode_ok(Context& ctx) {
  if (ctx.args.size() == 1) return true;
  if (ctx.args.size() == 2 && (iequals(ctx.args[1], "ASYNC") || iequals(ctx.args[1], "SYNC")))
    return true;
  ctx.reply.error(errors::kSyntax);
  return false;
}
void flushall(Context& ctx) {
  if (!flush_mode_ok(ctx)) return;
  ctx.replica().write(crdt::op::Flush{-1, {}, {}});
  ctx.reply.ok();
}
void flushdb(Context& ctx) {
  if (!flush_mode_ok(ctx)) return;
  ctx.replica().write(crdt::op::Flush{ctx.db(), {}, {}});
  ctx.reply.ok();
}

// TIME
void time_command(Context& ctx) {
  int64_t us = ctx.state.clock.now_us();
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(us / 1000000));
  ctx.reply.bulk(std::to_string(us % 1000000));
}

// DEBUG LOG message | SLEEP seconds | SET-ACTIVE-EXPIRE 0|1 | OBJECT key | HELP
void debug(Context& ctx) {
  std::string_view sub = ctx.args[1];
  if (iequals(sub, "LOG") && ctx.args.size() == 3) {
    compact::log(compact::LogLevel::kWarning, "DEBUG LOG: " + std::string(ctx.args[2]));
    return ctx.reply.ok();
  }
  if (iequals(sub, "SLEEP") && ctx.args.size() == 3) {
    double seconds = std::strtod(std::string(ctx.args[2]).c_str(), nullptr);
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
    return ctx.reply.ok();
  }
  if (iequals(sub, "SET-ACTIVE-EXPIRE") && ctx.args.size() == 3) {
    ctx.state.active_expire = ctx.args[2] != "0";
    return ctx.reply.ok();
  }
  if (iequals(sub, "OBJECT") && ctx.args.size() == 3) {
    const crdt::KeyState* state = ctx.replica().find_no_touch(ctx.db(), ctx.args[2]);
    if (!state) return ctx.reply.error(errors::kNoSuchKey);
    std::string scratch;
    size_t len = state->string_value(scratch).size();
    const uint64_t idle = compact::AccessClock::idle_ms(state->access(), ctx.now_ms()) / 1000;
    return ctx.reply.simple("Value at:0x0 refcount:1 encoding:" + std::string(encoding_name(*state)) +
                            " serializedlength:" + std::to_string(len) +
                            " lru:" + std::to_string(state->access()) +
                            " lru_seconds_idle:" + std::to_string(idle) +
                            " eddy:" + state->debug_string());
  }
  if (iequals(sub, "RELOAD")) {
    bool save = true;
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      if (!iequals(ctx.args[i], "NOSAVE"))
        return ctx.reply.error("DEBUG RELOAD only supports the NOSAVE option in eddy.");
      save = false;
    }
    if (!ctx.state.persistence) return ctx.reply.error(errors::kNoPersistence);
    if (auto err = ctx.state.persistence->reload(ctx.replica(), save, ctx.now_ms())) {
      compact::log(compact::LogLevel::kWarning, *err);
      return ctx.reply.error("Error trying to load the RDB dump, check server logs.");
    }
    return ctx.reply.ok();
  }
  if (iequals(sub, "HELP")) {
    static constexpr std::string_view kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "LOG <message>",
        "SLEEP <seconds>", "SET-ACTIVE-EXPIRE <0|1>", "OBJECT <key>",
        "RELOAD [NOSAVE]", "    Save the snapshot on disk and reload it back to memory."};
    return ctx.reply.help(kLines);
  }
  ctx.reply.error("unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                  "'. Try DEBUG HELP.");
}

constexpr uint32_t kAdminNoScript = kAdmin | kNoScript;

const CommandSpec kRows[] = {
    {"ping", -1, kFast, 0, 0, 0, "connection", "Returns the server's liveliness response.",
     "1.0.0", "O(1)", ping, "@fast @connection", "[message=string]"},
    {"echo", 2, kFast, 0, 0, 0, "connection", "Returns the given string.", "1.0.0", "O(1)", echo,
     "@fast @connection", "message=string"},
    {"select", 2, kLoading | kStale | kFast, 0, 0, 0, "connection",
     "Changes the selected database.", "1.0.0", "O(1)", select, "@fast @connection",
     "index=integer"},
    {"swapdb", 3, kWrite | kFast, 0, 0, 0, "server", "Swaps two Redis databases.", "4.0.0",
     "O(N) where N is the count of clients watching or blocking on keys from both databases.",
     swapdb, "@keyspace @write @fast @dangerous", "index1=integer index2=integer"},
    {"dbsize", 1, kReadonly | kFast, 0, 0, 0, "server",
     "Returns the number of keys in the database.", "1.0.0", "O(1)", dbsize,
     "@keyspace @read @fast"},
    {"flushall", -1, kWrite, 0, 0, 0, "server", "Removes all keys from all databases.", "1.0.0",
     "O(N) where N is the total number of keys in all databases", flushall,
     "@keyspace @write @slow @dangerous", "[flush-type=oneof(async=pure@ASYNC|sync=pure@SYNC)]"},
    {"flushdb", -1, kWrite, 0, 0, 0, "server", "Remove all keys from the current database.",
     "1.0.0", "O(N) where N is the number of keys in the selected database", flushdb,
     "@keyspace @write @slow @dangerous", "[flush-type=oneof(async=pure@ASYNC|sync=pure@SYNC)]"},
    {"time", 1, kLoading | kStale | kFast, 0, 0, 0, "server", "Returns the server time.",
     "2.6.0", "O(1)", time_command, "@fast"},
    {"debug", -2, kAdminNoScript | kLoading | kStale, 0, 0, 0, "server",
     "A container for debugging commands.", "1.0.0", "Depends on subcommand.", debug,
     "@admin @slow @dangerous"},
};

}  // namespace

std::span<const CommandSpec> server_commands() { return kRows; }

}  // namespace eddy::commands
