// The hash family through the real dispatch path. Every expected reply was checked against
// redis-server 7.0.15 (RESP2 unless a test says otherwise). Field order is not part of the
// contract (Redis' own order depends on the encoding), so multi-field replies are compared as
// sets or maps; single-field replies are compared byte for byte.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/family_test.h"

namespace eddy::testing {
namespace {

using Strings = std::vector<std::string>;
using ::testing::UnorderedElementsAre;

constexpr char kWrongType[] = "WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr char kWrongTypeRaw[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
constexpr char kNotFloat[] = "ERR value is not a valid float";
constexpr char kHashNotInteger[] = "ERR hash value is not an integer";
constexpr char kHashNotFloat[] = "ERR hash value is not a float";

class HashFamilyTest : public FamilyTest {
 protected:
  // HGETALL as a field → value map.
  std::map<std::string, std::string> GetAll(std::string_view key) {
    Strings flat = Run({"HGETALL", key}).strings();
    std::map<std::string, std::string> out;
    for (size_t i = 0; i + 1 < flat.size(); i += 2) out[flat[i]] = flat[i + 1];
    EXPECT_EQ(out.size() * 2, flat.size());
    return out;
  }
};

// HSET key field value [field value ...]
TEST_F(HashFamilyTest, Hset) {
  EXPECT_EQ(RunRaw({"HSET", "h", "f1", "v1", "f2", "v2"}), ":2\r\n");
  EXPECT_EQ(RunRaw({"HSET", "h", "f1", "v1b", "f3", "v3"}), ":1\r\n");  // counts new fields only
  EXPECT_EQ(GetAll("h"), (std::map<std::string, std::string>{
                             {"f1", "v1b"}, {"f2", "v2"}, {"f3", "v3"}}));
  EXPECT_EQ(RunRaw({"HSET", "h2", "a", "1", "a", "2"}), ":1\r\n");  // last value wins
  EXPECT_THAT(Run({"HGET", "h2", "a"}), IsBulk("2"));
  EXPECT_EQ(RunRaw({"HSET", "h", "f1"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  // An odd number of field/value arguments is also an arity error, not a syntax error.
  EXPECT_THAT(Run({"HSET", "h", "f1", "v1", "f2"}),
              IsError("ERR wrong number of arguments for 'hset' command"));
  EXPECT_THAT(Run({"HSET", "h"}), IsError("ERR wrong number of arguments for 'hset' command"));
  EXPECT_THAT(Run({"HGET", "h", "f1"}), IsBulk("v1b"));  // nothing written by the errors
  Run({"SET", "s", "x"});
  EXPECT_EQ(RunRaw({"HSET", "s", "f", "v"}), kWrongTypeRaw);
}

// HSETNX key field value
TEST_F(HashFamilyTest, Hsetnx) {
  Run({"HSET", "h", "f1", "v1"});
  EXPECT_EQ(RunRaw({"HSETNX", "h", "f1", "x"}), ":0\r\n");
  EXPECT_THAT(Run({"HGET", "h", "f1"}), IsBulk("v1"));
  EXPECT_EQ(RunRaw({"HSETNX", "h", "f9", "x"}), ":1\r\n");
  EXPECT_THAT(Run({"HSETNX", "nokey", "f", "x"}), IsInt(1));
  EXPECT_THAT(Run({"HGET", "nokey", "f"}), IsBulk("x"));
  EXPECT_THAT(Run({"HSETNX", "h", "f"}),
              IsError("ERR wrong number of arguments for 'hsetnx' command"));
  EXPECT_THAT(Run({"HSETNX", "h", "f", "v", "extra"}),
              IsError("ERR wrong number of arguments for 'hsetnx' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HSETNX", "s", "f", "x"}), IsError(kWrongType));
}

// HGET key field
TEST_F(HashFamilyTest, Hget) {
  Run({"HSET", "h", "f1", "v1b"});
  EXPECT_EQ(RunRaw({"HGET", "h", "f1"}), "$3\r\nv1b\r\n");
  EXPECT_EQ(RunRaw({"HGET", "h", "nof"}), "$-1\r\n");
  EXPECT_EQ(RunRaw({"HGET", "nokey", "f"}), "$-1\r\n");
  EXPECT_THAT(Run({"HGET", "h"}), IsError("ERR wrong number of arguments for 'hget' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HGET", "s", "f"}), IsError(kWrongType));
}

// HMGET key field [field ...]
TEST_F(HashFamilyTest, Hmget) {
  Run({"HSET", "h", "f1", "v1b", "f2", "v2"});
  EXPECT_EQ(RunRaw({"HMGET", "h", "f1", "nof", "f2"}), "*3\r\n$3\r\nv1b\r\n$-1\r\n$2\r\nv2\r\n");
  EXPECT_EQ(RunRaw({"HMGET", "nokey", "a", "b"}), "*2\r\n$-1\r\n$-1\r\n");
  EXPECT_THAT(Run({"HMGET", "h"}), IsError("ERR wrong number of arguments for 'hmget' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HMGET", "s", "a"}), IsError(kWrongType));
}

// HMSET key field value [field value ...]
TEST_F(HashFamilyTest, Hmset) {
  EXPECT_EQ(RunRaw({"HMSET", "h", "a", "1", "b", "2"}), "+OK\r\n");
  EXPECT_EQ(RunRaw({"HMSET", "h", "a", "3"}), "+OK\r\n");  // OK even when nothing is new
  EXPECT_EQ(GetAll("h"), (std::map<std::string, std::string>{{"a", "3"}, {"b", "2"}}));
  EXPECT_THAT(Run({"HMSET", "h", "a"}), IsError("ERR wrong number of arguments for 'hmset' command"));
  EXPECT_THAT(Run({"HMSET", "h", "a", "1", "b"}),
              IsError("ERR wrong number of arguments for 'hmset' command"));
  EXPECT_THAT(Run({"HMSET", "h"}), IsError("ERR wrong number of arguments for 'hmset' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HMSET", "s", "a", "1"}), IsError(kWrongType));
}

// HDEL key field [field ...]
TEST_F(HashFamilyTest, Hdel) {
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(RunRaw({"HDEL", "h", "a", "b", "nof"}), ":2\r\n");
  EXPECT_THAT(Run({"HDEL", "h", "nof"}), IsInt(0));
  EXPECT_THAT(Run({"HDEL", "h", "c", "c"}), IsInt(1));  // a repeated field counts once
  EXPECT_THAT(Run({"EXISTS", "h"}), IsInt(0));          // the emptied hash is deleted
  EXPECT_THAT(Run({"HDEL", "nokey", "a"}), IsInt(0));
  EXPECT_THAT(Run({"HDEL", "h"}), IsError("ERR wrong number of arguments for 'hdel' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HDEL", "s", "a"}), IsError(kWrongType));
}

