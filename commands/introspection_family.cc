// COMMAND, OBJECT and MEMORY: what the server knows about its commands and keys.
#include "commands/arguments.h"
#include "commands/command_docs.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "commands/glob.h"
#include "crdt/key_state.h"

namespace eddy::commands {
namespace {

constexpr std::pair<uint32_t, std::string_view> kFlagNames[] = {
    {kWrite, "write"},        {kReadonly, "readonly"},   {kDenyOom, "denyoom"},
    {kAdmin, "admin"},        {kPubSub, "pubsub"},       {kNoScript, "noscript"},
    {kBlocking, "blocking"},  {kLoading, "loading"},     {kStale, "stale"},
    {kSkipMonitor, "skip_monitor"}, {kSkipSlowlog, "skip_slowlog"}, {kFast, "fast"},
    {kNoAuth, "no_auth"},     {kMayReplicate, "may_replicate"}, {kNoMulti, "no_multi"},
    {kAllowBusy, "allow_busy"},
};

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// The key specification Redis 7.0 derives for a plain range of keys.
void key_specs(ReplyBuilder& r, const CommandSpec& spec) {
  if (spec.first_key <= 0) return r.array(0);
  r.array(1);
  r.map(3);
  r.bulk("flags");
  r.set(2);
  r.simple(spec.flags & kWrite ? "RW" : "RO");
  r.simple(spec.flags & kWrite ? "update" : "access");
  r.bulk("begin_search");
  r.map(2);
  r.bulk("type");
  r.bulk("index");
  r.bulk("spec");
  r.map(1);
  r.bulk("index");
  r.integer(spec.first_key);
  r.bulk("find_keys");
  r.map(2);
  r.bulk("type");
  r.bulk("range");
  r.bulk("spec");
  r.map(3);
  r.bulk("lastkey");
  r.integer(spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key);
  r.bulk("keystep");
  r.integer(spec.step);
  r.bulk("limit");
  r.integer(0);
}

void command_info_entry(Context& ctx, const CommandSpec& spec) {
  ReplyBuilder& r = ctx.reply;
  auto subs = ctx.state.table.subcommands(spec);
  r.array(10);
  r.bulk(spec.name);
  r.integer(spec.arity);
  size_t n = 0;
  for (auto [flag, name] : kFlagNames) n += (spec.flags & flag) ? 1 : 0;
  r.set(n);
  for (auto [flag, name] : kFlagNames)
    if (spec.flags & flag) r.simple(name);
  r.integer(spec.first_key);
  r.integer(spec.last_key);
  r.integer(spec.step);
  auto categories = words(spec.acl_categories);
  r.set(categories.size());
  for (std::string_view c : categories) r.simple(c);
  r.set(0);
  key_specs(r, spec);
  r.array(subs.size());
  for (const CommandSpec* sub : subs) command_info_entry(ctx, *sub);
}

void argument_doc(ReplyBuilder& r, const ArgumentDoc& a, int& key_index) {
  size_t fields = 2 + (a.type == "key") + !a.token.empty() + (a.optional || a.multiple) +
                  !a.arguments.empty();
  r.map(fields);
  r.bulk("name");
  r.bulk(a.name);
  r.bulk("type");
  r.bulk(a.type);
  if (a.type == "key") {
    r.bulk("key_spec_index");
    r.integer(key_index++);
  }
  if (!a.token.empty()) {
    r.bulk("token");
    r.bulk(a.token);
  }
  if (a.optional || a.multiple) {
    r.bulk("flags");
    r.set(static_cast<size_t>(a.optional) + static_cast<size_t>(a.multiple));
    if (a.optional) r.simple("optional");
    if (a.multiple) r.simple("multiple");
  }
  if (!a.arguments.empty()) {
    r.bulk("arguments");
    r.array(a.arguments.size());
    for (const ArgumentDoc& child : a.arguments) argument_doc(r, child, key_index);
  }
}

void command_doc(Context& ctx, const CommandSpec& spec) {
  ReplyBuilder& r = ctx.reply;
  auto subs = ctx.state.table.subcommands(spec);
  auto args = parse_argument_docs(spec.arguments).value_or(std::vector<ArgumentDoc>{});
  r.map(4 + !args.empty() + !subs.empty());
  r.bulk("summary");
  r.bulk(spec.summary);
  r.bulk("since");
  r.bulk(spec.since);
  r.bulk("group");
  r.bulk(spec.group);
  r.bulk("complexity");
  r.bulk(spec.complexity);
  if (!args.empty()) {
    r.bulk("arguments");
    r.array(args.size());
    int key_index = 0;
    for (const ArgumentDoc& a : args) argument_doc(r, a, key_index);
  }
  if (!subs.empty()) {
    r.bulk("subcommands");
    r.map(subs.size());
    for (const CommandSpec* sub : subs) {
      r.bulk(sub->name);
      command_doc(ctx, *sub);
    }
  }
}

std::vector<const CommandSpec*> top_level(Context& ctx) {
  std::vector<const CommandSpec*> out;
  for (const CommandSpec* spec : ctx.state.table.all())
    if (spec->name.find('|') == std::string_view::npos) out.push_back(spec);
  return out;
}

// A command named on the command line: "get", or "config|get" / "config get" style.
const CommandSpec* named(Context& ctx, std::string_view name) {
  if (auto bar = name.find('|'); bar != std::string_view::npos) {
    const CommandSpec* parent = ctx.state.table.find(name.substr(0, bar));
    return parent ? ctx.state.table.find_subcommand(*parent, name.substr(bar + 1)) : nullptr;
  }
  return ctx.state.table.find(name);
}

// COMMAND
void command(Context& ctx) {
  auto all = top_level(ctx);
  ctx.reply.array(all.size());
  for (const CommandSpec* spec : all) command_info_entry(ctx, *spec);
}

// COMMAND COUNT
void command_count(Context& ctx) { ctx.reply.integer(static_cast<int64_t>(top_level(ctx).size())); }

// COMMAND INFO [command-name ...]
void command_info(Context& ctx) {
  if (ctx.args.size() == 2) return command(ctx);
  ctx.reply.array(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const CommandSpec* spec = named(ctx, ctx.args[i]);
    if (spec)
      command_info_entry(ctx, *spec);
    else
      ctx.reply.null();
  }
}

// COMMAND DOCS [command-name ...]
void command_docs(Context& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.args.size() == 2) {
    specs = top_level(ctx);
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i)
      if (const CommandSpec* spec = named(ctx, ctx.args[i])) specs.push_back(spec);
  }
  ctx.reply.map(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.bulk(spec->name);
    command_doc(ctx, *spec);
  }
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
void command_list(Context& ctx) {
  std::string_view pattern, category;
  bool module_filter = false;
  if (ctx.args.size() == 5 && iequals(ctx.args[2], "FILTERBY")) {
    if (iequals(ctx.args[3], "PATTERN"))
      pattern = ctx.args[4];
    else if (iequals(ctx.args[3], "ACLCAT"))
      category = ctx.args[4];
    else if (iequals(ctx.args[3], "MODULE"))
      module_filter = true;
    else
      return ctx.reply.error(errors::kSyntax);
  } else if (ctx.args.size() != 2) {
    return ctx.reply.error(errors::kSyntax);
  }
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : ctx.state.table.all()) {
    if (module_filter) break;
    if (!pattern.empty() && !glob_match(pattern, spec->name, true)) continue;
    if (!category.empty()) {
      bool in = false;
      for (std::string_view c : words(spec->acl_categories)) in |= iequals(c.substr(1), category);
      if (!in) continue;
    }
    names.push_back(spec->name);
  }
  ctx.reply.array(names.size());
  for (std::string_view name : names) ctx.reply.bulk(name);
}

