#include "commands/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "commands/acl.h"
#include "commands/errors.h"
#include "commands/glob.h"
#include "sync/persistence.h"

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
  add({"client-output-buffer-limit", {}, K::kBufferLimits,
       "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", true});
  add({"client-query-buffer-limit", {}, K::kMemory, "1073741824", true, {}, 1024 * 1024,
       INT64_MAX});
  add({"maxmemory", {}, K::kMemory, "0", true, {}, 0, INT64_MAX});
  add({"maxmemory-policy", {}, K::kEnum, "noeviction", true,
       {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
        "allkeys-lfu", "allkeys-random", "noeviction"}});
  add({"maxmemory-samples", {}, K::kInt, "5", true, {}, 1, INT32_MAX});
  add({"maxmemory-eviction-tenacity", {}, K::kInt, "10", true, {}, 0, 100});
  add({"lfu-log-factor", {}, K::kInt, "10", true, {}, 0, INT32_MAX});
  add({"lfu-decay-time", {}, K::kInt, "1", true, {}, 0, INT32_MAX});
  // An edge without a journal could not sync, so eddy journals by default (Redis does not).
  add({"appendonly", {}, K::kBool, "yes", false});
  add({"appendfsync", {}, K::kEnum, "everysec", true, {"always", "everysec", "no"}});
  add({"appenddirname", {}, K::kString, "journal", false});
  add({"appendfilename", {}, K::kString, "journal.eddy", false});
  add({"dbfilename", {}, K::kString, "snapshot.eddy", true});
  // Snapshots compact the journal when it grows (auto-aof-rewrite-*); `save` rules work as in
  // Redis but are off by default, since the journal already keeps every write.
  add({"save", {}, K::kSaveRules, "", true});
  add({"auto-aof-rewrite-percentage", {}, K::kInt, "100", true, {}, 0, INT32_MAX});
  add({"auto-aof-rewrite-min-size", {}, K::kMemory, "67108864", true, {}, 0, INT64_MAX});
  add({"journal-segment-size", {}, K::kMemory, "67108864", false, {}, 4096, INT64_MAX});
  add({"requirepass", {}, K::kString, "", true});
  add({"acllog-max-len", {}, K::kInt, "128", true, {}, 0, INT32_MAX});
  // SLOWLOG and LATENCY as in Redis 7.0 (µs, entries, ms), and the Prometheus endpoint
  // (server/metrics_server.h; 0: none), which listens on the first `bind` address.
  add({"slowlog-log-slower-than", {}, K::kInt, "10000", true, {}, -1, INT64_MAX});
  add({"slowlog-max-len", {}, K::kInt, "128", true, {}, 0, INT64_MAX});
  add({"latency-monitor-threshold", {}, K::kInt, "0", true, {}, 0, INT64_MAX});
  add({"metrics-port", {}, K::kInt, "0", false, {}, 0, 65535});
  // TLS as in redis.conf. The files are read when the TLS listener opens, so they are set at
  // start only.
  add({"tls-port", {}, K::kInt, "0", false, {}, 0, 65535});
  add({"tls-cert-file", {}, K::kString, "", false});
  add({"tls-key-file", {}, K::kString, "", false});
  add({"tls-ca-cert-file", {}, K::kString, "", false});
  add({"tls-auth-clients", {}, K::kEnum, "yes", false, {"yes", "no", "optional"}});
  add({"tls-protocols", {}, K::kString, "", false});
  add({"role", {}, K::kEnum, "edge", false, {"edge", "hub"}});
  add({"node-name", {}, K::kString, "", false});
  add({"hub", {}, K::kString, "", false});
  // What an edge presents to its hub, and the hub's list of accepted edges (sync/edge_tokens.h).
  add({"hub-token", {}, K::kString, "", false});
  // The edge reaches its hub over TLS (the hub's tls-port), verified with the tls-* files.
  add({"sync-tls", {}, K::kBool, "no", false});
  add({"sync-tokens-file", {}, K::kString, "", false});
  // A hub refuses an edge whose clock runs this far ahead of its own (milliseconds).
  add({"sync-max-clock-skew", {}, K::kInt, "60000", true, {}, 0, INT64_MAX});
  // An edge seals its units into push batches of about this many bytes (four in flight), and
  // asks the hub for at most sync-pull-bytes per pull: what a sync round holds in memory.
  add({"sync-batch-bytes", {}, K::kMemory, "1048576", false, {}, 4096, 64LL << 20});
  add({"sync-pull-bytes", {}, K::kMemory, "4194304", true, {}, 4096, 64LL << 20});
  // The data directory's budget (journal + snapshot, 0: none) and the resource levels: at
  // warning, high and critical percent of maxmemory and max-disk (commands/resources.h).
  add({"max-disk", {}, K::kMemory, "0", true, {}, 0, INT64_MAX});
  add({"resource-warning-percent", {}, K::kInt, "70", true, {}, 1, 100});
  add({"resource-high-percent", {}, K::kInt, "85", true, {}, 1, 100});
  add({"resource-critical-percent", {}, K::kInt, "95", true, {}, 1, 100});
  // Glob patterns, separated by spaces, on key names: a key syncs when it matches an include
  // pattern (or none is set) and no exclude pattern. The others stay local to this node.
  add({"sync-include", {}, K::kString, "", true});
  add({"sync-exclude", {}, K::kString, "", true});
  add({"compact-compression", {}, K::kBool, "no", true});
  add({"hash-max-listpack-entries", {"hash-max-ziplist-entries"}, K::kMemory, "512", true, {}, 0,
       INT64_MAX});
  add({"list-max-listpack-size", {"list-max-ziplist-size"}, K::kInt, "-2", true, {}, INT32_MIN,
       INT32_MAX});
  add({"hash-max-listpack-value", {"hash-max-ziplist-value"}, K::kMemory, "64", true, {}, 0,
       INT64_MAX});
}

