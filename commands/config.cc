#include "commands/config.h"

#include <algorithm>
#include <cctype>

#include "commands/glob.h"

namespace eddy::commands {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  bool negative = s[0] == '-';
  if (negative) ++i;
  if (i == s.size()) return std::nullopt;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    if (v > (INT64_MAX - (s[i] - '0')) / 10) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return negative ? -v : v;
}

}  // namespace

std::optional<int64_t> parse_memory(std::string_view text) {
  std::string t = lower(text);
  int64_t mul = 1;
  struct Unit {
    std::string_view suffix;
    int64_t mul;
  };
  static constexpr Unit kUnits[] = {{"gb", 1024LL * 1024 * 1024}, {"mb", 1024LL * 1024},
                                    {"kb", 1024},                 {"g", 1000LL * 1000 * 1000},
                                    {"m", 1000LL * 1000},         {"k", 1000},
                                    {"b", 1}};
  std::string_view digits = t;
  for (const Unit& u : kUnits) {
    if (digits.size() > u.suffix.size() && digits.ends_with(u.suffix)) {
      digits.remove_suffix(u.suffix.size());
      mul = u.mul;
      break;
    }
  }
  auto v = parse_int(digits);
  if (!v || *v < 0 || (*v > 0 && mul > INT64_MAX / *v)) return std::nullopt;
  return *v * mul;
}

Config::Config() {
  using K = Kind;
  add({"port", {}, K::kInt, "6379", false, {}, 0, 65535});
  add({"bind", {}, K::kString, "* -::*", false});
  add({"databases", {}, K::kInt, "16", false, {}, 1, INT32_MAX});
  add({"dir", {}, K::kString, "./data", true});
  add({"timeout", {}, K::kInt, "0", true, {}, 0, INT32_MAX});
  add({"tcp-keepalive", {}, K::kInt, "300", true, {}, 0, INT32_MAX});
  add({"maxclients", {}, K::kInt, "10000", true, {}, 1, INT32_MAX});
  add({"hz", {}, K::kInt, "10", true, {}, 0, INT32_MAX});
  add({"loglevel", {}, K::kEnum, "notice", true, {"debug", "verbose", "notice", "warning"}});
  add({"logfile", {}, K::kString, "", false});
  add({"proto-max-bulk-len", {}, K::kMemory, "536870912", true, {}, 1024 * 1024, INT64_MAX});
  add({"client-query-buffer-limit", {}, K::kMemory, "1073741824", true, {}, 1024 * 1024,
       INT64_MAX});
  add({"maxmemory", {}, K::kMemory, "0", true, {}, 0, INT64_MAX});
  add({"maxmemory-policy", {}, K::kEnum, "noeviction", true,
       {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
        "allkeys-lfu", "allkeys-random", "noeviction"}});
  add({"appendonly", {}, K::kBool, "yes", true});
  add({"appendfsync", {}, K::kEnum, "everysec", true, {"always", "everysec", "no"}});
  add({"requirepass", {}, K::kString, "", true});
  add({"role", {}, K::kEnum, "edge", false, {"edge", "hub"}});
  add({"node-name", {}, K::kString, "", false});
  add({"hub", {}, K::kString, "", false});
  add({"compact-compression", {}, K::kBool, "no", true});
}

void Config::add(Directive d) { directives_.push_back(std::move(d)); }

const Config::Directive* Config::find(std::string_view name) const {
  return const_cast<Config*>(this)->find(name);
}

Config::Directive* Config::find(std::string_view name) {
  std::string n = lower(name);
  for (Directive& d : directives_) {
    if (d.name == n) return &d;
    if (std::find(d.aliases.begin(), d.aliases.end(), n) != d.aliases.end()) return &d;
  }
  return nullptr;
}

std::vector<const Config::Directive*> Config::match(std::string_view pattern) const {
  std::vector<const Directive*> out;
  for (const Directive& d : directives_)
    if (glob_match(pattern, d.name, true)) out.push_back(&d);
  return out;
}

std::optional<std::string> Config::set(std::string_view name, std::string_view value,
                                       bool at_runtime) {
  Directive* d = find(name);
  if (!d) return "Unknown option or number of arguments for CONFIG SET - '" + std::string(name) + "'";
  if (at_runtime && !d->mutable_at_runtime)
    return "CONFIG SET failed (possibly related to argument '" + d->name +
           "') - can't set immutable config";
  std::string canonical(value);
  auto invalid = [&](std::string_view why) {
    return std::optional<std::string>("argument couldn't be parsed into " + std::string(why));
  };
  switch (d->kind) {
    case Kind::kBool: {
      std::string v = lower(value);
      if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
      canonical = v;
      break;
    }
    case Kind::kInt: {
      auto v = parse_int(value);
      if (!v) return invalid("an integer");
      if (*v < d->min || *v > d->max)
        return "argument must be between " + std::to_string(d->min) + " and " +
               std::to_string(d->max) + " inclusive";
      canonical = std::to_string(*v);
      break;
    }
    case Kind::kMemory: {
      auto v = parse_memory(value);
      if (!v) return invalid("an integer");
      if (*v < d->min || *v > d->max)
        return "argument must be between " + std::to_string(d->min) + " and " +
               std::to_string(d->max) + " inclusive";
      canonical = std::to_string(*v);
      break;
    }
    case Kind::kEnum: {
      std::string v = lower(value);
      if (std::find(d->choices.begin(), d->choices.end(), v) == d->choices.end())
        return "argument(s) must be one of the following: " + [&] {
          std::string all;
          for (const auto& c : d->choices) all += (all.empty() ? "" : ", ") + c;
          return all;
        }();
      canonical = v;
      break;
    }
    case Kind::kString:
    case Kind::kList:
      break;
  }
  d->value = canonical;
  if (d->on_change) d->on_change(*d);
  return std::nullopt;
}

int64_t Config::integer(std::string_view name) const {
  const Directive* d = find(name);
  if (!d) return 0;
  if (d->kind == Kind::kBool) return d->value == "yes";
  return parse_int(d->value).value_or(0);
}

bool Config::flag(std::string_view name) const { return integer(name) != 0; }

const std::string& Config::text(std::string_view name) const {
  static const std::string kEmpty;
  const Directive* d = find(name);
  return d ? d->value : kEmpty;
}

void Config::on_change(std::string_view name, std::function<void(const Directive&)> fn) {
  if (Directive* d = find(name)) d->on_change = std::move(fn);
}

}  // namespace eddy::commands