// COMMAND GETKEYS command [arg ...]
void command_getkeys(Context& ctx) {
  const CommandSpec* spec = ctx.state.table.find(ctx.args[2]);
  if (!spec) return ctx.reply.error("Invalid command specified");
  size_t argc = ctx.args.size() - 2;
  if (spec->arity >= 0 ? argc != static_cast<size_t>(spec->arity)
                       : argc < static_cast<size_t>(-spec->arity))
    return ctx.reply.error("Invalid number of arguments specified for command");
  if (spec->first_key <= 0) return ctx.reply.error("The command has no key arguments");
  std::vector<std::string_view> keys;
  int64_t last = spec->last_key < 0 ? static_cast<int64_t>(argc) + spec->last_key : spec->last_key;
  for (int64_t i = spec->first_key; i <= last && i < static_cast<int64_t>(argc); i += spec->step)
    keys.push_back(ctx.args[2 + static_cast<size_t>(i)]);
  ctx.reply.array(keys.size());
  for (std::string_view k : keys) ctx.reply.bulk(k);
}

// COMMAND HELP
void command_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.help(kLines);
}

// OBJECT ENCODING key
void object_encoding(Context& ctx) {
  const crdt::KeyState* state = ctx.replica().find_no_touch(ctx.db(), ctx.args[2]);
  if (!state) return ctx.reply.null();
  ctx.reply.bulk(encoding_name(*state));
}

// OBJECT REFCOUNT key
void object_refcount(Context& ctx) {
  if (!ctx.replica().find_no_touch(ctx.db(), ctx.args[2])) return ctx.reply.null();
  ctx.reply.integer(1);
}

// OBJECT FREQ key: the key's LFU counter, decayed to now (without updating it).
void object_freq(Context& ctx) {
  const crdt::KeyState* state = ctx.replica().find_no_touch(ctx.db(), ctx.args[2]);
  if (!state) return ctx.reply.null();
  const compact::AccessClock& clock = ctx.replica().access_clock();
  if (clock.mode != compact::AccessClock::Mode::kLfu)
    return ctx.reply.error(errors::kLfuNotSelected);
  ctx.reply.integer(clock.frequency(state->access(), ctx.now_ms()));
}