std::optional<std::string> Config::add_user(std::vector<std::string> words) {
  if (auto err = validate_user_line(words)) return err;
  for (const auto& line : user_lines)
    if (line[0] == words[0])
      return "Error in user declaration '" + words[0] + "': " + std::string(errors::kAclDuplicateUser);
  user_lines.push_back(std::move(words));
  return std::nullopt;
}

void Config::add(Directive d) {
  d.default_value = d.value;
  directives_.push_back(std::move(d));
}

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

namespace {

// The class names in CONFIG GET's order; "replica" is read as "slave", as Redis reads it.
constexpr const char* kClientClasses[] = {"normal", "slave", "pubsub"};

std::string format_output_buffer_limits(const OutputBufferLimits& limits) {
  std::string out;
  for (size_t i = 0; i < limits.size(); ++i)
    out += std::string(i ? " " : "") + kClientClasses[i] + " " + std::to_string(limits[i].hard) +
           " " + std::to_string(limits[i].soft) + " " + std::to_string(limits[i].soft_seconds);
  return out;
}

// The canonical text of `value` for directive `d`, or the reason it is refused.
struct Canonical {
  std::string value;
  std::optional<std::string> error;
};

Canonical canonicalize(const Config::Directive& d, std::string_view value) {
  using Kind = Config::Kind;
  auto range_error = [&] {
    return "argument must be between " + std::to_string(d.min) + " and " + std::to_string(d.max) +
           " inclusive";
  };
  switch (d.kind) {
    case Kind::kBool: {
      std::string v = lower(value);
      if (v != "yes" && v != "no") return {{}, "argument must be 'yes' or 'no'"};
      return {v, {}};
    }
    case Kind::kInt: {
      auto v = parse_int(value);
      if (!v) return {{}, "argument couldn't be parsed into an integer"};
      if (*v < d.min || *v > d.max) return {{}, range_error()};
      return {std::to_string(*v), {}};
    }
    case Kind::kMemory: {
      auto v = parse_memory(value);
      if (!v) return {{}, "argument must be a memory value"};
      if (*v < d.min || *v > d.max) return {{}, range_error()};
      return {std::to_string(*v), {}};
    }
    case Kind::kEnum: {
      std::string v = lower(value);
      if (std::find(d.choices.begin(), d.choices.end(), v) != d.choices.end()) return {v, {}};
      std::string all;
      for (const auto& c : d.choices) all += (all.empty() ? "" : ", ") + c;
      return {{}, "argument(s) must be one of the following: " + all};
    }
    case Kind::kSaveRules: {
      auto rules = sync::parse_save_rules(value);
      if (!rules) return {{}, "Invalid save parameters"};
      std::string v;
      for (const auto& [seconds, changes] : *rules)
        v += (v.empty() ? "" : " ") + std::to_string(seconds) + " " + std::to_string(changes);
      return {v, {}};
    }
    case Kind::kBufferLimits: {
      auto current = parse_output_buffer_limits(d.value, {});
      auto limits = parse_output_buffer_limits(value, std::get<OutputBufferLimits>(current));
      if (auto* error = std::get_if<std::string>(&limits)) return {{}, *error};
      return {format_output_buffer_limits(std::get<OutputBufferLimits>(limits)), {}};
    }
    case Kind::kString:
    case Kind::kList:
      break;
  }
  return {std::string(value), {}};
}

}  // namespace

