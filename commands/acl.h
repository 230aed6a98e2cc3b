#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commands/command_table.h"

namespace eddy::commands {

// Redis 6/7 access control: users with passwords, command permissions (single commands,
// subcommands and categories) and key patterns, set by `user` lines in the configuration file
// and ACL SETUSER with Redis's rule language. Only the root selector exists: the 7.0 "(...)"
// selectors are refused (see acl.cc).

// Redis's categories in Redis's order (ACL CAT lists them so).
inline constexpr std::string_view kAclCategories[] = {
    "keyspace", "read",     "write", "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap",   "hyperloglog",         "geo",        "stream",      "pubsub",
    "admin",    "fast",     "slow",  "blocking",  "dangerous",  "connection",  "transaction",
    "scripting"};

struct AclKeyPattern {
  static constexpr uint8_t kRead = 1, kWrite = 2, kAll = 3;
  std::string pattern;
  uint8_t perms = kAll;
};

// One user. A plain value, so that ACL SETUSER can apply its rules to a copy and keep the copy
// only if every rule was valid (Redis's all-or-nothing SETUSER).
struct AclUser {
  // Flags, printed in this order (Redis's ACLUserFlags).
  static constexpr uint8_t kOn = 1, kOff = 2, kNoPass = 4, kSkipSanitize = 8, kSanitize = 16;

  std::string name;
  uint8_t flags = kOff;
  std::vector<std::string> passwords;  // SHA-256 hex, in the order added

  // The root selector.
  bool all_keys = false;
  std::vector<AclKeyPattern> key_patterns;
  bool all_channels = false;
  std::vector<std::string> channels;
  bool all_commands = false;    // every bit set: the per-command check is skipped
  bool future_commands = false;  // +@all was the base (Redis's reserved command bit)
  std::vector<bool> allowed;    // by command id (AclRegistry::id)
  // "+select|0": a first argument allowed for an otherwise denied command, by command id.
  std::map<size_t, std::vector<std::string>> first_args;
  // The command rules since the last +@all / -@all, as ACL LIST prints them after that base.
  std::vector<std::string> command_rules;

  bool enabled() const { return flags & kOn; }
  // Nothing to check per command: the hot path of an unrestricted user is this one test.
  bool unrestricted() const { return all_commands && all_keys; }
};

// The user flags with the names ACL LIST and ACL GETUSER print, in Redis's order.
inline constexpr std::pair<uint8_t, std::string_view> kAclFlagNames[] = {
    {AclUser::kOn, "on"},
    {AclUser::kOff, "off"},
    {AclUser::kNoPass, "nopass"},
    {AclUser::kSkipSanitize, "skip-sanitize-payload"},
    {AclUser::kSanitize, "sanitize-payload"}};

enum class AclDenial { kNone, kCommand, kKey };

struct AclLogEntry {
  uint64_t count = 1;
  std::string reason;   // "command", "key", "auth"
  std::string context;  // "toplevel", "multi"
  std::string object;
  std::string username;
  int64_t ctime_ms = 0;
  std::string client_info;
};

// The users of a server and everything that reads or changes them.
class AclRegistry {
 public:
  explicit AclRegistry(const CommandTable& table);

  // The default user is never removed, so the reference stays valid.
  AclUser& default_user() { return *default_; }
  const AclUser& default_user() const { return *default_; }
  AclUser* find(std::string_view name);
  // Creates a user as Redis's ACLCreateUser does ("off", no permissions), or returns nullptr if
  // the name is taken.
  AclUser* create(std::string_view name);
  // Removes a user; the caller has already refused "default".
  bool remove(std::string_view name);
  // In name order (byte-wise, as Redis's radix tree iterates).
  const std::map<std::string, std::unique_ptr<AclUser>, std::less<>>& users() const {
    return users_;
  }

  // A blank user as ACLCreateUser makes one, not registered.
  AclUser blank(std::string_view name) const;
  // Applies one rule ("on", ">pw", "~k:*", "+@read", "-config|set", ...). On a refusal, the
  // reason as Redis's ACLSetUserStringError words it; the user may be partly changed.
  std::optional<std::string_view> apply(AclUser& user, std::string_view rule) const;
  // Redis's requirepass: the default user's passwords become this one, or nopass when empty.
  void set_default_password(std::string_view password);

  // The rules that rebuild the user ("on #… ~* &* +@all"), as ACL LIST prints them.
  std::string describe(const AclUser& user) const;
  std::string describe_commands(const AclUser& user) const;
  std::string describe_keys(const AclUser& user) const;
  std::string describe_channels(const AclUser& user) const;

  // May `user` run this command with these arguments? On a key refusal, `*position` is the
  // argument index of the refused key.
  AclDenial check(const AclUser& user, const CommandSpec& spec,
                  std::span<const std::string_view> argv, size_t* position) const;
  // True for a valid user/password pair of an enabled user.
  bool credentials_ok(std::string_view user, std::string_view password);

  // The commands of a category (ACL CAT name), or nothing for an unknown category.
  std::optional<std::vector<std::string_view>> category_commands(std::string_view name) const;

  // ACL LOG: newest first, similar events within 60 s merged into one entry with a count.
  void log_denial(AclLogEntry entry, size_t max_len);
  std::deque<AclLogEntry>& log() { return log_; }

 private:
  size_t id(const CommandSpec& spec) const { return ids_.find(&spec)->second; }
  void set_command(AclUser& user, const CommandSpec& spec, bool allow) const;
  std::optional<std::string_view> apply_command_rule(AclUser& user, std::string_view rule) const;
  void record_rule(AclUser& user, char sign, std::string_view target) const;

  const CommandTable& table_;
  std::unordered_map<const CommandSpec*, size_t> ids_;
  std::vector<uint32_t> categories_;  // by command id: bit i is kAclCategories[i]
  std::map<std::string, std::unique_ptr<AclUser>, std::less<>> users_;
  AclUser* default_ = nullptr;
  std::deque<AclLogEntry> log_;
};

// Checks a `user name rule...` configuration line (words after "user") against a scratch user,
// so that a bad line stops the start as Redis does. The Redis error text, or nothing.
std::optional<std::string> validate_user_line(std::span<const std::string> words);

}  // namespace eddy::commands