// HEXISTS key field
TEST_F(HashFamilyTest, Hexists) {
  Run({"HSET", "h", "f1", "v1"});
  EXPECT_EQ(RunRaw({"HEXISTS", "h", "f1"}), ":1\r\n");
  EXPECT_EQ(RunRaw({"HEXISTS", "h", "nof"}), ":0\r\n");
  EXPECT_THAT(Run({"HEXISTS", "nokey", "f"}), IsInt(0));
  EXPECT_THAT(Run({"HEXISTS", "h"}), IsError("ERR wrong number of arguments for 'hexists' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HEXISTS", "s", "f"}), IsError(kWrongType));
}

// HLEN key
TEST_F(HashFamilyTest, Hlen) {
  EXPECT_EQ(RunRaw({"HLEN", "nokey"}), ":0\r\n");
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"});
  EXPECT_EQ(RunRaw({"HLEN", "h"}), ":4\r\n");
  EXPECT_THAT(Run({"HLEN", "h", "x"}), IsError("ERR wrong number of arguments for 'hlen' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HLEN", "s"}), IsError(kWrongType));
}

// HSTRLEN key field
TEST_F(HashFamilyTest, Hstrlen) {
  Run({"HSET", "h", "f1", "v1b", "e", ""});
  EXPECT_EQ(RunRaw({"HSTRLEN", "h", "f1"}), ":3\r\n");
  EXPECT_THAT(Run({"HSTRLEN", "h", "e"}), IsInt(0));
  EXPECT_THAT(Run({"HSTRLEN", "h", "nof"}), IsInt(0));
  EXPECT_THAT(Run({"HSTRLEN", "nokey", "f"}), IsInt(0));
  Run({"HINCRBYFLOAT", "h", "n", "2.5"});
  EXPECT_THAT(Run({"HSTRLEN", "h", "n"}), IsInt(3));
  EXPECT_THAT(Run({"HSTRLEN", "h"}), IsError("ERR wrong number of arguments for 'hstrlen' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HSTRLEN", "s", "f"}), IsError(kWrongType));
}

