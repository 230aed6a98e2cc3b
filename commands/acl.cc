#include "commands/acl.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "commands/errors.h"
#include "commands/glob.h"
#include "compact/sha256.h"
#include "crdt/key_state.h"

namespace eddy::commands {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Redis's ACLStringHasSpaces: usernames and patterns may hold no whitespace and no NUL.
bool has_spaces(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return c == 0 || std::isspace(static_cast<unsigned char>(c)); });
}

bool valid_hash(std::string_view h) {
  return h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::optional<size_t> category_index(std::string_view name) {
  for (size_t i = 0; i < std::size(kAclCategories); ++i)
    if (iequal(kAclCategories[i], name)) return i;
  return std::nullopt;
}

uint32_t parse_categories(std::string_view text) {
  uint32_t mask = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    if (word.starts_with('@'))
      if (auto i = category_index(word.substr(1))) mask |= 1u << *i;
    pos = end + 1;
  }
  return mask;
}

// The argument positions holding keys, from the table's first/last/step, plus the commands whose
// keys follow a count (LMPOP numkeys key..., BLMPOP timeout numkeys key...), which the three
// numbers cannot describe.
std::vector<size_t> key_positions(const CommandSpec& spec, std::span<const std::string_view> argv) {
  std::vector<size_t> out;
  const int64_t argc = static_cast<int64_t>(argv.size());
  if (spec.name == "lmpop" || spec.name == "blmpop") {
    const size_t count_at = spec.name == "lmpop" ? 1 : 2;
    if (count_at >= argv.size()) return out;
    auto n = crdt::parse_strict_int64(argv[count_at]);
    if (!n || *n <= 0 || *n > argc - static_cast<int64_t>(count_at) - 1) return out;
    for (int64_t i = 0; i < *n; ++i) out.push_back(count_at + 1 + static_cast<size_t>(i));
    return out;
  }
  if (spec.first_key <= 0) return out;
  int64_t last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  const int64_t step = std::max(spec.step, 1);
  for (int64_t i = spec.first_key; i <= last && i < argc; i += step)
    out.push_back(static_cast<size_t>(i));
  return out;
}

// The table used to check `user` lines while the configuration is read, before any engine exists.
const CommandTable& validation_table() {
  static const CommandTable table;
  return table;
}

}  // namespace

AclRegistry::AclRegistry(const CommandTable& table) : table_(table) {
  auto all = table_.all();
  categories_.resize(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    ids_.emplace(all[i], i);
    categories_[i] = parse_categories(all[i]->acl_categories);
  }
  // Redis's ACLCreateDefaultUser.
  default_ = create("default");
  for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) apply(*default_, rule);
}

AclUser* AclRegistry::find(std::string_view name) {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second.get();
}

AclUser AclRegistry::blank(std::string_view name) const {
  AclUser u;
  u.name = std::string(name);
  u.allowed.assign(categories_.size(), false);
  return u;
}

AclUser* AclRegistry::create(std::string_view name) {
  if (users_.count(name)) return nullptr;
  auto user = std::make_unique<AclUser>(blank(name));
  AclUser* raw = user.get();
  users_.emplace(std::string(name), std::move(user));
  return raw;
}

bool AclRegistry::remove(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  users_.erase(it);
  return true;
}

void AclRegistry::set_default_password(std::string_view password) {
  AclUser& d = default_user();
  apply(d, "resetpass");
  if (password.empty())
    apply(d, "nopass");
  else
    apply(d, ">" + std::string(password));
}

// Allowing or denying a container command does the same to all its subcommands (Redis's
// ACLChangeSelectorPerm); any denial means the per-command check can no longer be skipped.
void AclRegistry::set_command(AclUser& user, const CommandSpec& spec, bool allow) const {
  const size_t i = id(spec);
  user.allowed[i] = allow;
  user.first_args.erase(i);
  if (!allow) user.all_commands = false;
  if (table_.has_subcommands(spec))
    for (const CommandSpec* sub : table_.subcommands(spec)) {
      user.allowed[id(*sub)] = allow;
      if (!allow) user.all_commands = false;
    }
}

