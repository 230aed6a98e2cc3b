// CONFIG: reading and changing directives at run time.
#include <set>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/glob.h"

namespace eddy::commands {
namespace {

// CONFIG GET parameter [parameter ...]
void config_get(Context& ctx) {
  std::vector<std::pair<std::string, std::string>> found;
  std::set<std::string> seen;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    for (const Config::Directive& d : ctx.state.config.all()) {
      // Aliases answer under their own name, as Redis 7.0 does.
      auto offer = [&](const std::string& name) {
        if (glob_match(ctx.args[i], name, true) && seen.insert(name).second)
          found.emplace_back(name, d.value);
      };
      offer(d.name);
      for (const std::string& alias : d.aliases) offer(alias);
    }
  }
  ctx.reply.map(found.size());
  for (const auto& [name, value] : found) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

// CONFIG SET parameter value [parameter value ...]: all or nothing.
void config_set(Context& ctx) {
  if (ctx.args.size() % 2 == 1)
    return ctx.reply.error("wrong number of arguments for 'config|set' command");
  Config& config = ctx.state.config;
  // Passwords never reach the slowlog or MONITOR, even when the command fails.
  for (size_t i = 2; i < ctx.args.size(); i += 2)
    if (const Config::Directive* d = config.find(ctx.args[i]); d && d->name == "requirepass")
      ctx.redact(i + 1);
  std::set<const Config::Directive*> names;
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    const Config::Directive* d = config.find(ctx.args[i]);
    if (!d)
      return ctx.reply.error("Unknown option or number of arguments for CONFIG SET - '" +
                             std::string(ctx.args[i]) + "'");
    auto fail = [&](const std::string& why) {
      ctx.reply.error("CONFIG SET failed (possibly related to argument '" +
                      std::string(ctx.args[i]) + "') - " + why);
    };
    if (!names.insert(d).second) return fail("duplicate parameter");
    if (auto err = config.validate(ctx.args[i], ctx.args[i + 1], true)) return fail(*err);
  }
  for (size_t i = 2; i < ctx.args.size(); i += 2) config.set(ctx.args[i], ctx.args[i + 1], true);
  ctx.reply.ok();
}

// CONFIG RESETSTAT
void config_resetstat(Context& ctx) {
  EngineState& s = ctx.state;
  s.table.reset_stats();
  s.stats.total_commands_processed = 0;
  s.stats.keyspace_hits = s.stats.keyspace_misses = 0;
  s.stats.total_error_replies = 0;
  s.stats.evicted_keys = 0;
  s.stats.error_codes.clear();
  s.stats.last_reset_us = s.clock.now_us();
  s.net = Engine::NetStats{};
  s.replica.reset_stats();
  s.obs.expire_cycle_us = 0;
  s.obs.reset_rates(s.clock.now_ms());
  ctx.reply.ok();
}

// CONFIG REWRITE
void config_rewrite(Context& ctx) {
  if (auto err = ctx.state.config.rewrite()) return ctx.reply.error(*err);
  ctx.reply.ok();
}

// CONFIG HELP
void config_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.help(kLines);
}

constexpr uint32_t kConfigFlags = kAdmin | kNoScript | kLoading | kStale;

const CommandSpec kRows[] = {
    {"config", -2, 0, 0, 0, 0, "server", "A container for server configuration commands.",
     "2.0.0", "Depends on subcommand.", nullptr, "@slow"},
    {"config|get", -3, kConfigFlags, 0, 0, 0, "server",
     "Returns the effective values of configuration parameters.", "2.0.0",
     "O(N) when N is the number of configuration parameters provided", config_get,
     "@admin @slow @dangerous", "parameter=string..."},
    {"config|set", -4, kConfigFlags | kMayReplicate, 0, 0, 0, "server",
     "Sets configuration parameters in-flight.", "2.0.0",
     "O(N) when N is the number of configuration parameters provided", config_set,
     "@admin @slow @dangerous", "data=block(parameter=string value=string)..."},
    {"config|resetstat", 2, kConfigFlags, 0, 0, 0, "server", "Resets the server's statistics.",
     "2.0.0", "O(1)", config_resetstat, "@admin @slow @dangerous"},
    {"config|rewrite", 2, kConfigFlags, 0, 0, 0, "server",
     "Persists the effective configuration to file.", "2.8.0", "O(1)", config_rewrite,
     "@admin @slow @dangerous"},
    {"config|help", 2, kLoading | kStale, 0, 0, 0, "server",
     "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", config_help,
     "@slow"},
};

}  // namespace

std::span<const CommandSpec> config_commands() { return kRows; }

}  // namespace eddy::commands
