// ACL: the users, their permissions and the log of refusals.
#include <algorithm>
#include <cctype>
#include <random>

#include "commands/acl.h"
#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"

namespace eddy::commands {
namespace {

constexpr int64_t kGenpassMaxBits = 4096;

// ACL SETUSER username [rule [rule ...]]
void acl_setuser(Context& ctx) {
  // The name and the rules may hold passwords: none of them reaches the slowlog or MONITOR.
  for (size_t i = 2; i < ctx.args.size(); ++i) ctx.redact(i);
  std::string_view name = ctx.args[2];
  if (std::any_of(name.begin(), name.end(), [](char c) {
        return c == 0 || std::isspace(static_cast<unsigned char>(c));
      }))
    return ctx.reply.error(errors::kAclSpacesInUsername);
  AclRegistry& acl = ctx.state.acl;
  // Rules apply to a copy, kept only if all of them are valid.
  AclUser* existing = acl.find(name);
  AclUser staged = existing ? *existing : acl.blank(name);
  for (size_t i = 3; i < ctx.args.size(); ++i)
    if (auto err = acl.apply(staged, ctx.args[i]))
      return ctx.reply.error("Error in ACL SETUSER modifier '" + std::string(ctx.args[i]) +
                             "': " + std::string(*err));
  AclUser* target = existing ? existing : acl.create(name);
  *target = std::move(staged);
  ctx.reply.ok();
}

// ACL GETUSER username
void acl_getuser(Context& ctx) {
  AclRegistry& acl = ctx.state.acl;
  const AclUser* u = acl.find(ctx.args[2]);
  if (!u) return ctx.reply.null();
  ReplyBuilder& r = ctx.reply;
  r.map(6);
  r.bulk("flags");
  size_t n = 0;
  for (const auto& [flag, text] : kAclFlagNames) n += (u->flags & flag) ? 1 : 0;
  r.set(n);
  for (const auto& [flag, text] : kAclFlagNames)
    if (u->flags & flag) r.bulk(text);
  r.bulk("passwords");
  r.array(u->passwords.size());
  for (const std::string& p : u->passwords) r.bulk(p);
  r.bulk("commands");
  r.bulk(acl.describe_commands(*u));
  r.bulk("keys");
  r.bulk(acl.describe_keys(*u));
  r.bulk("channels");
  r.bulk(acl.describe_channels(*u));
  r.bulk("selectors");
  r.array(0);
}

// ACL DELUSER username [username ...]
void acl_deluser(Context& ctx) {
  for (size_t i = 2; i < ctx.args.size(); ++i)
    if (ctx.args[i] == "default") return ctx.reply.error(errors::kAclDeleteDefault);
  AclRegistry& acl = ctx.state.acl;
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const AclUser* u = acl.find(ctx.args[i]);
    if (!u) continue;
    // Its connections go back to the unauthenticated default user and are closed (Redis's
    // ACLFreeUserAndKillClients), this one once its reply is written.
    for (const auto& [id, c] : ctx.state.clients) {
      if (c->user != u) continue;
      ctx.state.set_default_user(*c);
      c->authenticated = false;
      if (c == &ctx.client)
        c->close_after_reply = true;
      else if (c->kill)
        c->kill();
    }
    acl.remove(ctx.args[i]);
    ++deleted;
  }
  ctx.reply.integer(deleted);
}

// ACL LIST
void acl_list(Context& ctx) {
  const AclRegistry& acl = ctx.state.acl;
  ctx.reply.array(acl.users().size());
  for (const auto& [name, u] : acl.users()) ctx.reply.bulk("user " + name + " " + acl.describe(*u));
}

// ACL USERS
void acl_users(Context& ctx) {
  const AclRegistry& acl = ctx.state.acl;
  ctx.reply.array(acl.users().size());
  for (const auto& [name, u] : acl.users()) ctx.reply.bulk(name);
}

// ACL WHOAMI
void acl_whoami(Context& ctx) {
  if (!ctx.client.user) return ctx.reply.null();
  ctx.reply.bulk(ctx.client.user->name);
}

// ACL CAT [categoryname]
void acl_cat(Context& ctx) {
  if (ctx.args.size() == 2) {
    ctx.reply.array(std::size(kAclCategories));
    for (std::string_view c : kAclCategories) ctx.reply.bulk(c);
    return;
  }
  auto names = ctx.state.acl.category_commands(ctx.args[2]);
  if (!names)
    return ctx.reply.error("Unknown category '" + std::string(ctx.args[2].substr(0, 128)) + "'");
  ctx.reply.array(names->size());
  for (std::string_view n : *names) ctx.reply.bulk(n);
}

// ACL GENPASS [bits]
void acl_genpass(Context& ctx) {
  int64_t bits = 256;
  if (ctx.args.size() == 3) {
    auto v = crdt::parse_strict_int64(ctx.args[2]);
    if (!v) return ctx.reply.error(errors::kNotInteger);
    bits = *v;
  }
  if (bits <= 0 || bits > kGenpassMaxBits)
    return ctx.reply.error(
        "ACL GENPASS argument must be the number of bits for the output password, a positive "
        "number up to 4096");
  // std::random_device reads the kernel's CSPRNG on Linux.
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<size_t>((bits + 3) / 4), '0');
  for (size_t i = 0; i < out.size(); i += 8) {
    uint32_t word = rd();
    for (size_t j = i; j < std::min(out.size(), i + 8); ++j, word >>= 4) out[j] = kHex[word & 0xf];
  }
  ctx.reply.bulk(out);
}