// Keeps the command rules as they were given, with an earlier rule on the same command (or on
// one of its subcommands) dropped, the way Redis 7.2 describes users (see describe_commands).
void AclRegistry::record_rule(AclUser& user, char sign, std::string_view target) const {
  std::string t = lower(target);
  std::erase_if(user.command_rules, [&](const std::string& rule) {
    std::string_view existing = std::string_view(rule).substr(1);
    return existing == t || (existing.size() > t.size() && existing.starts_with(t) &&
                             existing[t.size()] == '|');
  });
  user.command_rules.push_back(sign + t);
}

std::optional<std::string_view> AclRegistry::apply_command_rule(AclUser& user,
                                                                std::string_view op) const {
  const bool allow = op[0] == '+';
  std::string_view name = op.substr(1);
  if (name.starts_with('@')) {
    auto cat = category_index(name.substr(1));
    if (!cat) return errors::kAclUnknownName;
    for (const CommandSpec* spec : table_.all())
      if (categories_[id(*spec)] & (1u << *cat)) set_command(user, *spec, allow);
    record_rule(user, op[0], name);
    return std::nullopt;
  }
  // "name" or "container|sub": a subcommand is looked up through its container.
  auto lookup = [&](std::string_view full) -> const CommandSpec* {
    size_t bar = full.find('|');
    if (bar == std::string_view::npos) return table_.find(full);
    const CommandSpec* parent = table_.find(full.substr(0, bar));
    return parent ? table_.find_subcommand(*parent, full.substr(bar + 1)) : nullptr;
  };
  size_t bar = name.rfind('|');
  if (!allow || bar == std::string_view::npos) {
    const CommandSpec* spec = lookup(name);
    if (!spec) return errors::kAclUnknownName;
    set_command(user, *spec, allow);
    record_rule(user, op[0], name);
    return std::nullopt;
  }
  // +command|first-arg: a subcommand of a container, or else one allowed first argument.
  std::string_view base = name.substr(0, bar), first = name.substr(bar + 1);
  const CommandSpec* spec = lookup(base);
  if (!spec) return errors::kAclUnknownName;
  if (spec->name.find('|') != std::string_view::npos) return errors::kAclFirstArgOfSubcommand;
  if (first.empty()) return errors::kAclSyntax;
  if (table_.has_subcommands(*spec)) {
    const CommandSpec* sub = table_.find_subcommand(*spec, first);
    if (!sub) return errors::kAclUnknownName;
    set_command(user, *sub, true);
  } else {
    auto& args = user.first_args[id(*spec)];
    if (std::none_of(args.begin(), args.end(),
                     [&](const std::string& a) { return iequal(a, first); }))
      args.emplace_back(first);
  }
  record_rule(user, '+', name);
  return std::nullopt;
}

