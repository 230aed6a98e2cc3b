#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace eddy::commands {

// The registry of configuration directives: what redis.conf, the command line, CONFIG GET/SET and
// CONFIG REWRITE all read and write. Every directive has Redis's name (and old aliases), a kind
// that decides how a value is parsed and printed, a default, and whether CONFIG SET may change it.
class Config {
 public:
  enum class Kind { kBool, kInt, kMemory, kString, kEnum, kList, kSaveRules, kBufferLimits };

  struct Directive {
    std::string name;
    std::vector<std::string> aliases = {};
    Kind kind = Kind::kString;
    std::string value = {};  // canonical text, as CONFIG GET prints it
    bool mutable_at_runtime = true;
    std::vector<std::string> choices = {};  // for kEnum
    int64_t min = INT64_MIN;           // for kInt and kMemory
    int64_t max = INT64_MAX;
    // Runs after a value is accepted, so the owner (server, engine) can apply it at once.
    std::function<void(const Directive&)> on_change = {};
    std::string default_value = {};  // filled in at registration, for CONFIG REWRITE
  };

  Config();

  // Sets a directive from its text (file, command line or CONFIG SET). Returns the reason of a
  // refusal as Redis words it ("argument must be a memory value"), or nothing on success.
  // `at_runtime` refuses immutable directives. Unknown names: check find() first.
  std::optional<std::string> set(std::string_view name, std::string_view value, bool at_runtime);
  // Checks a value without applying it (CONFIG SET is all or nothing).
  std::optional<std::string> validate(std::string_view name, std::string_view value,
                                      bool at_runtime) const;

  // CONFIG REWRITE: the file's lines with current values, unknown lines and comments kept, and
  // directives changed from their defaults appended. Returns an error text on failure.
  std::optional<std::string> rewrite() const;

  const Directive* find(std::string_view name) const;
  Directive* find(std::string_view name);
  // Every directive whose name (not alias) matches the glob pattern, in registry order.
  std::vector<const Directive*> match(std::string_view pattern) const;
  const std::vector<Directive>& all() const { return directives_; }

  int64_t integer(std::string_view name) const;  // kInt, kMemory and kBool (0/1)
  bool flag(std::string_view name) const;
  const std::string& text(std::string_view name) const;

  void on_change(std::string_view name, std::function<void(const Directive&)> fn);

  // The file read at start, for CONFIG REWRITE and INFO's config_file.
  std::string config_file;

  // `user name rule...` lines (the words after "user"), checked as they are read, so that a bad
  // one stops the start as in Redis; the engine creates the users from them.
  std::optional<std::string> add_user(std::vector<std::string> words);
  std::vector<std::vector<std::string>> user_lines;

 private:
  void add(Directive d);
  std::vector<Directive> directives_;
};

// "1gb", "100mb", "4k" → bytes, as Redis's memtoull. Nothing on a bad number.
std::optional<int64_t> parse_memory(std::string_view text);

// client-output-buffer-limit: per client class (normal, replica, pubsub), a hard limit that
// closes a client at once and a soft one that closes it after staying above for soft_seconds
// (0: no limit).
struct OutputBufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};
using OutputBufferLimits = std::array<OutputBufferLimit, 3>;
// Redis's "<class> <hard> <soft> <soft seconds> ..." applied over `current` (classes not named
// keep their limits), or the reason of a refusal as Redis words it.
std::variant<OutputBufferLimits, std::string> parse_output_buffer_limits(
    std::string_view text, const OutputBufferLimits& current);
// The canonical form of every limit; CONFIG GET prints it ("normal 0 0 0 slave ...").
OutputBufferLimits output_buffer_limits(const Config& config);

}  // namespace eddy::commands