std::optional<std::string> Config::validate(std::string_view name, std::string_view value,
                                            bool at_runtime) const {
  const Directive* d = find(name);
  if (!d) return "Bad directive or wrong number of arguments";
  if (at_runtime && !d->mutable_at_runtime) return "can't set immutable config";
  return canonicalize(*d, value).error;
}

std::optional<std::string> Config::set(std::string_view name, std::string_view value,
                                       bool at_runtime) {
  if (auto err = validate(name, value, at_runtime)) return err;
  Directive* d = find(name);
  d->value = canonicalize(*d, value).value;
  if (d->on_change) d->on_change(*d);
  return std::nullopt;
}

std::optional<std::string> Config::rewrite() const {
  if (config_file.empty()) return "The server is running without a config file";
  std::ifstream in(config_file);
  if (!in) return "Rewriting config file: " + std::string(std::strerror(errno));
  std::vector<std::string> lines;
  std::vector<bool> written(directives_.size(), false);
  std::string line;
  while (std::getline(in, line)) {
    std::string first = line.substr(0, line.find_first_of(" \t"));
    const Directive* d = first.empty() || first[0] == '#' ? nullptr : find(first);
    if (d) {
      size_t index = static_cast<size_t>(d - directives_.data());
      if (written[index]) continue;  // a directive given twice is written once
      written[index] = true;
      line = d->name + " " + (d->value.empty() ? "\"\"" : d->value);
    }
    lines.push_back(line);
  }
  for (size_t i = 0; i < directives_.size(); ++i) {
    const Directive& d = directives_[i];
    if (written[i] || d.value == d.default_value) continue;
    lines.push_back(d.name + " " + (d.value.empty() ? "\"\"" : d.value));
  }
  std::string tmp = config_file + ".tmp-rewrite";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const std::string& l : lines) out << l << "\n";
    if (!out.flush()) return "Rewriting config file: " + std::string(std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), config_file.c_str()) != 0)
    return "Rewriting config file: " + std::string(std::strerror(errno));
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

std::variant<OutputBufferLimits, std::string> parse_output_buffer_limits(
    std::string_view text, const OutputBufferLimits& current) {
  std::vector<std::string> words;
  for (size_t at = 0; at < text.size();) {
    const size_t start = text.find_first_not_of(' ', at);
    if (start == std::string_view::npos) break;
    const size_t end = std::min(text.find(' ', start), text.size());
    words.emplace_back(text.substr(start, end - start));
    at = end;
  }
  if (words.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
  OutputBufferLimits limits = current;
  for (size_t i = 0; i < words.size(); i += 4) {
    std::string name = lower(words[i]);
    if (name == "replica") name = "slave";
    const auto* found = std::find_if(std::begin(kClientClasses), std::end(kClientClasses),
                                     [&](const char* c) { return name == c; });
    if (found == std::end(kClientClasses))
      return "Invalid client class specified in buffer limit configuration.";
    auto hard = parse_memory(words[i + 1]);
    auto soft = parse_memory(words[i + 2]);
    auto seconds = parse_int(words[i + 3]);
    if (!hard || !soft || !seconds || *hard < 0 || *soft < 0 || *seconds < 0)
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    limits[static_cast<size_t>(found - std::begin(kClientClasses))] = {*hard, *soft, *seconds};
  }
  return limits;
}

OutputBufferLimits output_buffer_limits(const Config& config) {
  auto limits = parse_output_buffer_limits(config.text("client-output-buffer-limit"), {});
  return std::get<OutputBufferLimits>(limits);
}

void Config::on_change(std::string_view name, std::function<void(const Directive&)> fn) {
  if (Directive* d = find(name)) d->on_change = std::move(fn);
}

}  // namespace eddy::commands