// HKEYS key
TEST_F(HashFamilyTest, Hkeys) {
  EXPECT_EQ(RunRaw({"HKEYS", "nokey"}), "*0\r\n");
  Run({"HSET", "h", "f1", "v1"});
  EXPECT_EQ(RunRaw({"HKEYS", "h"}), "*1\r\n$2\r\nf1\r\n");
  Run({"HSET", "h", "f2", "v2", "f3", "v3"});
  EXPECT_THAT(Run({"HKEYS", "h"}).strings(), UnorderedElementsAre("f1", "f2", "f3"));
  EXPECT_THAT(Run({"HKEYS", "h", "x"}), IsError("ERR wrong number of arguments for 'hkeys' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HKEYS", "s"}), IsError(kWrongType));
}

// HVALS key
TEST_F(HashFamilyTest, Hvals) {
  EXPECT_EQ(RunRaw({"HVALS", "nokey"}), "*0\r\n");
  Run({"HSET", "h", "f1", "v1"});
  EXPECT_EQ(RunRaw({"HVALS", "h"}), "*1\r\n$2\r\nv1\r\n");
  Run({"HSET", "h", "f2", "v2", "f3", "v1"});
  EXPECT_THAT(Run({"HVALS", "h"}).strings(), UnorderedElementsAre("v1", "v2", "v1"));
  EXPECT_THAT(Run({"HVALS"}), IsError("ERR wrong number of arguments for 'hvals' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HVALS", "s"}), IsError(kWrongType));
}

// HGETALL key
TEST_F(HashFamilyTest, Hgetall) {
  EXPECT_EQ(RunRaw({"HGETALL", "nokey"}), "*0\r\n");
  Run({"HSET", "h", "f1", "v1"});
  EXPECT_EQ(RunRaw({"HGETALL", "h"}), "*2\r\n$2\r\nf1\r\n$2\r\nv1\r\n");
  Run({"HSET", "h", "f2", "v2", "f3", "v3"});
  EXPECT_EQ(Run({"HGETALL", "h"}).elements.size(), 6u);
  EXPECT_EQ(GetAll("h"), (std::map<std::string, std::string>{
                             {"f1", "v1"}, {"f2", "v2"}, {"f3", "v3"}}));
  EXPECT_THAT(Run({"HGETALL"}), IsError("ERR wrong number of arguments for 'hgetall' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HGETALL", "s"}), IsError(kWrongType));
}

