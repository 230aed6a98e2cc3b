#pragma once

#include <string_view>

// Every error text eddy replies with, byte-identical to Redis 7.0.15. Texts without a leading
// '-' get "-ERR " from the reply builder; texts with their own code keep it.
namespace eddy::commands::errors {

inline constexpr std::string_view kSyntax = "syntax error";
inline constexpr std::string_view kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "value is not a valid float";
inline constexpr std::string_view kOverflow = "increment or decrement would overflow";
inline constexpr std::string_view kNanOrInfinity = "increment would produce NaN or Infinity";
inline constexpr std::string_view kNoSuchKey = "no such key";
inline constexpr std::string_view kDbIndexOutOfRange = "DB index is out of range";
inline constexpr std::string_view kInvalidDbIndex = "invalid DB index";
inline constexpr std::string_view kInvalidExpire = "invalid expire time in '%s' command";
inline constexpr std::string_view kOffsetOutOfRange = "offset is out of range";
// eddy's own: persistence commands in a process without a data directory (unit tests).
inline constexpr std::string_view kNoPersistence = "no data directory (eddy runs without persistence)";
inline constexpr std::string_view kStringTooLong = "string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kSameObject = "source and destination objects are the same";
inline constexpr std::string_view kMultiNested = "MULTI calls can not be nested";
inline constexpr std::string_view kExecWithoutMulti = "EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMulti = "DISCARD without MULTI";
inline constexpr std::string_view kWatchInMulti = "WATCH inside MULTI is not allowed";
inline constexpr std::string_view kExecAbort =
    "-EXECABORT Transaction discarded because of previous errors.";
inline constexpr std::string_view kNoAuth = "-NOAUTH Authentication required.";
inline constexpr std::string_view kNoProto = "-NOPROTO unsupported protocol version";
inline constexpr std::string_view kCursor = "invalid cursor";
inline constexpr std::string_view kTimeoutNegative = "timeout is negative";
inline constexpr std::string_view kTimeoutNotFloat = "timeout is not a float or out of range";
inline constexpr std::string_view kTimeoutOutOfRange = "timeout is out of range";
inline constexpr std::string_view kMaxClients = "max number of clients reached";
inline constexpr std::string_view kOom = "-OOM command not allowed when used memory > 'maxmemory'.";

}  // namespace eddy::commands::errors
