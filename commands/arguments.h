#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "commands/engine_state.h"

namespace eddy::commands {

// TYPE's name for a key type: "string", "list", "hash", or "none".
std::string_view type_name(crdt::KeyType type);
// OBJECT ENCODING's name for how Redis 7.0 would store the value: "int", "embstr", "raw",
// "quicklist", "listpack", "hashtable".
std::string_view encoding_name(const crdt::KeyState& state);

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

// A blocking command's timeout in seconds (decimals allowed), as Redis's
// getTimeoutFromObjectOrReply reads it: the absolute deadline in ms, 0 for "forever", or the
// reply and nothing.
std::optional<int64_t> block_deadline(Context& ctx, std::string_view arg);

// SCAN's cursor: an unsigned decimal as strtoul reads it, or the reply "invalid cursor".
std::optional<uint64_t> parse_cursor(Context& ctx, std::string_view arg);

// The options of SCAN and HSCAN from args[first]: MATCH, COUNT (at least 1) and, for SCAN only,
// TYPE; a syntax error otherwise.
struct ScanOptions {
  std::string_view pattern;
  int64_t count = 10;
  std::string_view type;
};
std::optional<ScanOptions> parse_scan_options(Context& ctx, size_t first, bool allow_type);

// "invalid expire time in 'set' command": the command name as Redis prints it.
void reply_invalid_expire(Context& ctx);

}  // namespace eddy::commands