// HINCRBY key field increment
TEST_F(HashFamilyTest, Hincrby) {
  EXPECT_EQ(RunRaw({"HINCRBY", "h", "n", "5"}), ":5\r\n");
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "-2"}), IsInt(3));
  EXPECT_THAT(Run({"HGET", "h", "n"}), IsBulk("3"));
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "x"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "1.5"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "+2"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "-0"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "007"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HINCRBY", "nokey", "f", "9223372036854775808"}), IsError(kNotInteger));
  EXPECT_EQ(RunRaw({"HINCRBY", "h", "n", "9223372036854775807"}),
            "-ERR increment or decrement would overflow\r\n");
  EXPECT_THAT(Run({"HGET", "h", "n"}), IsBulk("3"));
  Run({"HSET", "h", "big", "9223372036854775807", "small", "-9223372036854775808"});
  EXPECT_THAT(Run({"HINCRBY", "h", "big", "1"}),
              IsError("ERR increment or decrement would overflow"));
  EXPECT_EQ(RunRaw({"HINCRBY", "h", "big", "0"}), ":9223372036854775807\r\n");
  EXPECT_THAT(Run({"HINCRBY", "h", "small", "-1"}),
              IsError("ERR increment or decrement would overflow"));
  EXPECT_EQ(RunRaw({"HINCRBY", "h", "small", "0"}), ":-9223372036854775808\r\n");
  // A value HINCRBYFLOAT wrote is an integer again when it has no fraction.
  Run({"HSET", "h", "sci", "1e3"});
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "sci", "1"}), IsBulk("1001"));
  EXPECT_THAT(Run({"HINCRBY", "h", "sci", "1"}), IsInt(1002));
  EXPECT_THAT(Run({"HINCRBY", "h", "n"}),
              IsError("ERR wrong number of arguments for 'hincrby' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HINCRBY", "s", "f", "1"}), IsError(kWrongType));
  EXPECT_THAT(Run({"HINCRBY", "s", "f", "x"}), IsError(kNotInteger));  // increment parsed first
}

TEST_F(HashFamilyTest, HincrbyOnNonIntegerFields) {
  Run({"HSET", "h", "str", "abc", "flt", "1.5", "sp", " 1", "empty", "", "zeros", "007", "plus",
       "+1", "dot", "1.0"});
  for (const char* field : {"str", "flt", "sp", "empty", "zeros", "plus", "dot"}) {
    EXPECT_EQ(RunRaw({"HINCRBY", "h", field, "1"}), "-ERR hash value is not an integer\r\n")
        << field;
  }
  EXPECT_THAT(Run({"HGET", "h", "flt"}), IsBulk("1.5"));
}

// HINCRBYFLOAT key field increment
TEST_F(HashFamilyTest, Hincrbyfloat) {
  EXPECT_EQ(RunRaw({"HINCRBYFLOAT", "h", "x", "10.5"}), "$4\r\n10.5\r\n");
  EXPECT_EQ(RunRaw({"HINCRBYFLOAT", "h", "x", "0.1"}), "$4\r\n10.6\r\n");
  EXPECT_THAT(Run({"HGET", "h", "x"}), IsBulk("10.6"));
  EXPECT_EQ(RunRaw({"HINCRBYFLOAT", "h", "y", "5.0e3"}), "$4\r\n5000\r\n");
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "y", "2.0e2"}), IsBulk("5200"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "z", "1"}), IsBulk("1"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "z", "-1"}), IsBulk("0"));
  EXPECT_THAT(Run({"HGET", "h", "z"}), IsBulk("0"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "z", "3.0"}), IsBulk("3"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "k", "1.10"}), IsBulk("1.1"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "k3", ".5"}), IsBulk("0.5"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "k4", "5."}), IsBulk("5"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "k5", "+2"}), IsBulk("2"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "v", "0x10"}), IsBulk("16"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "v2", "1e-5"}), IsBulk("0.00001"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "v4", "-0.0"}), IsBulk("0"));
  Run({"HSET", "h", "n", "3"});
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "n", "1.5"}), IsBulk("4.5"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "f"}),
              IsError("ERR wrong number of arguments for 'hincrbyfloat' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HINCRBYFLOAT", "s", "f", "1"}), IsError(kWrongType));
}

