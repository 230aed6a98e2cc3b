// The string family through the real dispatch path, with a manual clock.
#include "tests/family_test.h"

namespace eddy::testing {
namespace {

class StringFamilyTest : public FamilyTest {};

TEST_F(StringFamilyTest, SetGetAndOptions) {
  EXPECT_THAT(Run({"GET", "k"}), IsNull());
  EXPECT_THAT(Run({"SET", "k", "v"}), IsSimple("OK"));
  EXPECT_THAT(Run({"GET", "k"}), IsBulk("v"));
  EXPECT_THAT(Run({"SET", "k", "w", "NX"}), IsNull());
  EXPECT_THAT(Run({"SET", "k", "w", "XX", "GET"}), IsBulk("v"));
  EXPECT_THAT(Run({"SET", "k", "x", "nx", "xx"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"SET", "k", "x", "EX", "0"}),
              IsError("ERR invalid expire time in 'set' command"));
  EXPECT_THAT(Run({"set", "k"}), IsError("ERR wrong number of arguments for 'set' command"));
}

TEST_F(StringFamilyTest, ExpiryFollowsTheClock) {
  Run({"SET", "k", "v", "PX", "1500"});
  EXPECT_THAT(Run({"PTTL", "k"}), IsInt(1500));
  EXPECT_THAT(Run({"TTL", "k"}), IsInt(2));
  AdvanceTime(1500);
  EXPECT_THAT(Run({"GET", "k"}), IsBulk("v"));  // expires strictly after its time, as in Redis
  AdvanceTime(1);
  EXPECT_THAT(Run({"GET", "k"}), IsNull());
  EXPECT_THAT(Run({"EXISTS", "k"}), IsInt(0));
  Run({"SET", "k", "v", "EX", "10"});
  Run({"SET", "k", "v2", "KEEPTTL"});
  EXPECT_THAT(Run({"TTL", "k"}), IsInt(10));
  Run({"SET", "k", "v3"});
  EXPECT_THAT(Run({"TTL", "k"}), IsInt(-1));
}

TEST_F(StringFamilyTest, CountersKeepTheirTtlAndValidateLocally) {
  Run({"SET", "n", "10"});
  Run({"EXPIRE", "n", "100"});
  EXPECT_THAT(Run({"INCRBY", "n", "5"}), IsInt(15));
  EXPECT_THAT(Run({"GET", "n"}), IsBulk("15"));
  EXPECT_THAT(Run({"TTL", "n"}), IsInt(100));
  EXPECT_THAT(Run({"INCRBYFLOAT", "n", "0.5"}), IsBulk("15.5"));
  EXPECT_THAT(Run({"INCR", "n"}), IsError("ERR value is not an integer or out of range"));
  EXPECT_THAT(Run({"INCRBYFLOAT", "n", "-0.5"}), IsBulk("15"));
  EXPECT_THAT(Run({"INCR", "n"}), IsInt(16));
  Run({"SET", "n", "abc"});
  EXPECT_THAT(Run({"INCR", "n"}), IsError("ERR value is not an integer or out of range"));
  Run({"SET", "n", "9223372036854775807"});
  EXPECT_THAT(Run({"INCR", "n"}), IsError("ERR increment or decrement would overflow"));
  EXPECT_THAT(Run({"DECRBY", "n", "-9223372036854775808"}),
              IsError("ERR decrement would overflow"));
}

TEST_F(StringFamilyTest, AppendAndSetrangeShipTheWholeValue) {
  EXPECT_THAT(Run({"APPEND", "s", "ab"}), IsInt(2));
  EXPECT_THAT(Run({"SETRANGE", "s", "4", "z"}), IsInt(5));
  EXPECT_EQ(Run({"GET", "s"}).str, std::string("ab\0\0z", 5));
  EXPECT_THAT(Run({"GETRANGE", "s", "-1", "-1"}), IsBulk("z"));
}

TEST_F(StringFamilyTest, CompressedValuesReadBackExactly) {
  Run({"CONFIG", "SET", "compact-compression", "yes"});
  std::string json;
  for (int i = 0; i < 50; ++i) json += "{\"id\":" + std::to_string(i) + ",\"ok\":true}";
  Run({"SET", "j", json});
  EXPECT_THAT(Run({"GET", "j"}), IsBulk(json));
  EXPECT_THAT(Run({"STRLEN", "j"}), IsInt(static_cast<int64_t>(json.size())));
  EXPECT_THAT(Run({"APPEND", "j", "!"}), IsInt(static_cast<int64_t>(json.size() + 1)));
}

TEST_F(StringFamilyTest, MsetIsOneUnitAndMsetnxIsAllOrNothing) {
  EXPECT_THAT(Run({"MSET", "a", "1", "b", "2"}), IsSimple("OK"));
  EXPECT_THAT(Run({"MSETNX", "b", "x", "c", "3"}), IsInt(0));
  EXPECT_THAT(Run({"MGET", "a", "b", "c"}), IsArray(std::vector<std::string>{"1", "2", "(nil)"}));
}

TEST_F(StringFamilyTest, Resp3NullsAndErrorsAreCounted) {
  Run({"HELLO", "3"});
  EXPECT_EQ(RunRaw({"GET", "missing"}), "_\r\n");
  Run({"INCR", "missing"});
  Run({"SET", "s", "x"});
  Run({"INCR", "s"});
  auto info = Run({"INFO", "errorstats"});
  EXPECT_NE(info.str.find("errorstat_ERR:count=1"), std::string::npos) << info.str;
}

}  // namespace
}  // namespace eddy::testing