// ACL LOG [count | RESET]
void acl_log(Context& ctx) {
  auto& log = ctx.state.acl.log();
  int64_t count = 10;
  if (ctx.args.size() == 3) {
    if (iequals(ctx.args[2], "RESET")) {
      log.clear();
      return ctx.reply.ok();
    }
    auto v = crdt::parse_strict_int64(ctx.args[2]);
    if (!v) return ctx.reply.error(errors::kNotInteger);
    count = std::max<int64_t>(*v, 0);
  }
  const size_t n = std::min(log.size(), static_cast<size_t>(count));
  const int64_t now = ctx.state.clock.now_ms();
  ReplyBuilder& r = ctx.reply;
  r.array(n);
  for (size_t i = 0; i < n; ++i) {
    const AclLogEntry& e = log[i];
    r.map(7);
    r.bulk("count");
    r.integer(static_cast<int64_t>(e.count));
    r.bulk("reason");
    r.bulk(e.reason);
    r.bulk("context");
    r.bulk(e.context);
    r.bulk("object");
    r.bulk(e.object);
    r.bulk("username");
    r.bulk(e.username);
    r.bulk("age-seconds");
    r.double_value(static_cast<double>(now - e.ctime_ms) / 1000);
    r.bulk("client-info");
    r.bulk(e.client_info);
  }
}

// ACL DRYRUN username command [arg [arg ...]]
void acl_dryrun(Context& ctx) {
  AclRegistry& acl = ctx.state.acl;
  const AclUser* u = acl.find(ctx.args[2]);
  if (!u) return ctx.reply.error("User '" + std::string(ctx.args[2]) + "' not found");
  auto argv = ctx.args.subspan(3);
  const CommandTable& table = ctx.state.table;
  const CommandSpec* spec = table.find(argv[0]);
  if (spec && table.has_subcommands(*spec) && argv.size() >= 2)
    spec = table.find_subcommand(*spec, argv[1]);
  if (!spec) return ctx.reply.error("Command '" + std::string(argv[0]) + "' not found");
  const size_t argc = argv.size();
  if (spec->arity >= 0 ? argc != static_cast<size_t>(spec->arity)
                       : argc < static_cast<size_t>(-spec->arity))
    return ctx.reply.error("wrong number of arguments for '" + std::string(spec->name) +
                           "' command");
  size_t position = 0;
  switch (acl.check(*u, *spec, argv, &position)) {
    case AclDenial::kNone:
      return ctx.reply.ok();
    case AclDenial::kCommand:
      return ctx.reply.bulk("This user has no permissions to run the '" + std::string(spec->name) +
                            "' command");
    case AclDenial::kKey:
      return ctx.reply.bulk("This user has no permissions to access the '" +
                            std::string(argv[position]) + "' key");
  }
}

