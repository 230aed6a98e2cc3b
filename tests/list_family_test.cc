// The list family through the real dispatch path. Every expected reply was checked against
// redis-server 7.0.15 (RESP2 unless a test says otherwise).
#include <string>
#include <vector>

#include "tests/family_test.h"

namespace eddy::testing {
namespace {

using Strings = std::vector<std::string>;

constexpr char kWrongType[] = "WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr char kWrongTypeRaw[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
constexpr char kMustBePositive[] = "ERR value is out of range, must be positive";
constexpr char kRankZero[] =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";

class ListFamilyTest : public FamilyTest {
 protected:
  Strings Range(std::string_view key) { return Run({"LRANGE", key, "0", "-1"}).strings(); }
};

// LPUSH key element [element ...]
TEST_F(ListFamilyTest, Lpush) {
  EXPECT_EQ(RunRaw({"LPUSH", "l", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(RunRaw({"LPUSH", "l", "d"}), ":4\r\n");
  EXPECT_EQ(Range("l"), (Strings{"d", "c", "b", "a"}));
  EXPECT_THAT(Run({"LPUSH", "l"}), IsError("ERR wrong number of arguments for 'lpush' command"));
  EXPECT_THAT(Run({"lpush"}), IsError("ERR wrong number of arguments for 'lpush' command"));
  Run({"SET", "s", "x"});
  EXPECT_EQ(RunRaw({"LPUSH", "s", "a"}), kWrongTypeRaw);
  EXPECT_THAT(Run({"GET", "s"}), IsBulk("x"));
}

// RPUSH key element [element ...]
TEST_F(ListFamilyTest, Rpush) {
  EXPECT_EQ(RunRaw({"RPUSH", "l", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(RunRaw({"RPUSH", "l", "d", "e"}), ":5\r\n");
  EXPECT_EQ(Range("l"), (Strings{"a", "b", "c", "d", "e"}));
  EXPECT_THAT(Run({"RPUSH", "l"}), IsError("ERR wrong number of arguments for 'rpush' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"RPUSH", "s", "a"}), IsError(kWrongType));
}

// LPUSHX key element [element ...]
TEST_F(ListFamilyTest, Lpushx) {
  EXPECT_EQ(RunRaw({"LPUSHX", "nokey", "a"}), ":0\r\n");
  EXPECT_THAT(Run({"EXISTS", "nokey"}), IsInt(0));
  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(RunRaw({"LPUSHX", "l", "b", "c"}), ":3\r\n");
  EXPECT_EQ(Range("l"), (Strings{"c", "b", "a"}));
  EXPECT_THAT(Run({"LPUSHX", "l"}), IsError("ERR wrong number of arguments for 'lpushx' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LPUSHX", "s", "a"}), IsError(kWrongType));
}

// RPUSHX key element [element ...]
TEST_F(ListFamilyTest, Rpushx) {
  EXPECT_EQ(RunRaw({"RPUSHX", "nokey", "a"}), ":0\r\n");
  EXPECT_THAT(Run({"EXISTS", "nokey"}), IsInt(0));
  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(RunRaw({"RPUSHX", "l", "b", "c"}), ":3\r\n");
  EXPECT_EQ(Range("l"), (Strings{"a", "b", "c"}));
  EXPECT_THAT(Run({"rpushx", "l"}), IsError("ERR wrong number of arguments for 'rpushx' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"RPUSHX", "s", "a"}), IsError(kWrongType));
}

// LPOP key [count]
TEST_F(ListFamilyTest, Lpop) {
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(RunRaw({"LPOP", "l"}), "$1\r\na\r\n");
  EXPECT_EQ(RunRaw({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"LPOP", "l", "2"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_THAT(Run({"LPOP", "l", "-1"}), IsError(kMustBePositive));
  EXPECT_THAT(Run({"LPOP", "l", "abc"}), IsError(kMustBePositive));
  EXPECT_EQ(RunRaw({"LPOP", "l", "100"}), "*2\r\n$1\r\nd\r\n$1\r\ne\r\n");
  EXPECT_THAT(Run({"EXISTS", "l"}), IsInt(0));  // the emptied list is deleted
  // Missing key: a null bulk without count, a null array with any count (even 0).
  EXPECT_EQ(RunRaw({"LPOP", "nokey"}), "$-1\r\n");
  EXPECT_EQ(RunRaw({"LPOP", "nokey", "2"}), "*-1\r\n");
  EXPECT_EQ(RunRaw({"LPOP", "nokey", "0"}), "*-1\r\n");
  EXPECT_THAT(Run({"LPOP", "nokey", "-1"}), IsError(kMustBePositive));
  // Count 0 on an existing list pops nothing and keeps the key.
  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(RunRaw({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_THAT(Run({"EXISTS", "l"}), IsInt(1));
  EXPECT_THAT(Run({"LPOP", "l", "1", "2"}),
              IsError("ERR wrong number of arguments for 'lpop' command"));
  EXPECT_THAT(Run({"LPOP"}), IsError("ERR wrong number of arguments for 'lpop' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LPOP", "s"}), IsError(kWrongType));
  EXPECT_THAT(Run({"LPOP", "s", "0"}), IsError(kWrongType));
  EXPECT_THAT(Run({"LPOP", "s", "-1"}), IsError(kMustBePositive));  // count is parsed first
}

// RPOP key [count]
TEST_F(ListFamilyTest, Rpop) {
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(RunRaw({"RPOP", "l"}), "$1\r\ne\r\n");
  EXPECT_EQ(RunRaw({"RPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"RPOP", "l", "2"}), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
  EXPECT_THAT(Run({"RPOP", "l", "-1"}), IsError(kMustBePositive));
  EXPECT_EQ(RunRaw({"RPOP", "l", "10"}), "*2\r\n$1\r\nb\r\n$1\r\na\r\n");
  EXPECT_THAT(Run({"EXISTS", "l"}), IsInt(0));
  EXPECT_EQ(RunRaw({"RPOP", "nokey"}), "$-1\r\n");
  EXPECT_EQ(RunRaw({"RPOP", "nokey", "1"}), "*-1\r\n");
  EXPECT_THAT(Run({"RPOP", "l", "1", "2"}),
              IsError("ERR wrong number of arguments for 'rpop' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"RPOP", "s"}), IsError(kWrongType));
}

// LLEN key
TEST_F(ListFamilyTest, Llen) {
  EXPECT_EQ(RunRaw({"LLEN", "nokey"}), ":0\r\n");
  Run({"RPUSH", "l", "a", "b"});
  EXPECT_EQ(RunRaw({"LLEN", "l"}), ":2\r\n");
  EXPECT_THAT(Run({"LLEN"}), IsError("ERR wrong number of arguments for 'llen' command"));
  EXPECT_THAT(Run({"LLEN", "l", "x"}), IsError("ERR wrong number of arguments for 'llen' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LLEN", "s"}), IsError(kWrongType));
}

TEST_F(ListFamilyTest, TypeAndEncoding) {
  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(RunRaw({"TYPE", "l"}), "+list\r\n");
  // Redis 7.0 answers "quicklist" even for a one-element list (listpack lists came in 7.2).
  EXPECT_EQ(RunRaw({"OBJECT", "ENCODING", "l"}), "$9\r\nquicklist\r\n");
  EXPECT_EQ(RunRaw({"OBJECT", "ENCODING", "nokey"}), "$-1\r\n");
}

// LINDEX key index
TEST_F(ListFamilyTest, Lindex) {
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(RunRaw({"LINDEX", "l", "0"}), "$1\r\na\r\n");
  EXPECT_THAT(Run({"LINDEX", "l", "-1"}), IsBulk("e"));
  EXPECT_THAT(Run({"LINDEX", "l", "-5"}), IsBulk("a"));
  EXPECT_EQ(RunRaw({"LINDEX", "l", "-6"}), "$-1\r\n");
  EXPECT_EQ(RunRaw({"LINDEX", "l", "5"}), "$-1\r\n");
  EXPECT_THAT(Run({"LINDEX", "l", "x"}), IsError(kNotInteger));
  EXPECT_EQ(RunRaw({"LINDEX", "nokey", "0"}), "$-1\r\n");
  // Redis looks the key up before parsing the index.
  EXPECT_EQ(RunRaw({"LINDEX", "nokey", "x"}), "$-1\r\n");
  EXPECT_THAT(Run({"LINDEX", "l"}), IsError("ERR wrong number of arguments for 'lindex' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LINDEX", "s", "0"}), IsError(kWrongType));
  EXPECT_THAT(Run({"LINDEX", "s", "x"}), IsError(kWrongType));
}

// LRANGE key start stop
TEST_F(ListFamilyTest, Lrange) {
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(RunRaw({"LRANGE", "l", "1", "2"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_THAT(Run({"LRANGE", "l", "-2", "-1"}), IsArray(Strings{"d", "e"}));
  EXPECT_THAT(Run({"LRANGE", "l", "-100", "100"}), IsArray(Strings{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(RunRaw({"LRANGE", "l", "3", "1"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"LRANGE", "l", "5", "10"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"LRANGE", "l", "-1", "-3"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"LRANGE", "nokey", "0", "-1"}), "*0\r\n");
  EXPECT_THAT(Run({"LRANGE", "l", "0", "x"}), IsError(kNotInteger));
  // Here the indexes are parsed before the key is looked up.
  EXPECT_THAT(Run({"LRANGE", "nokey", "0", "x"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"LRANGE", "l", "0"}), IsError("ERR wrong number of arguments for 'lrange' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LRANGE", "s", "0", "-1"}), IsError(kWrongType));
  EXPECT_THAT(Run({"LRANGE", "s", "0", "x"}), IsError(kNotInteger));
}

// LSET key index element
TEST_F(ListFamilyTest, Lset) {
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(RunRaw({"LSET", "l", "0", "A"}), "+OK\r\n");
  EXPECT_THAT(Run({"LSET", "l", "-1", "E"}), IsSimple("OK"));
  EXPECT_EQ(Range("l"), (Strings{"A", "b", "c", "d", "E"}));
  EXPECT_EQ(RunRaw({"LSET", "l", "5", "x"}), "-ERR index out of range\r\n");
  EXPECT_THAT(Run({"LSET", "l", "-6", "x"}), IsError("ERR index out of range"));
  EXPECT_EQ(RunRaw({"LSET", "nokey", "0", "x"}), "-ERR no such key\r\n");
  EXPECT_THAT(Run({"EXISTS", "nokey"}), IsInt(0));
  EXPECT_THAT(Run({"LSET", "l", "x", "y"}), IsError(kNotInteger));
  // The key is looked up (and type-checked) before the index is parsed.
  EXPECT_THAT(Run({"LSET", "nokey", "x", "y"}), IsError("ERR no such key"));
  EXPECT_THAT(Run({"LSET", "l", "0"}), IsError("ERR wrong number of arguments for 'lset' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LSET", "s", "0", "x"}), IsError(kWrongType));
  EXPECT_THAT(Run({"LSET", "s", "x", "y"}), IsError(kWrongType));
  EXPECT_EQ(Range("l"), (Strings{"A", "b", "c", "d", "E"}));
}

// LREM key count element
TEST_F(ListFamilyTest, Lrem) {
  Run({"RPUSH", "l", "a", "b", "a", "c", "a", "b", "a"});
  EXPECT_EQ(RunRaw({"LREM", "l", "2", "a"}), ":2\r\n");  // from the head
  EXPECT_EQ(Range("l"), (Strings{"b", "c", "a", "b", "a"}));
  EXPECT_THAT(Run({"LREM", "l", "-1", "a"}), IsInt(1));  // from the tail
  EXPECT_EQ(Range("l"), (Strings{"b", "c", "a", "b"}));
  EXPECT_THAT(Run({"LREM", "l", "0", "b"}), IsInt(2));  // all
  EXPECT_EQ(Range("l"), (Strings{"c", "a"}));
  EXPECT_THAT(Run({"LREM", "l", "0", "zz"}), IsInt(0));
  EXPECT_THAT(Run({"LREM", "nokey", "0", "a"}), IsInt(0));
  EXPECT_THAT(Run({"LREM", "l", "x", "a"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"LREM", "nokey", "x", "a"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"LREM", "l", "0", "c"}), IsInt(1));
  EXPECT_THAT(Run({"LREM", "l", "0", "a"}), IsInt(1));
  EXPECT_THAT(Run({"EXISTS", "l"}), IsInt(0));  // the emptied list is deleted
  EXPECT_THAT(Run({"LREM", "l", "0"}), IsError("ERR wrong number of arguments for 'lrem' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LREM", "s", "0", "a"}), IsError(kWrongType));
  EXPECT_THAT(Run({"LREM", "s", "x", "a"}), IsError(kNotInteger));  // count parsed first
}

// LINSERT key <BEFORE | AFTER> pivot element
TEST_F(ListFamilyTest, Linsert) {
  Run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(RunRaw({"LINSERT", "l", "BEFORE", "b", "X"}), ":4\r\n");
  EXPECT_EQ(RunRaw({"LINSERT", "l", "after", "c", "Y"}), ":5\r\n");
  EXPECT_EQ(Range("l"), (Strings{"a", "X", "b", "c", "Y"}));
  EXPECT_EQ(RunRaw({"LINSERT", "l", "AFTER", "zz", "Y"}), ":-1\r\n");  // pivot missing
  EXPECT_EQ(RunRaw({"LINSERT", "nokey", "BEFORE", "a", "b"}), ":0\r\n");  // key missing
  EXPECT_THAT(Run({"EXISTS", "nokey"}), IsInt(0));
  EXPECT_EQ(RunRaw({"LINSERT", "l", "MIDDLE", "a", "b"}), "-ERR syntax error\r\n");
  EXPECT_THAT(Run({"LINSERT", "nokey", "MIDDLE", "a", "b"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LINSERT", "l", "BEFORE", "a"}),
              IsError("ERR wrong number of arguments for 'linsert' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LINSERT", "s", "BEFORE", "a", "b"}), IsError(kWrongType));
  EXPECT_THAT(Run({"LINSERT", "s", "MIDDLE", "a", "b"}), IsError("ERR syntax error"));
  EXPECT_EQ(Range("l"), (Strings{"a", "X", "b", "c", "Y"}));
}

// LTRIM key start stop
TEST_F(ListFamilyTest, Ltrim) {
  Run({"RPUSH", "l", "a", "X", "b", "c", "Y"});
  EXPECT_EQ(RunRaw({"LTRIM", "l", "1", "-2"}), "+OK\r\n");
  EXPECT_EQ(Range("l"), (Strings{"X", "b", "c"}));
  EXPECT_THAT(Run({"LTRIM", "l", "5", "10"}), IsSimple("OK"));  // empties, so deletes
  EXPECT_THAT(Run({"EXISTS", "l"}), IsInt(0));
  EXPECT_THAT(Run({"LTRIM", "nokey", "0", "1"}), IsSimple("OK"));
  Run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_THAT(Run({"LTRIM", "l", "x", "1"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"LTRIM", "l", "-100", "100"}), IsSimple("OK"));
  EXPECT_EQ(Range("l"), (Strings{"a", "b", "c"}));
  EXPECT_THAT(Run({"LTRIM", "l", "-1", "-1"}), IsSimple("OK"));
  EXPECT_EQ(Range("l"), (Strings{"c"}));
  EXPECT_THAT(Run({"LTRIM", "l", "2", "1"}), IsSimple("OK"));
  EXPECT_THAT(Run({"EXISTS", "l"}), IsInt(0));
  EXPECT_THAT(Run({"LTRIM", "l", "0"}), IsError("ERR wrong number of arguments for 'ltrim' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LTRIM", "s", "0", "1"}), IsError(kWrongType));
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
TEST_F(ListFamilyTest, Lpos) {
  Run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(RunRaw({"LPOS", "l", "c"}), ":2\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "l", "zz"}), "$-1\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "nokey", "c"}), "$-1\r\n");
  EXPECT_THAT(Run({"LPOS", "l", "c", "RANK", "2"}), IsInt(6));
  EXPECT_THAT(Run({"LPOS", "l", "c", "RANK", "-1"}), IsInt(7));
  EXPECT_THAT(Run({"LPOS", "l", "c", "RANK", "-2"}), IsInt(6));
  EXPECT_THAT(Run({"LPOS", "l", "c", "RANK", "1", "RANK", "2"}), IsInt(6));  // last one wins
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "RANK", "9223372036854775807"}), "$-1\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "RANK", "-9223372036854775807"}), "$-1\r\n");
  // COUNT: 0 means all matches; a missing key or no match gives an empty array.
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "COUNT", "0"}), "*3\r\n:2\r\n:6\r\n:7\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "COUNT", "2"}), "*2\r\n:2\r\n:6\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "COUNT", "10"}), "*3\r\n:2\r\n:6\r\n:7\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "l", "zz", "COUNT", "2"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "nokey", "c", "COUNT", "2"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "RANK", "-1", "COUNT", "2"}), "*2\r\n:7\r\n:6\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "rank", "2", "count", "0"}), "*2\r\n:6\r\n:7\r\n");
  // MAXLEN: compare at most len elements; 0 means the whole list.
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "MAXLEN", "2"}), "$-1\r\n");
  EXPECT_THAT(Run({"LPOS", "l", "c", "MAXLEN", "3"}), IsInt(2));
  EXPECT_THAT(Run({"LPOS", "l", "c", "MAXLEN", "0"}), IsInt(2));
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"}), "*2\r\n:2\r\n:6\r\n");
  EXPECT_THAT(Run({"LPOS", "l", "c", "RANK", "-1", "MAXLEN", "1"}), IsInt(7));
  EXPECT_THAT(Run({"LPOS", "l"}), IsError("ERR wrong number of arguments for 'lpos' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LPOS", "s", "c"}), IsError(kWrongType));
}

TEST_F(ListFamilyTest, LposErrors) {
  Run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  Run({"SET", "s", "x"});
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "RANK", "0"}), std::string("-") + kRankZero + "\r\n");
  // Options are validated before the key is looked up.
  EXPECT_THAT(Run({"LPOS", "nokey", "c", "RANK", "0"}), IsError(kRankZero));
  EXPECT_THAT(Run({"LPOS", "s", "c", "RANK", "0"}), IsError(kRankZero));
  EXPECT_THAT(Run({"LPOS", "s", "c", "FOO"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LPOS", "l", "c", "RANK", "x"}), IsError(kNotInteger));
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "COUNT", "-1"}), "-ERR COUNT can't be negative\r\n");
  // A non-integer COUNT or MAXLEN gets the same custom text as a negative one.
  EXPECT_THAT(Run({"LPOS", "l", "c", "COUNT", "x"}), IsError("ERR COUNT can't be negative"));
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "MAXLEN", "-1"}), "-ERR MAXLEN can't be negative\r\n");
  EXPECT_THAT(Run({"LPOS", "l", "c", "MAXLEN", "x"}), IsError("ERR MAXLEN can't be negative"));
  EXPECT_THAT(Run({"LPOS", "l", "c", "FOO", "1"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LPOS", "l", "c", "RANK"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LPOS", "l", "c", "COUNT"}), IsError("ERR syntax error"));
}

// RANK LONG_MIN: redis-server 7.0.15 negates the rank with signed overflow, so the rank stays
// negative, every match qualifies and the first match from the tail is returned.
TEST_F(ListFamilyTest, LposRankLongMin) {
  Run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(RunRaw({"LPOS", "l", "c", "RANK", "-9223372036854775808"}), ":7\r\n");
}

// LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
TEST_F(ListFamilyTest, Lmove) {
  Run({"RPUSH", "r", "1", "2", "3"});
  EXPECT_EQ(RunRaw({"LMOVE", "r", "r", "LEFT", "RIGHT"}), "$1\r\n1\r\n");  // rotation
  EXPECT_EQ(Range("r"), (Strings{"2", "3", "1"}));
  EXPECT_THAT(Run({"LMOVE", "r", "r", "RIGHT", "LEFT"}), IsBulk("1"));
  EXPECT_EQ(Range("r"), (Strings{"1", "2", "3"}));
  EXPECT_THAT(Run({"LMOVE", "r", "d", "LEFT", "LEFT"}), IsBulk("1"));
  EXPECT_THAT(Run({"LMOVE", "r", "d", "right", "right"}), IsBulk("3"));
  EXPECT_EQ(Range("d"), (Strings{"1", "3"}));
  EXPECT_EQ(RunRaw({"LMOVE", "nokey", "d", "LEFT", "LEFT"}), "$-1\r\n");
  EXPECT_THAT(Run({"LMOVE", "r", "d", "UP", "LEFT"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LMOVE", "r", "d", "LEFT", "DOWN"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LMOVE", "r", "d", "LEFT"}),
              IsError("ERR wrong number of arguments for 'lmove' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"LMOVE", "r", "s", "LEFT", "LEFT"}), IsError(kWrongType));
  EXPECT_EQ(Range("r"), (Strings{"2"}));  // nothing popped
  EXPECT_THAT(Run({"LMOVE", "s", "r", "LEFT", "LEFT"}), IsError(kWrongType));
  EXPECT_EQ(RunRaw({"LMOVE", "nokey", "s", "LEFT", "LEFT"}), "$-1\r\n");  // empty source first
  EXPECT_THAT(Run({"LMOVE", "r", "d", "LEFT", "LEFT"}), IsBulk("2"));
  EXPECT_THAT(Run({"EXISTS", "r"}), IsInt(0));
}

// RPOPLPUSH source destination
TEST_F(ListFamilyTest, Rpoplpush) {
  Run({"RPUSH", "r", "1", "2", "3"});
  EXPECT_EQ(RunRaw({"RPOPLPUSH", "r", "r"}), "$1\r\n3\r\n");  // same key: rotation
  EXPECT_EQ(Range("r"), (Strings{"3", "1", "2"}));
  EXPECT_THAT(Run({"RPOPLPUSH", "r", "d"}), IsBulk("2"));
  EXPECT_THAT(Run({"RPOPLPUSH", "r", "d"}), IsBulk("1"));
  EXPECT_EQ(Range("d"), (Strings{"1", "2"}));
  Run({"RPUSH", "one", "x"});
  EXPECT_THAT(Run({"RPOPLPUSH", "one", "one"}), IsBulk("x"));
  EXPECT_EQ(Range("one"), (Strings{"x"}));
  Run({"SET", "s", "x"});
  EXPECT_EQ(RunRaw({"RPOPLPUSH", "d", "s"}), kWrongTypeRaw);  // WRONGTYPE on destination
  EXPECT_EQ(Range("d"), (Strings{"1", "2"}));                 // and nothing popped
  EXPECT_THAT(Run({"RPOPLPUSH", "s", "d"}), IsError(kWrongType));
  EXPECT_EQ(RunRaw({"RPOPLPUSH", "nokey", "s"}), "$-1\r\n");
  EXPECT_THAT(Run({"RPOPLPUSH", "d"}),
              IsError("ERR wrong number of arguments for 'rpoplpush' command"));
  Run({"DEL", "r"});
  EXPECT_EQ(RunRaw({"RPOPLPUSH", "r", "d"}), "$-1\r\n");
}

// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
TEST_F(ListFamilyTest, Lmpop) {
  Run({"RPUSH", "a", "1", "2", "3"});
  Run({"RPUSH", "b", "4", "5"});
  EXPECT_EQ(RunRaw({"LMPOP", "2", "nokey", "a", "LEFT"}), "*2\r\n$1\r\na\r\n*1\r\n$1\r\n1\r\n");
  EXPECT_EQ(RunRaw({"LMPOP", "2", "a", "b", "RIGHT", "COUNT", "10"}),
            "*2\r\n$1\r\na\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
  EXPECT_THAT(Run({"EXISTS", "a"}), IsInt(0));
  EXPECT_EQ(RunRaw({"LMPOP", "1", "a", "LEFT"}), "*-1\r\n");
  EXPECT_EQ(RunRaw({"LMPOP", "2", "nokey", "a", "LEFT", "COUNT", "2"}), "*-1\r\n");
  EXPECT_EQ(RunRaw({"LMPOP", "1", "b", "left", "COUNT", "1"}), "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n4\r\n");
  Run({"SET", "s", "x"});
  // Keys are tried in order: a list before the string is popped, the string first is an error.
  EXPECT_EQ(RunRaw({"LMPOP", "2", "b", "s", "LEFT"}), "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n5\r\n");
  Run({"RPUSH", "a", "1"});
  EXPECT_THAT(Run({"LMPOP", "2", "s", "a", "LEFT"}), IsError(kWrongType));
  EXPECT_EQ(Range("a"), (Strings{"1"}));
}

TEST_F(ListFamilyTest, LmpopErrors) {
  Run({"RPUSH", "a", "1", "2", "3"});
  EXPECT_EQ(RunRaw({"LMPOP", "0", "a", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_THAT(Run({"LMPOP", "-1", "a", "LEFT"}), IsError("ERR numkeys should be greater than 0"));
  EXPECT_THAT(Run({"LMPOP", "x", "a", "LEFT"}), IsError("ERR numkeys should be greater than 0"));
  EXPECT_THAT(Run({"LMPOP", "3", "a", "LEFT"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LMPOP", "5", "a", "b"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LMPOP", "9223372036854775807", "a", "LEFT"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LMPOP", "1", "a", "MIDDLE"}), IsError("ERR syntax error"));
  EXPECT_EQ(RunRaw({"LMPOP", "1", "a", "LEFT", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_THAT(Run({"LMPOP", "1", "a", "LEFT", "COUNT", "-1"}),
              IsError("ERR count should be greater than 0"));
  EXPECT_THAT(Run({"LMPOP", "1", "a", "LEFT", "COUNT", "x"}),
              IsError("ERR count should be greater than 0"));
  EXPECT_THAT(Run({"LMPOP", "1", "a", "LEFT", "COUNT"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "2"}),
              IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LMPOP", "1", "a", "LEFT", "FOO", "1"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"LMPOP", "1", "a"}), IsError("ERR wrong number of arguments for 'lmpop' command"));
  EXPECT_THAT(Run({"LMPOP", "1"}), IsError("ERR wrong number of arguments for 'lmpop' command"));
  EXPECT_EQ(Range("a"), (Strings{"1", "2", "3"}));  // no error popped anything
}

// BLPOP key [key ...] timeout, on keys that have data, so it never blocks.
TEST_F(ListFamilyTest, Blpop) {
  Run({"RPUSH", "a", "1", "2", "3"});
  Run({"RPUSH", "b", "4", "5"});
  EXPECT_EQ(RunRaw({"BLPOP", "nokey", "a", "0"}), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(RunRaw({"BLPOP", "a", "1.5"}), "*2\r\n$1\r\na\r\n$1\r\n2\r\n");
  EXPECT_THAT(Run({"BLPOP", "a", "-1"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"BLPOP", "a", "x"}), IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BLPOP", "a"}), IsError("ERR wrong number of arguments for 'blpop' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"BLPOP", "s", "0"}), IsError(kWrongType));
  EXPECT_THAT(Run({"BLPOP", "nokey", "s", "0"}), IsError(kWrongType));
  EXPECT_EQ(RunRaw({"BLPOP", "b", "s", "0"}), "*2\r\n$1\r\nb\r\n$1\r\n4\r\n");
  EXPECT_EQ(RunRaw({"BLPOP", "a", "0"}), "*2\r\n$1\r\na\r\n$1\r\n3\r\n");
  EXPECT_THAT(Run({"EXISTS", "a"}), IsInt(0));
}

// BRPOP key [key ...] timeout
TEST_F(ListFamilyTest, Brpop) {
  Run({"RPUSH", "a", "1", "2", "3"});
  EXPECT_EQ(RunRaw({"BRPOP", "nokey", "a", "1.5"}), "*2\r\n$1\r\na\r\n$1\r\n3\r\n");
  EXPECT_THAT(Run({"BRPOP", "a", "-1"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"BRPOP", "a", "x"}), IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BRPOP", "a"}), IsError("ERR wrong number of arguments for 'brpop' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"BRPOP", "s", "0"}), IsError(kWrongType));
  EXPECT_EQ(Range("a"), (Strings{"1", "2"}));
}

// How BLPOP reads its timeout: seconds as a long double, then truncated to milliseconds and
// checked for being negative, so tiny negatives pass and overflows read as negative.
TEST_F(ListFamilyTest, BlockingTimeoutParsing) {
  Run({"RPUSH", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"});
  EXPECT_EQ(RunRaw({"BLPOP", "a", "-0"}), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_THAT(Run({"BLPOP", "a", "0.001"}), IsArray(Strings{"a", "2"}));
  EXPECT_THAT(Run({"BLPOP", "a", "1e3"}), IsArray(Strings{"a", "3"}));
  EXPECT_THAT(Run({"BLPOP", "a", "-0.0001"}), IsArray(Strings{"a", "4"}));  // -0.1 ms → 0
  EXPECT_THAT(Run({"BLPOP", "a", "0x10"}), IsArray(Strings{"a", "5"}));     // strtold hex
  EXPECT_THAT(Run({"BLPOP", "a", "nan"}), IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BLPOP", "a", "0.1x"}), IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BLPOP", "a", " 1"}), IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BLPOP", "a", ""}), IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BLPOP", "a", "inf"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"BLPOP", "a", "1e400"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"BLPOP", "a", "9223372036854775807"}), IsError("ERR timeout is negative"));
  EXPECT_EQ(Range("a"), (Strings{"6", "7", "8", "9", "10"}));
}

// BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout
TEST_F(ListFamilyTest, Blmove) {
  Run({"RPUSH", "a", "1", "2", "3"});
  EXPECT_EQ(RunRaw({"BLMOVE", "a", "d", "LEFT", "RIGHT", "0"}), "$1\r\n1\r\n");
  EXPECT_THAT(Run({"BLMOVE", "a", "a", "RIGHT", "LEFT", "0"}), IsBulk("3"));
  EXPECT_EQ(Range("a"), (Strings{"3", "2"}));
  EXPECT_EQ(Range("d"), (Strings{"1"}));
  EXPECT_THAT(Run({"BLMOVE", "a", "d", "LEFT", "RIGHT", "-1"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"BLMOVE", "a", "d", "LEFT", "RIGHT", "x"}),
              IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BLMOVE", "a", "d", "UP", "RIGHT", "0"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"BLMOVE", "a", "d", "UP", "RIGHT", "-1"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"BLMOVE", "a", "d", "LEFT", "RIGHT"}),
              IsError("ERR wrong number of arguments for 'blmove' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"BLMOVE", "a", "s", "LEFT", "RIGHT", "0"}), IsError(kWrongType));
  EXPECT_EQ(Range("a"), (Strings{"3", "2"}));
}

// BRPOPLPUSH source destination timeout
TEST_F(ListFamilyTest, Brpoplpush) {
  Run({"RPUSH", "a", "1", "2", "3"});
  EXPECT_EQ(RunRaw({"BRPOPLPUSH", "a", "d", "0"}), "$1\r\n3\r\n");
  EXPECT_THAT(Run({"BRPOPLPUSH", "a", "a", "0"}), IsBulk("2"));
  EXPECT_EQ(Range("a"), (Strings{"2", "1"}));
  EXPECT_THAT(Run({"BRPOPLPUSH", "a", "d", "-1"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"BRPOPLPUSH", "a", "d", "x"}),
              IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BRPOPLPUSH", "a", "d"}),
              IsError("ERR wrong number of arguments for 'brpoplpush' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"BRPOPLPUSH", "a", "s", "0"}), IsError(kWrongType));
  EXPECT_EQ(Range("d"), (Strings{"3"}));
}

// BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
TEST_F(ListFamilyTest, Blmpop) {
  Run({"RPUSH", "d", "7", "8", "9"});
  EXPECT_EQ(RunRaw({"BLMPOP", "0", "2", "nokey", "d", "LEFT", "COUNT", "2"}),
            "*2\r\n$1\r\nd\r\n*2\r\n$1\r\n7\r\n$1\r\n8\r\n");
  EXPECT_THAT(Run({"BLMPOP", "-1", "1", "d", "LEFT"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"BLMPOP", "x", "1", "d", "LEFT"}),
              IsError("ERR timeout is not a float or out of range"));
  EXPECT_THAT(Run({"BLMPOP", "0", "0", "d", "LEFT"}),
              IsError("ERR numkeys should be greater than 0"));
  // numkeys is validated before the timeout.
  EXPECT_THAT(Run({"BLMPOP", "-1", "0", "d", "LEFT"}),
              IsError("ERR numkeys should be greater than 0"));
  EXPECT_THAT(Run({"BLMPOP", "x", "0", "d", "LEFT"}),
              IsError("ERR numkeys should be greater than 0"));
  EXPECT_THAT(Run({"BLMPOP", "0", "1", "d", "MIDDLE"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"BLMPOP", "0", "1", "d", "LEFT", "COUNT", "0"}),
              IsError("ERR count should be greater than 0"));
  EXPECT_THAT(Run({"BLMPOP", "0", "1", "d"}),
              IsError("ERR wrong number of arguments for 'blmpop' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"BLMPOP", "0", "1", "s", "LEFT"}), IsError(kWrongType));
  EXPECT_EQ(Range("d"), (Strings{"9"}));
}

// Inside MULTI a blocking command on empty keys does not block: it replies as if it timed out.
TEST_F(ListFamilyTest, BlockingCommandsInMultiReturnNil) {
  EXPECT_THAT(Run({"MULTI"}), IsSimple("OK"));
  EXPECT_EQ(RunRaw({"BLPOP", "nokey", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunRaw({"BRPOP", "nokey", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunRaw({"BLMOVE", "nokey", "d", "LEFT", "LEFT", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunRaw({"BRPOPLPUSH", "nokey", "d", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunRaw({"BLMPOP", "0", "1", "nokey", "LEFT", "COUNT", "3"}), "+QUEUED\r\n");
  EXPECT_EQ(RunRaw({"BLPOP", "nokey", "-1"}), "+QUEUED\r\n");
  EXPECT_EQ(RunRaw({"EXEC"}),
            "*6\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n-ERR timeout is negative\r\n");
  EXPECT_THAT(Run({"EXISTS", "d"}), IsInt(0));
}

// RESP3: both the null bulk and the null array become '_'.
TEST_F(ListFamilyTest, Resp3Nulls) {
  Run({"HELLO", "3"});
  EXPECT_EQ(RunRaw({"LPOP", "nokey"}), "_\r\n");
  EXPECT_EQ(RunRaw({"LPOP", "nokey", "2"}), "_\r\n");
  EXPECT_EQ(RunRaw({"LMPOP", "1", "nokey", "LEFT"}), "_\r\n");
  EXPECT_EQ(RunRaw({"LPOS", "nokey", "a"}), "_\r\n");
  EXPECT_EQ(RunRaw({"RPUSH", "l", "a"}), ":1\r\n");
  EXPECT_EQ(RunRaw({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"LMPOP", "1", "l", "LEFT"}), "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n");
  EXPECT_THAT(Run({"MULTI"}), IsSimple("OK"));
  EXPECT_EQ(RunRaw({"BLPOP", "nokey", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunRaw({"BLMOVE", "nokey", "d", "LEFT", "LEFT", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(RunRaw({"EXEC"}), "*2\r\n_\r\n_\r\n");
}

// Every list command refuses a string key with WRONGTYPE.
TEST_F(ListFamilyTest, WrongTypeEverywhere) {
  Run({"SET", "s", "x"});
  Run({"RPUSH", "l", "a"});
  const std::vector<std::vector<std::string>> commands = {
      {"LPUSH", "s", "a"},         {"RPUSH", "s", "a"},
      {"LPUSHX", "s", "a"},        {"RPUSHX", "s", "a"},
      {"LPOP", "s"},               {"RPOP", "s"},
      {"LPOP", "s", "2"},          {"RPOP", "s", "2"},
      {"LLEN", "s"},               {"LINDEX", "s", "0"},
      {"LRANGE", "s", "0", "-1"},  {"LSET", "s", "0", "x"},
      {"LREM", "s", "0", "a"},     {"LINSERT", "s", "BEFORE", "a", "b"},
      {"LTRIM", "s", "0", "1"},    {"LPOS", "s", "a"},
      {"LMOVE", "s", "l", "LEFT", "LEFT"},
      {"LMOVE", "l", "s", "LEFT", "LEFT"},
      {"RPOPLPUSH", "s", "l"},     {"RPOPLPUSH", "l", "s"},
      {"LMPOP", "1", "s", "LEFT"}, {"BLPOP", "s", "0"},
      {"BRPOP", "s", "0"},         {"BLMOVE", "s", "l", "LEFT", "LEFT", "0"},
      {"BRPOPLPUSH", "l", "s", "0"},
      {"BLMPOP", "0", "1", "s", "RIGHT"},
  };
  for (const auto& argv : commands) {
    EXPECT_THAT(Run(argv), IsError(kWrongType)) << argv[0];
  }
  EXPECT_THAT(Run({"GET", "s"}), IsBulk("x"));
  EXPECT_EQ(Range("l"), (Strings{"a"}));
}

TEST_F(ListFamilyTest, WrongArity) {
  const std::vector<std::vector<std::string>> commands = {
      {"lpush", "k"},  {"rpush", "k"},  {"lpushx", "k"},        {"rpushx", "k"},
      {"lpop"},        {"rpop"},        {"llen"},               {"lindex", "k"},
      {"lrange", "k"}, {"lset", "k"},   {"lrem", "k", "0"},     {"linsert", "k", "BEFORE"},
      {"ltrim", "k"},  {"lpos", "k"},   {"lmove", "a", "b"},    {"rpoplpush", "a"},
      {"lmpop", "1"},  {"blpop", "k"},  {"brpop", "k"},         {"blmove", "a", "b", "LEFT"},
      {"brpoplpush", "a", "b"},         {"blmpop", "0", "1"},
  };
  for (const auto& argv : commands) {
    EXPECT_THAT(Run(argv),
                IsError("ERR wrong number of arguments for '" + argv[0] + "' command"));
  }
}

}  // namespace
}  // namespace eddy::testing
