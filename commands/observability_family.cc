// SLOWLOG, LATENCY and MONITOR: what the server shows of its own behaviour.
#include <climits>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"

namespace eddy::commands {
namespace {

// SLOWLOG GET [count]
void slowlog_get(Context& ctx) {
  if (ctx.args.size() > 3)
    return ctx.reply.error("unknown subcommand or wrong number of arguments for '" +
                           std::string(ctx.args[1]) + "'. Try SLOWLOG HELP.");
  const auto& entries = ctx.state.obs.slowlog.entries();
  size_t count = 10;
  if (ctx.args.size() == 3) {
    auto n = crdt::parse_strict_int64(ctx.args[2]);
    if (!n || *n < -1) return ctx.reply.error("count should be greater than or equal to -1");
    count = *n == -1 ? entries.size() : static_cast<size_t>(*n);
  }
  count = std::min(count, entries.size());
  ctx.reply.array(count);
  for (size_t i = 0; i < count; ++i) {
    const SlowlogEntry& e = entries[i];
    ctx.reply.array(6);
    ctx.reply.integer(e.id);
    ctx.reply.integer(e.time_s);
    ctx.reply.integer(e.duration_us);
    ctx.reply.array(e.argv.size());
    for (const std::string& arg : e.argv) ctx.reply.bulk(arg);
    ctx.reply.bulk(e.addr);
    ctx.reply.bulk(e.name);
  }
}

// SLOWLOG LEN
void slowlog_len(Context& ctx) {
  ctx.reply.integer(static_cast<int64_t>(ctx.state.obs.slowlog.entries().size()));
}

// SLOWLOG RESET
void slowlog_reset(Context& ctx) {
  ctx.state.obs.slowlog.reset();
  ctx.reply.ok();
}

// SLOWLOG HELP
void slowlog_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.help(kLines);
}

// LATENCY LATEST
void latency_latest(Context& ctx) {
  const auto& events = ctx.state.obs.latency.events();
  ctx.reply.array(events.size());
  for (const auto& [name, series] : events) {
    ctx.reply.array(4);
    ctx.reply.bulk(name);
    ctx.reply.integer(series.latest().time_s);
    ctx.reply.integer(series.latest().ms);
    ctx.reply.integer(series.max_ms);
  }
}

// LATENCY HISTORY event
void latency_history(Context& ctx) {
  const LatencyMonitor::Series* series = ctx.state.obs.latency.find(ctx.args[2]);
  if (!series) return ctx.reply.array(0);
  const size_t token = ctx.reply.begin_deferred_array();
  size_t n = 0;
  for (size_t i = 0; i < LatencyMonitor::kSamples; ++i) {
    const auto& sample = series->samples[(series->next + i) % LatencyMonitor::kSamples];
    if (sample.time_s == 0) continue;
    ctx.reply.array(2);
    ctx.reply.integer(sample.time_s);
    ctx.reply.integer(sample.ms);
    ++n;
  }
  ctx.reply.end_deferred_array(token, n);
}

// LATENCY RESET [event [event ...]]
void latency_reset(Context& ctx) {
  ctx.reply.integer(static_cast<int64_t>(ctx.state.obs.latency.reset(ctx.args.subspan(2))));
}

// LATENCY DOCTOR
void latency_doctor(Context& ctx) {
  ctx.reply.verbatim(ctx.state.obs.latency.doctor(ctx.state.clock.now_ms() / 1000,
                                                  ctx.state.obs.slowlog.slower_than_us));
}

// LATENCY HELP
void latency_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.help(kLines);
}

// MONITOR
// From now on the client receives a line for every command other clients run (and its own).
// A client that must get one reply per command (inside MULTI/EXEC) may not monitor; a second
// MONITOR is ignored without a reply, as in Redis.
void monitor(Context& ctx) {
  if (ctx.state.in_exec() || ctx.client.in_multi)
    return ctx.reply.error("MONITOR isn't allowed for DENY BLOCKING client");
  if (ctx.client.monitor) return;
  ctx.state.obs.start_monitor(ctx.client);
  ctx.reply.ok();
}

constexpr uint32_t kObsFlags = kAdmin | kLoading | kStale;
constexpr std::string_view kAdminCats = "@admin @slow @dangerous";

const CommandSpec kRows[] = {
    {"slowlog", -2, 0, 0, 0, 0, "server", "A container for slow log commands", "2.2.12",
     "Depends on subcommand.", nullptr, "@slow"},
    {"slowlog|get", -2, kObsFlags, 0, 0, 0, "server", "Get the slow log's entries", "2.2.12",
     "O(N) where N is the number of entries returned", slowlog_get, kAdminCats, "[count=integer]"},
    {"slowlog|len", 2, kObsFlags, 0, 0, 0, "server", "Get the slow log's length", "2.2.12", "O(1)",
     slowlog_len, kAdminCats},
    {"slowlog|reset", 2, kObsFlags, 0, 0, 0, "server", "Clear all entries from the slow log",
     "2.2.12", "O(N) where N is the number of entries in the slowlog", slowlog_reset, kAdminCats},
    {"slowlog|help", 2, kLoading | kStale, 0, 0, 0, "server",
     "Show helpful text about the different subcommands", "6.2.0", "O(1)", slowlog_help, "@slow"},
    {"latency", -2, 0, 0, 0, 0, "server", "A container for latency diagnostics commands",
     "2.8.13", "Depends on subcommand.", nullptr, "@slow"},
    {"latency|doctor", 2, kObsFlags | kNoScript, 0, 0, 0, "server",
     "Return a human readable latency analysis report.", "2.8.13", "O(1)", latency_doctor,
     kAdminCats},
    {"latency|history", 3, kObsFlags | kNoScript, 0, 0, 0, "server",
     "Return timestamp-latency samples for the event.", "2.8.13", "O(1)", latency_history,
     kAdminCats, "event=string"},
    {"latency|latest", 2, kObsFlags | kNoScript, 0, 0, 0, "server",
     "Return the latest latency samples for all events.", "2.8.13", "O(1)", latency_latest,
     kAdminCats},
    {"latency|reset", -2, kObsFlags | kNoScript, 0, 0, 0, "server",
     "Reset latency data for one or more events.", "2.8.13", "O(1)", latency_reset, kAdminCats,
     "[event=string...]"},
    {"latency|help", 2, kLoading | kStale, 0, 0, 0, "server",
     "Show helpful text about the different subcommands.", "2.8.13", "O(1)", latency_help,
     "@slow"},
    {"monitor", 1, kObsFlags | kNoScript, 0, 0, 0, "server",
     "Listen for all requests received by the server in real time", "1.0.0", "O(1)", monitor,
     kAdminCats},
};

}  // namespace

std::span<const CommandSpec> observability_commands() { return kRows; }

}  // namespace eddy::commands