// Redis's ACLSetUser and ACLSetSelector in one: the rule words of redis.conf's `user` lines and
// of ACL SETUSER.
std::optional<std::string_view> AclRegistry::apply(AclUser& u, std::string_view op) const {
  if (op.empty()) return std::nullopt;
  if (iequal(op, "on")) {
    u.flags = (u.flags | AclUser::kOn) & ~AclUser::kOff;
  } else if (iequal(op, "off")) {
    u.flags = (u.flags | AclUser::kOff) & ~AclUser::kOn;
  } else if (iequal(op, "skip-sanitize-payload")) {
    u.flags = (u.flags | AclUser::kSkipSanitize) & ~AclUser::kSanitize;
  } else if (iequal(op, "sanitize-payload")) {
    u.flags = (u.flags | AclUser::kSanitize) & ~AclUser::kSkipSanitize;
  } else if (iequal(op, "nopass")) {
    u.flags |= AclUser::kNoPass;
    u.passwords.clear();
  } else if (iequal(op, "resetpass")) {
    u.flags &= ~AclUser::kNoPass;
    u.passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash = op[0] == '>' ? compact::sha256_hex(op.substr(1)) : std::string(op.substr(1));
    if (op[0] == '#' && !valid_hash(hash)) return errors::kAclBadHash;
    if (std::find(u.passwords.begin(), u.passwords.end(), hash) == u.passwords.end())
      u.passwords.push_back(std::move(hash));
    u.flags &= ~AclUser::kNoPass;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash = op[0] == '<' ? compact::sha256_hex(op.substr(1)) : std::string(op.substr(1));
    if (op[0] == '!' && !valid_hash(hash)) return errors::kAclBadHash;
    auto it = std::find(u.passwords.begin(), u.passwords.end(), hash);
    if (it == u.passwords.end()) return errors::kAclNoSuchPassword;
    u.passwords.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    return errors::kAclSelectorsUnsupported;
  } else if (iequal(op, "clearselectors")) {
    // Only the root selector exists: nothing to clear.
  } else if (iequal(op, "reset")) {
    for (std::string_view r : {"resetpass", "resetkeys", "resetchannels", "off",
                               "sanitize-payload", "-@all"})
      apply(u, r);
  } else if (iequal(op, "allkeys") || op == "~*") {
    u.all_keys = true;
    u.key_patterns.clear();
  } else if (iequal(op, "resetkeys")) {
    u.all_keys = false;
    u.key_patterns.clear();
  } else if (iequal(op, "allchannels") || op == "&*") {
    u.all_channels = true;
    u.channels.clear();
  } else if (iequal(op, "resetchannels")) {
    u.all_channels = false;
    u.channels.clear();
  } else if (iequal(op, "allcommands") || iequal(op, "+@all")) {
    u.allowed.assign(u.allowed.size(), true);
    u.all_commands = u.future_commands = true;
    u.first_args.clear();
    u.command_rules.clear();
  } else if (iequal(op, "nocommands") || iequal(op, "-@all")) {
    u.allowed.assign(u.allowed.size(), false);
    u.all_commands = u.future_commands = false;
    u.first_args.clear();
    u.command_rules.clear();
  } else if (op[0] == '~' || op[0] == '%') {
    if (u.all_keys) return errors::kAclPatternAfterAllKeys;
    uint8_t perms = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      for (; offset < op.size(); ++offset) {
        char c = static_cast<char>(std::toupper(static_cast<unsigned char>(op[offset])));
        if (c == 'R' && !(perms & AclKeyPattern::kRead)) {
          perms |= AclKeyPattern::kRead;
        } else if (c == 'W' && !(perms & AclKeyPattern::kWrite)) {
          perms |= AclKeyPattern::kWrite;
        } else if (op[offset] == '~') {
          ++offset;
          break;
        } else {
          return errors::kAclSyntax;
        }
      }
      // Redis accepts "%~pattern" and then panics describing it; refusing it is the safe reading.
      if (perms == 0) return errors::kAclSyntax;
    } else {
      perms = AclKeyPattern::kAll;
    }
    std::string_view pattern = op.substr(offset);
    if (has_spaces(pattern)) return errors::kAclSyntax;
    auto it = std::find_if(u.key_patterns.begin(), u.key_patterns.end(),
                           [&](const AclKeyPattern& p) { return p.pattern == pattern; });
    if (it == u.key_patterns.end())
      u.key_patterns.push_back({std::string(pattern), perms});
    else
      it->perms |= perms;
    u.all_keys = false;
  } else if (op[0] == '&') {
    if (u.all_channels) return errors::kAclPatternAfterAllChannels;
    std::string_view pattern = op.substr(1);
    if (has_spaces(pattern)) return errors::kAclSyntax;
    if (std::find(u.channels.begin(), u.channels.end(), pattern) == u.channels.end())
      u.channels.emplace_back(pattern);
    u.all_channels = false;
  } else if (op[0] == '+' || op[0] == '-') {
    return apply_command_rule(u, op);
  } else {
    return errors::kAclSyntax;
  }
  return std::nullopt;
}

// Redis 7.0 rebuilds this text from the permission bitmap with a best-fit search over its own
// command table, which eddy's smaller table cannot reproduce; the rules as given since the last
// +@all/-@all (Redis 7.2's form) describe the same permissions.
std::string AclRegistry::describe_commands(const AclUser& u) const {
  std::string out = u.future_commands ? "+@all" : "-@all";
  for (const std::string& rule : u.command_rules) out += " " + rule;
  return out;
}

std::string AclRegistry::describe_keys(const AclUser& u) const {
  if (u.all_keys) return "~*";
  std::string out;
  for (const AclKeyPattern& p : u.key_patterns) {
    if (!out.empty()) out += " ";
    out += p.perms == AclKeyPattern::kAll ? "~" : p.perms == AclKeyPattern::kRead ? "%R~" : "%W~";
    out += p.pattern;
  }
  return out;
}

std::string AclRegistry::describe_channels(const AclUser& u) const {
  if (u.all_channels) return "&*";
  std::string out;
  for (const std::string& c : u.channels) out += (out.empty() ? "&" : " &") + c;
  return out;
}