TEST_F(HashFamilyTest, HincrbyfloatErrors) {
  Run({"HSET", "h", "z", "3", "str", "abc", "empty", "", "sp", " 1", "trail", "1 ", "nan", "nan"});
  EXPECT_EQ(RunRaw({"HINCRBYFLOAT", "h", "z", "abc"}), "-ERR value is not a valid float\r\n");
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "w", "nan"}), IsError(kNotFloat));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "w", " 1"}), IsError(kNotFloat));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "w", "1.5 "}), IsError(kNotFloat));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "nokey", "f", "x"}), IsError(kNotFloat));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "w", "inf"}), IsError("ERR value is NaN or Infinity"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "w", "-inf"}), IsError("ERR value is NaN or Infinity"));
  for (const char* field : {"str", "empty", "sp", "trail", "nan"}) {
    EXPECT_EQ(RunRaw({"HINCRBYFLOAT", "h", field, "1"}), "-ERR hash value is not a float\r\n")
        << field;
  }
  // A stored "inf" parses, and the sum is refused.
  Run({"HSET", "h", "inf", "inf"});
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "inf", "1"}),
              IsError("ERR increment would produce NaN or Infinity"));
  EXPECT_THAT(Run({"HEXISTS", "h", "w"}), IsInt(0));
  EXPECT_THAT(Run({"HGET", "h", "z"}), IsBulk("3"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HINCRBYFLOAT", "s", "f", "x"}), IsError(kNotFloat));  // increment parsed first
}

// Redis computes HINCRBYFLOAT in long double (x86 80-bit) and prints with %.17Lg (or %.17Lf
// when the exponent is large), so it has more range and precision than a double.
// Redis adds in long double and prints 17 significant digits; eddy adds in exact decimal (the
// same bytes on every replica and every CPU, README "Replication semantics"), which agrees with
// Redis within 17 digits and refuses magnitudes beyond its range instead of rounding them.
TEST_F(HashFamilyTest, HincrbyfloatIsExactDecimal) {
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "a", "123456789012345678"}), IsBulk("123456789012345678"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "b", "3.14159265358979323846"}),
              IsBulk("3.14159265358979324"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "c", "0.1"}), IsBulk("0.1"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "c", "0.2"}), IsBulk("0.3"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "d", "1e308"}), IsError("ERR value is not a valid float"));
  EXPECT_THAT(Run({"HEXISTS", "h", "d"}), IsInt(0));
}

// HRANDFIELD key [count [WITHVALUES]]
TEST_F(HashFamilyTest, Hrandfield) {
  EXPECT_EQ(RunRaw({"HRANDFIELD", "nokey"}), "$-1\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "nokey", "0"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "nokey", "5"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "nokey", "-5"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "nokey", "5", "WITHVALUES"}), "*0\r\n");
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  const std::map<std::string, std::string> all = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EXPECT_EQ(RunRaw({"HRANDFIELD", "h", "0"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "h", "0", "WITHVALUES"}), "*0\r\n");
  for (int i = 0; i < 20; ++i) {
    auto one = Run({"HRANDFIELD", "h"});
    ASSERT_EQ(one.type, '$');
    EXPECT_TRUE(all.count(one.str)) << one.str;
    // Positive count: distinct fields, at most the hash's size.
    Strings two = Run({"HRANDFIELD", "h", "2"}).strings();
    ASSERT_EQ(two.size(), 2u);
    EXPECT_NE(two[0], two[1]);
    for (const auto& f : two) EXPECT_TRUE(all.count(f)) << f;
    // Negative count: exactly |count| fields, repeats allowed.
    Strings many = Run({"HRANDFIELD", "h", "-5"}).strings();
    ASSERT_EQ(many.size(), 5u);
    for (const auto& f : many) EXPECT_TRUE(all.count(f)) << f;
    Strings pairs = Run({"HRANDFIELD", "h", "-2", "WITHVALUES"}).strings();
    ASSERT_EQ(pairs.size(), 4u);
    for (size_t j = 0; j < pairs.size(); j += 2) {
      ASSERT_TRUE(all.count(pairs[j])) << pairs[j];
      EXPECT_EQ(all.at(pairs[j]), pairs[j + 1]);
    }
  }
  EXPECT_THAT(Run({"HRANDFIELD", "h", "5"}).strings(), UnorderedElementsAre("a", "b", "c"));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "9223372036854775807"}).strings(),
              UnorderedElementsAre("a", "b", "c"));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "3", "WITHVALUES"}).strings(),
              UnorderedElementsAre("a", "1", "b", "2", "c", "3"));
  Strings pair = Run({"HRANDFIELD", "h", "1", "withvalues"}).strings();
  ASSERT_EQ(pair.size(), 2u);
  EXPECT_EQ(all.at(pair[0]), pair[1]);
}