// OBJECT IDLETIME key: seconds since the key's last access.
void object_idletime(Context& ctx) {
  const crdt::KeyState* state = ctx.replica().find_no_touch(ctx.db(), ctx.args[2]);
  if (!state) return ctx.reply.null();
  const compact::AccessClock& clock = ctx.replica().access_clock();
  if (clock.mode == compact::AccessClock::Mode::kLfu) return ctx.reply.error(errors::kLfuSelected);
  ctx.reply.integer(static_cast<int64_t>(clock.idle_ms(state->access(), ctx.now_ms()) / 1000));
}

// OBJECT HELP
void object_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.help(kLines);
}

// MEMORY USAGE key [SAMPLES count]: the key, its slot in the table and what the value owns.
void memory_usage(Context& ctx) {
  if (ctx.args.size() != 3 &&
      !(ctx.args.size() == 5 && iequals(ctx.args[3], "SAMPLES") &&
        crdt::parse_strict_int64(ctx.args[4])))
    return ctx.reply.error(errors::kSyntax);
  const crdt::KeyState* state = ctx.replica().find_no_touch(ctx.db(), ctx.args[2]);
  if (!state) return ctx.reply.null();
  size_t bytes = sizeof(crdt::Replica::Table::Node) + sizeof(void*) + state->heap_bytes();
  if (ctx.args[2].size() > compact::CompactString::kInlineCapacity) bytes += ctx.args[2].size();
  ctx.reply.integer(static_cast<int64_t>(bytes));
}

// MEMORY HELP
void memory_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.help(kLines);
}

constexpr uint32_t kIntroFlags = kLoading | kStale;

const CommandSpec kRows[] = {
    {"command", -1, kIntroFlags, 0, 0, 0, "server",
     "Returns detailed information about all commands.", "2.8.13",
     "O(N) where N is the total number of Redis commands", command, "@slow @connection"},
    {"command|count", 2, kIntroFlags, 0, 0, 0, "server", "Returns a count of commands.",
     "2.8.13", "O(1)", command_count, "@slow @connection"},
    {"command|info", -2, kIntroFlags, 0, 0, 0, "server",
     "Returns information about one, multiple or all commands.", "2.8.13",
     "O(N) where N is the number of commands to look up", command_info, "@slow @connection",
     "[command-name=string...]"},
    {"command|docs", -2, kIntroFlags, 0, 0, 0, "server",
     "Returns documentary information about one, multiple or all commands.", "7.0.0",
     "O(N) where N is the number of commands to look up", command_docs, "@slow @connection",
     "[command-name=string...]"},
    {"command|list", -2, kIntroFlags, 0, 0, 0, "server", "Returns a list of command names.",
     "7.0.0", "O(N) where N is the total number of Redis commands", command_list,
     "@slow @connection",
     "[filterby=oneof(module-name=string@MODULE|category=string@ACLCAT|"
     "pattern=pattern@PATTERN)@FILTERBY]"},
    {"command|getkeys", -3, kIntroFlags, 0, 0, 0, "server",
     "Extracts the key names from an arbitrary command.", "2.8.13",
     "O(N) where N is the number of arguments to the command", command_getkeys,
     "@slow @connection", "command=string [arg=string...]"},
    {"command|help", 2, kIntroFlags, 0, 0, 0, "server",
     "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", command_help,
     "@slow @connection"},
    {"object", -2, 0, 0, 0, 0, "generic", "A container for object introspection commands.",
     "2.2.3", "Depends on subcommand.", nullptr, "@slow"},
    {"object|encoding", 3, kReadonly, 2, 2, 1, "generic",
     "Returns the internal encoding of a Redis object.", "2.2.3", "O(1)", object_encoding,
     "@keyspace @read @slow", "key=key"},
    {"object|refcount", 3, kReadonly, 2, 2, 1, "generic",
     "Returns the reference count of a value of a key.", "2.2.3", "O(1)", object_refcount,
     "@keyspace @read @slow", "key=key"},
    {"object|freq", 3, kReadonly, 2, 2, 1, "generic",
     "Returns the logarithmic access frequency counter of a Redis object.", "4.0.0", "O(1)",
     object_freq, "@keyspace @read @slow", "key=key"},
    {"object|idletime", 3, kReadonly, 2, 2, 1, "generic",
     "Returns the time since the last access to a Redis object.", "2.2.3", "O(1)",
     object_idletime, "@keyspace @read @slow", "key=key"},
    {"object|help", 2, kLoading | kStale, 0, 0, 0, "generic",
     "Returns helpful text about the different subcommands.", "6.2.0", "O(1)", object_help,
     "@keyspace @slow"},
    {"memory", -2, 0, 0, 0, 0, "server", "A container for memory diagnostics commands.",
     "4.0.0", "Depends on subcommand.", nullptr, "@slow"},
    {"memory|usage", -3, kReadonly, 2, 2, 1, "server",
     "Estimates the memory usage of a key.", "4.0.0",
     "O(N) where N is the number of samples.", memory_usage, "@read @slow",
     "key=key [count=integer@SAMPLES]"},
    {"memory|help", 2, kLoading | kStale, 0, 0, 0, "server",
     "Returns helpful text about the different subcommands.", "4.0.0", "O(1)", memory_help,
     "@slow"},
};

}  // namespace

std::span<const CommandSpec> introspection_commands() { return kRows; }

}  // namespace eddy::commands
