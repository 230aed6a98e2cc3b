#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "commands/engine_state.h"

namespace eddy::commands {

// Case-insensitive comparison of an argument with an option name ("nx" == "NX").
bool iequals(std::string_view a, std::string_view b);

// Redis's getLongLongFromObjectOrReply: a strict integer, or the reply
// "value is not an integer or out of range" and nothing.
std::optional<int64_t> int_arg(Context& ctx, std::string_view arg);

// Checked arithmetic for expiry times: nothing on overflow.
std::optional<int64_t> checked_add(int64_t a, int64_t b);
std::optional<int64_t> checked_mul(int64_t a, int64_t b);

// The option set of SET and GETEX (Redis's parseExtendedStringArgumentsOrReply).
struct StringOptions {
  bool nx = false, xx = false, get = false, keepttl = false, persist = false;
  enum class Unit { kNone, kSeconds, kMilliseconds } unit = Unit::kNone;
  bool absolute = false;
  std::string_view expire_arg;
};
enum class StringOptionsFor { kSet, kGetEx };
// Parses args[first..]; replies "syntax error" and returns nothing on a bad combination.
std::optional<StringOptions> parse_string_options(Context& ctx, size_t first, StringOptionsFor kind);

// The absolute expiry in ms of EX/PX/EXAT/PXAT `arg`, validated as Redis's
// getExpireMillisecondsOrReply does ("invalid expire time in '<command>' command").
std::optional<int64_t> expire_at_ms(Context& ctx, std::string_view arg, bool seconds,
                                    bool absolute);

// "invalid expire time in 'set' command": the command name as Redis prints it.
void reply_invalid_expire(Context& ctx);

}  // namespace eddy::commands