TEST_F(HashFamilyTest, HrandfieldErrors) {
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_THAT(Run({"HRANDFIELD", "h", "x"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HRANDFIELD", "nokey", "x"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "WITHVALUES"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "9223372036854775808"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "1", "FOO"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "1", "WITHVALUES", "x"}), IsError("ERR syntax error"));
  EXPECT_EQ(RunRaw({"HRANDFIELD", "h", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  // With values, |count| * 2 must fit in a long.
  EXPECT_EQ(RunRaw({"HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"}),
            "-ERR value is out of range\r\n");
  EXPECT_THAT(Run({"HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"}),
              IsError("ERR value is out of range"));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"}),
              IsError("ERR value is out of range"));
  EXPECT_THAT(Run({"HRANDFIELD"}), IsError("ERR wrong number of arguments for 'hrandfield' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HRANDFIELD", "s"}), IsError(kWrongType));
  EXPECT_THAT(Run({"HRANDFIELD", "s", "1"}), IsError(kWrongType));
  EXPECT_THAT(Run({"HRANDFIELD", "s", "x"}), IsError(kNotInteger));  // count parsed first
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
TEST_F(HashFamilyTest, Hscan) {
  EXPECT_EQ(RunRaw({"HSCAN", "nokey", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  Run({"HSET", "small", "a", "1"});
  EXPECT_EQ(RunRaw({"HSCAN", "small", "0"}), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(RunRaw({"HSCAN", "small", "0", "MATCH", "zz*"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  // A hash big enough that Redis really iterates with a cursor (more than 512 fields).
  std::vector<std::string> hset = {"HSET", "h"};
  for (int i = 0; i < 600; ++i) {
    hset.push_back("f" + std::to_string(i));
    hset.push_back("v" + std::to_string(i));
  }
  EXPECT_THAT(Run(hset), IsInt(600));
  std::map<std::string, std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    auto reply = Run({"HSCAN", "h", cursor, "COUNT", "10"});
    ASSERT_EQ(reply.type, '*');
    ASSERT_EQ(reply.elements.size(), 2u);
    cursor = reply.elements[0].str;
    Strings flat = reply.elements[1].strings();
    ASSERT_EQ(flat.size() % 2, 0u);
    for (size_t i = 0; i < flat.size(); i += 2) seen[flat[i]] = flat[i + 1];
    ASSERT_LT(++rounds, 10000);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 600u);
  for (int i = 0; i < 600; ++i) {
    EXPECT_EQ(seen["f" + std::to_string(i)], "v" + std::to_string(i)) << i;
  }
  EXPECT_GT(rounds, 1);  // COUNT 10 over 600 fields takes more than one call
  // MATCH filters what each call returns: f1, f10..f19, f100..f199.
  std::set<std::string> matched;
  cursor = "0";
  do {
    auto reply = Run({"HSCAN", "h", cursor, "MATCH", "f1*", "COUNT", "50"});
    cursor = reply.elements[0].str;
    Strings flat = reply.elements[1].strings();
    for (size_t i = 0; i < flat.size(); i += 2) {
      EXPECT_EQ(flat[i].rfind("f1", 0), 0u) << flat[i];
      matched.insert(flat[i]);
    }
  } while (cursor != "0");
  EXPECT_EQ(matched.size(), 111u);
  auto all = Run({"HSCAN", "h", "0", "MATCH", "f1?", "COUNT", "100000"});
  EXPECT_EQ(all.elements[0].str, "0");
  EXPECT_EQ(all.elements[1].elements.size(), 20u);
}

TEST_F(HashFamilyTest, HscanErrors) {
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(RunRaw({"HSCAN", "h", "x"}), "-ERR invalid cursor\r\n");
  EXPECT_THAT(Run({"HSCAN", "h", "18446744073709551616"}), IsError("ERR invalid cursor"));
  // The cursor is parsed before the key is looked up.
  EXPECT_THAT(Run({"HSCAN", "nokey", "x"}), IsError("ERR invalid cursor"));
  EXPECT_THAT(Run({"HSCAN", "h", "0", "COUNT", "0"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"HSCAN", "h", "0", "COUNT", "-1"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"HSCAN", "h", "0", "COUNT", "x"}), IsError(kNotInteger));
  EXPECT_THAT(Run({"HSCAN", "h", "0", "FOO", "1"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"HSCAN", "h", "0", "MATCH"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"HSCAN", "h", "0", "NOVALUES"}), IsError("ERR syntax error"));  // 7.4 only
  EXPECT_THAT(Run({"HSCAN", "h", "0", "TYPE", "string"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"HSCAN", "h"}), IsError("ERR wrong number of arguments for 'hscan' command"));
  Run({"SET", "s", "x"});
  EXPECT_THAT(Run({"HSCAN", "s", "0"}), IsError(kWrongType));
  EXPECT_THAT(Run({"HSCAN", "s", "x"}), IsError("ERR invalid cursor"));
}

TEST_F(HashFamilyTest, TypeAndEncoding) {
  Run({"HSET", "h", "a", "1"});
  EXPECT_EQ(RunRaw({"TYPE", "h"}), "+hash\r\n");
  EXPECT_EQ(RunRaw({"OBJECT", "ENCODING", "h"}), "$8\r\nlistpack\r\n");
  EXPECT_EQ(RunRaw({"OBJECT", "ENCODING", "nokey"}), "$-1\r\n");
}

// hash-max-listpack-entries 512 and hash-max-listpack-value 64 (Redis 7.0 defaults).
TEST_F(HashFamilyTest, EncodingThresholds) {
  std::vector<std::string> hset = {"HSET", "e"};
  for (int i = 0; i < 512; ++i) {
    hset.push_back("f" + std::to_string(i));
    hset.push_back("v");
  }
  Run(hset);
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "e"}), IsBulk("listpack"));
  Run({"HSET", "e", "f512", "v"});
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "e"}), IsBulk("hashtable"));
  Run({"HDEL", "e", "f1", "f2", "f3"});
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "e"}), IsBulk("hashtable"));  // never converts back
  Run({"HSET", "v64", "f", std::string(64, 'y')});
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "v64"}), IsBulk("listpack"));
  Run({"HSET", "v64", "g", std::string(65, 'y')});
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "v64"}), IsBulk("hashtable"));
  Run({"HSET", "k65", std::string(65, 'y'), "v"});  // a long field converts too
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "k65"}), IsBulk("hashtable"));
  Run({"HSETNX", "nx65", "f", std::string(65, 'y')});
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "nx65"}), IsBulk("hashtable"));
}