// ACL LOAD, ACL SAVE: eddy keeps users in its configuration file only (no `aclfile`).
void acl_load_save(Context& ctx) {
  ctx.reply.error(
      "This Redis instance is not configured to use an ACL file. You may want to specify users "
      "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
      "configuration file set) in order to store users in the Redis configuration.");
}

// ACL HELP
void acl_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help."};
  ctx.reply.help(kLines);
}

constexpr uint32_t kAclFlags = kNoScript | kLoading | kStale;
constexpr uint32_t kAclAdmin = kAdmin | kAclFlags;
constexpr std::string_view kAdminCats = "@admin @slow @dangerous";

const CommandSpec kRows[] = {
    {"acl", -2, 0, 0, 0, 0, "server", "A container for Access List Control commands ", "6.0.0",
     "Depends on subcommand.", nullptr, "@slow"},
    {"acl|cat", -2, kAclFlags, 0, 0, 0, "server",
     "List the ACL categories or the commands inside a category", "6.0.0",
     "O(1) since the categories and commands are a fixed set.", acl_cat, "@slow",
     "[categoryname=string]"},
    {"acl|deluser", -3, kAclAdmin, 0, 0, 0, "server",
     "Remove the specified ACL users and the associated rules", "6.0.0",
     "O(1) amortized time considering the typical user.", acl_deluser, kAdminCats,
     "username=string..."},
    {"acl|dryrun", -4, kAclAdmin, 0, 0, 0, "server",
     "Returns whether the user can execute the given command without executing the command.",
     "7.0.0", "O(1).", acl_dryrun, kAdminCats, "username=string command=string [arg=string...]"},
    {"acl|genpass", -2, kAclFlags, 0, 0, 0, "server",
     "Generate a pseudorandom secure password to use for ACL users", "6.0.0", "O(1)",
     acl_genpass, "@slow", "[bits=integer]"},
    {"acl|getuser", 3, kAclAdmin, 0, 0, 0, "server", "Get the rules for a specific ACL user",
     "6.0.0", "O(N). Where N is the number of password, command and pattern rules that the user has.",
     acl_getuser, kAdminCats, "username=string"},
    {"acl|help", 2, kLoading | kStale, 0, 0, 0, "server",
     "Show helpful text about the different subcommands", "6.0.0", "O(1)", acl_help, "@slow"},
    {"acl|list", 2, kAclAdmin, 0, 0, 0, "server",
     "List the current ACL rules in ACL config file format", "6.0.0",
     "O(N). Where N is the number of configured users.", acl_list, kAdminCats},
    {"acl|load", 2, kAclAdmin, 0, 0, 0, "server", "Reload the ACLs from the configured ACL file",
     "6.0.0", "O(N). Where N is the number of configured users.", acl_load_save, kAdminCats},
    {"acl|log", -2, kAclAdmin, 0, 0, 0, "server",
     "List latest events denied because of ACLs in place", "6.0.0",
     "O(N) with N being the number of entries shown.", acl_log, kAdminCats,
     "[operation=oneof(count=integer|reset=pure@RESET)]"},
    {"acl|save", 2, kAclAdmin, 0, 0, 0, "server",
     "Save the current ACL rules in the configured ACL file", "6.0.0",
     "O(N). Where N is the number of configured users.", acl_load_save, kAdminCats},
    {"acl|setuser", -3, kAclAdmin, 0, 0, 0, "server",
     "Modify or create the rules for a specific ACL user", "6.0.0",
     "O(N). Where N is the number of rules provided.", acl_setuser, kAdminCats,
     "username=string [rule=string...]"},
    {"acl|users", 2, kAclAdmin, 0, 0, 0, "server",
     "List the username of all the configured ACL rules", "6.0.0",
     "O(N). Where N is the number of configured users.", acl_users, kAdminCats},
    {"acl|whoami", 2, kAclFlags, 0, 0, 0, "server",
     "Return the name of the user associated to the current connection", "6.0.0", "O(1)",
     acl_whoami, "@slow"},
};

}  // namespace

std::span<const CommandSpec> acl_commands() { return kRows; }

}  // namespace eddy::commands