std::string AclRegistry::describe(const AclUser& u) const {
  std::string out;
  for (const auto& [flag, name] : kAclFlagNames)
    if (u.flags & flag) out.append(name).push_back(' ');
  for (const std::string& p : u.passwords) out += "#" + p + " ";
  std::string keys = describe_keys(u);
  if (!keys.empty()) out += keys + " ";
  out += u.all_channels ? "&* " : "resetchannels ";
  if (!u.all_channels)
    for (const std::string& c : u.channels) out += "&" + c + " ";
  return out + describe_commands(u);
}

AclDenial AclRegistry::check(const AclUser& u, const CommandSpec& spec,
                             std::span<const std::string_view> argv, size_t* position) const {
  if (!u.all_commands && !(spec.flags & kNoAuth)) {
    const size_t i = id(spec);
    if (!u.allowed[i]) {
      auto it = u.first_args.find(i);
      if (argv.size() < 2 || it == u.first_args.end()) return AclDenial::kCommand;
      if (std::none_of(it->second.begin(), it->second.end(),
                       [&](const std::string& a) { return iequal(a, argv[1]); }))
        return AclDenial::kCommand;
    }
  }
  if (u.all_keys) return AclDenial::kNone;
  // eddy's table has no per-key access flags: a key of a write command needs read and write
  // permission, a key of any other command read permission. With %R~/%W~ patterns this is
  // stricter than Redis for write commands that only insert or delete; plain ~ patterns are
  // unaffected.
  const uint8_t need =
      (spec.flags & kWrite) ? AclKeyPattern::kAll : AclKeyPattern::kRead;
  for (size_t pos : key_positions(spec, argv)) {
    bool ok = std::any_of(u.key_patterns.begin(), u.key_patterns.end(), [&](const AclKeyPattern& p) {
      return (p.perms & need) == need && glob_match(p.pattern, argv[pos]);
    });
    if (!ok) {
      *position = pos;
      return AclDenial::kKey;
    }
  }
  return AclDenial::kNone;
}

bool AclRegistry::credentials_ok(std::string_view name, std::string_view password) {
  const AclUser* u = find(name);
  if (!u || !u->enabled()) return false;
  if (u->flags & AclUser::kNoPass) return true;
  const std::string hash = compact::sha256_hex(password);
  bool match = false;
  for (const std::string& p : u->passwords) match |= compact::constant_time_equal(hash, p);
  return match;
}

std::optional<std::vector<std::string_view>> AclRegistry::category_commands(
    std::string_view name) const {
  auto cat = category_index(name);
  if (!cat) return std::nullopt;
  std::vector<std::string_view> out;
  for (const CommandSpec* spec : table_.all())
    if (categories_[id(*spec)] & (1u << *cat)) out.push_back(spec->name);
  return out;
}

void AclRegistry::log_denial(AclLogEntry entry, size_t max_len) {
  // Redis looks at the 10 newest entries for one to merge with.
  const size_t scan = std::min<size_t>(10, log_.size());
  for (size_t i = 0; i < scan; ++i) {
    AclLogEntry& e = log_[i];
    if (e.reason == entry.reason && e.context == entry.context && e.object == entry.object &&
        e.username == entry.username && std::llabs(e.ctime_ms - entry.ctime_ms) <= 60000) {
      e.count++;
      e.ctime_ms = entry.ctime_ms;
      e.client_info = std::move(entry.client_info);
      AclLogEntry moved = std::move(e);
      log_.erase(log_.begin() + static_cast<std::ptrdiff_t>(i));
      log_.push_front(std::move(moved));
      return;
    }
  }
  log_.push_front(std::move(entry));
  while (log_.size() > max_len) log_.pop_back();
}

std::optional<std::string> validate_user_line(std::span<const std::string> words) {
  if (words.empty()) return std::string("Bad directive or wrong number of arguments");
  if (has_spaces(words[0])) return std::string("Spaces not allowed in ACL usernames");
  static AclRegistry registry(validation_table());
  AclUser scratch = registry.blank(words[0]);
  for (size_t i = 1; i < words.size(); ++i)
    if (auto err = registry.apply(scratch, words[i]))
      return "Error in user declaration '" + words[i] + "': " + std::string(*err);
  return std::nullopt;
}

}  // namespace eddy::commands