// RESP3: HGETALL is a map, HRANDFIELD WITHVALUES an array of pairs, nulls are '_'.
TEST_F(HashFamilyTest, Resp3Replies) {
  Run({"HELLO", "3"});
  Run({"HSET", "h", "a", "1"});
  EXPECT_EQ(RunRaw({"HGETALL", "h"}), "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(RunRaw({"HGETALL", "nokey"}), "%0\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "h", "1", "WITHVALUES"}), "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "h", "-2", "WITHVALUES"}),
            "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "h", "0", "WITHVALUES"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "nokey", "1", "WITHVALUES"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "nokey"}), "_\r\n");
  EXPECT_EQ(RunRaw({"HRANDFIELD", "nokey", "1"}), "*0\r\n");
  EXPECT_EQ(RunRaw({"HGET", "h", "nof"}), "_\r\n");
  EXPECT_EQ(RunRaw({"HMGET", "h", "a", "nof"}), "*2\r\n$1\r\n1\r\n_\r\n");
  EXPECT_EQ(RunRaw({"HINCRBYFLOAT", "h", "a", "1.5"}), "$3\r\n2.5\r\n");  // a bulk, not a double
  EXPECT_EQ(RunRaw({"HSCAN", "h", "0"}), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$3\r\n2.5\r\n");
  EXPECT_EQ(RunRaw({"HKEYS", "h"}), "*1\r\n$1\r\na\r\n");
  Run({"HSET", "h2", "a", "1", "b", "2"});
  auto map = Run({"HGETALL", "h2"});
  EXPECT_EQ(map.type, '%');
  EXPECT_EQ(map.raw.substr(0, 4), "%2\r\n");
  EXPECT_THAT(map.strings(), UnorderedElementsAre("a", "1", "b", "2"));
}

