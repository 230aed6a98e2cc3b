#include "commands/arguments.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "commands/errors.h"
#include "crdt/key_state.h"

namespace eddy::commands {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::optional<int64_t> int_arg(Context& ctx, std::string_view arg) {
  auto v = crdt::parse_strict_int64(arg);
  if (!v) ctx.reply.error(errors::kNotInteger);
  return v;
}

std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

void reply_invalid_expire(Context& ctx) {
  std::string name(ctx.args[0]);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ctx.reply.error("invalid expire time in '" + name + "' command");
}

std::optional<StringOptions> parse_string_options(Context& ctx, size_t first,
                                                  StringOptionsFor kind) {
  StringOptions o;
  const bool is_set = kind == StringOptionsFor::kSet;
  auto has_expire = [&] { return o.unit != StringOptions::Unit::kNone; };
  for (size_t i = first; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    bool has_next = i + 1 < ctx.args.size();
    if (is_set && iequals(a, "NX") && !o.xx) {
      o.nx = true;
    } else if (is_set && iequals(a, "XX") && !o.nx) {
      o.xx = true;
    } else if (is_set && iequals(a, "GET")) {
      o.get = true;
    } else if (is_set && iequals(a, "KEEPTTL") && !has_expire()) {
      o.keepttl = true;
    } else if (!is_set && iequals(a, "PERSIST") && !has_expire()) {
      o.persist = true;
    } else if ((iequals(a, "EX") || iequals(a, "PX") || iequals(a, "EXAT") || iequals(a, "PXAT")) &&
               !o.keepttl && !o.persist && !has_expire() && has_next) {
      o.unit = (a[0] == 'e' || a[0] == 'E') ? StringOptions::Unit::kSeconds
                                             : StringOptions::Unit::kMilliseconds;
      o.absolute = a.size() == 4;
      o.expire_arg = ctx.args[++i];
    } else {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return o;
}

std::optional<int64_t> expire_at_ms(Context& ctx, std::string_view arg, bool seconds,
                                    bool absolute) {
  auto v = int_arg(ctx, arg);
  if (!v) return std::nullopt;
  int64_t ms = *v;
  if (ms <= 0 || (seconds && ms > INT64_MAX / 1000)) {
    reply_invalid_expire(ctx);
    return std::nullopt;
  }
  if (seconds) ms *= 1000;
  if (!absolute) {
    auto at = checked_add(ms, ctx.now_ms());
    if (!at) {
      reply_invalid_expire(ctx);
      return std::nullopt;
    }
    ms = *at;
  }
  return ms;
}

std::optional<int64_t> block_deadline(Context& ctx, std::string_view arg) {
  // Redis's string2ld: strtold over the whole argument, no leading space, no NaN.
  long double seconds = 0;
  bool valid = !arg.empty() && arg.size() < 5 * 1024 &&
               !std::isspace(static_cast<unsigned char>(arg[0]));
  if (valid) {
    std::string text(arg);
    char* end = nullptr;
    errno = 0;
    seconds = std::strtold(text.c_str(), &end);
    valid = *end == '\0' && !std::isnan(seconds) &&
            !(errno == ERANGE && (seconds == HUGE_VALL || seconds == -HUGE_VALL ||
                                  std::fpclassify(seconds) == FP_ZERO));
  }
  if (!valid) {
    ctx.reply.error(errors::kTimeoutNotFloat);
    return std::nullopt;
  }
  // Redis converts ceil(seconds * 1000) to a long long unchecked: on x86 a value out of range
  // becomes LLONG_MIN, which it then calls negative.
  long double ms = std::ceil(seconds * 1000.0L);
  if (ms < 0 || ms >= 9223372036854775808.0L) {
    ctx.reply.error(errors::kTimeoutNegative);
    return std::nullopt;
  }
  auto timeout = static_cast<int64_t>(ms);
  if (timeout == 0) return 0;
  const int64_t now = ctx.replica().clock().now_ms();
  if (timeout > INT64_MAX - now) {
    ctx.reply.error(errors::kTimeoutOutOfRange);
    return std::nullopt;
  }
  return now + timeout;
}

std::optional<uint64_t> parse_cursor(Context& ctx, std::string_view arg) {
  std::string text(arg);
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || errno == ERANGE || *end != '\0') {
    ctx.reply.error(errors::kCursor);
    return std::nullopt;
  }
  return v;
}

std::optional<ScanOptions> parse_scan_options(Context& ctx, size_t first, bool allow_type) {
  ScanOptions options;
  for (size_t i = first; i < ctx.args.size(); i += 2) {
    const bool has_value = i + 1 < ctx.args.size();
    if (iequals(ctx.args[i], "COUNT") && has_value) {
      auto v = int_arg(ctx, ctx.args[i + 1]);
      if (!v) return std::nullopt;
      if (*v < 1) {
        ctx.reply.error(errors::kSyntax);
        return std::nullopt;
      }
      options.count = *v;
    } else if (iequals(ctx.args[i], "MATCH") && has_value) {
      options.pattern = ctx.args[i + 1];
    } else if (allow_type && iequals(ctx.args[i], "TYPE") && has_value) {
      options.type = ctx.args[i + 1];
    } else {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return options;
}

std::string_view type_name(crdt::KeyType type) {
  switch (type) {
    case crdt::KeyType::kString:
      return "string";
    case crdt::KeyType::kList:
      return "list";
    case crdt::KeyType::kHash:
      return "hash";
    case crdt::KeyType::kSeries:
      return "TSDB-TYPE";  // RedisTimeSeries's module type name
    case crdt::KeyType::kNone:
      break;
  }
  return "none";
}

std::string_view encoding_name(const crdt::KeyState& state) {
  switch (state.type()) {
    case crdt::KeyType::kList:
      return "quicklist";  // Redis 7.0 stores every list as a quicklist
    case crdt::KeyType::kHash:
      return state.hash()->packed() ? "listpack" : "hashtable";
    case crdt::KeyType::kSeries:
      return "raw";  // what Redis reports for a module's value
    default:
      break;
  }
  std::string scratch;
  std::string_view value = state.string_value(scratch);
  if (value.size() <= 20 && crdt::parse_strict_int64(value)) return "int";
  return value.size() <= 44 ? "embstr" : "raw";
}

}  // namespace eddy::commands
