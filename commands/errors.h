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
inline constexpr std::string_view kWrongPass =
    "-WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthWithoutPassword =
    "AUTH <password> called without any password configured for the default user. Are you sure "
    "your configuration is correct?";
inline constexpr std::string_view kHelloNoAuth =
    "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";
inline constexpr std::string_view kUnauthMultibulk = "Protocol error: unauthenticated multibulk length";
inline constexpr std::string_view kUnauthBulk = "Protocol error: unauthenticated bulk length";
// NOPERM refusals before a command runs ('%s': the command's full name, "config|get").
inline constexpr std::string_view kNoPermCommand =
    "-NOPERM this user has no permissions to run the '%s' command";
inline constexpr std::string_view kNoPermKey =
    "-NOPERM this user has no permissions to access one of the keys used as arguments";
// ACL rule refusals (Redis's ACLSetUserStringError).
inline constexpr std::string_view kAclUnknownName = "Unknown command or category name in ACL";
inline constexpr std::string_view kAclSyntax = "Syntax error";
inline constexpr std::string_view kAclPatternAfterAllKeys =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have "
    "any effect. Try 'resetkeys' to start with an empty list of patterns";
inline constexpr std::string_view kAclPatternAfterAllChannels =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
    "have any effect. Try 'resetchannels' to start with an empty list of channels";
inline constexpr std::string_view kAclNoSuchPassword =
    "The password you are trying to remove from the user does not exist";
inline constexpr std::string_view kAclBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
inline constexpr std::string_view kAclDuplicateUser =
    "Duplicate user found. A user can only be defined once in config files";
inline constexpr std::string_view kAclFirstArgOfSubcommand =
    "Allowing first-arg of a subcommand is not supported";
// eddy's own: Redis 7.0's "(...)" selectors are not implemented.
inline constexpr std::string_view kAclSelectorsUnsupported = "ACL selectors are not supported";
inline constexpr std::string_view kAclSpacesInUsername =
    "Usernames can't contain spaces or null characters";
inline constexpr std::string_view kAclDeleteDefault = "The 'default' user cannot be removed";
inline constexpr std::string_view kNoProto = "-NOPROTO unsupported protocol version";
inline constexpr std::string_view kCursor = "invalid cursor";
inline constexpr std::string_view kTimeoutNegative = "timeout is negative";
inline constexpr std::string_view kTimeoutNotFloat = "timeout is not a float or out of range";
inline constexpr std::string_view kTimeoutOutOfRange = "timeout is out of range";
inline constexpr std::string_view kMaxClients = "max number of clients reached";
inline constexpr std::string_view kOom = "-OOM command not allowed when used memory > 'maxmemory'.";
// OBJECT FREQ under a policy other than *-lfu, OBJECT IDLETIME under an *-lfu one.
inline constexpr std::string_view kLfuNotSelected =
    "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr std::string_view kLfuSelected =
    "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.";
// eddy's own: the data directory at the critical level of its budget (commands/resources.h).
// -OOM as for maxmemory: a budget is spent and reads still work; MISCONF would say the
// persistence is broken, which it is not.
inline constexpr std::string_view kDiskFull =
    "-OOM command not allowed when the data directory is at the critical level of 'max-disk'.";

}  // namespace eddy::commands::errors