// Every hash command refuses a string key with WRONGTYPE.
TEST_F(HashFamilyTest, WrongTypeEverywhere) {
  Run({"SET", "s", "x"});
  const std::vector<std::vector<std::string>> commands = {
      {"HSET", "s", "f", "v"},    {"HSETNX", "s", "f", "v"},   {"HGET", "s", "f"},
      {"HMGET", "s", "f"},        {"HMSET", "s", "f", "v"},    {"HDEL", "s", "f"},
      {"HEXISTS", "s", "f"},      {"HLEN", "s"},               {"HSTRLEN", "s", "f"},
      {"HKEYS", "s"},             {"HVALS", "s"},              {"HGETALL", "s"},
      {"HINCRBY", "s", "f", "1"}, {"HINCRBYFLOAT", "s", "f", "1"},
      {"HRANDFIELD", "s"},        {"HRANDFIELD", "s", "2", "WITHVALUES"},
      {"HSCAN", "s", "0"},
  };
  for (const auto& argv : commands) {
    EXPECT_THAT(Run(argv), IsError(kWrongType)) << argv[0];
  }
  EXPECT_THAT(Run({"GET", "s"}), IsBulk("x"));
  Run({"RPUSH", "l", "a"});
  EXPECT_THAT(Run({"HGET", "l", "f"}), IsError(kWrongType));
  Run({"HSET", "h", "f", "v"});
  EXPECT_THAT(Run({"LPUSH", "h", "a"}), IsError(kWrongType));
  EXPECT_THAT(Run({"GET", "h"}), IsError(kWrongType));
}

TEST_F(HashFamilyTest, WrongArity) {
  const std::vector<std::vector<std::string>> commands = {
      {"hset", "k", "f"},     {"hsetnx", "k", "f"},       {"hget", "k"},
      {"hmget", "k"},         {"hmset", "k", "f"},        {"hdel", "k"},
      {"hexists", "k"},       {"hlen"},                   {"hstrlen", "k"},
      {"hkeys"},              {"hvals"},                  {"hgetall"},
      {"hincrby", "k", "f"},  {"hincrbyfloat", "k", "f"}, {"hrandfield"},
      {"hscan", "k"},
  };
  for (const auto& argv : commands) {
    EXPECT_THAT(Run(argv),
                IsError("ERR wrong number of arguments for '" + argv[0] + "' command"));
  }
}

}  // namespace
}  // namespace eddy::testing
