// The generic key family through the real dispatch path, with a manual clock.
#include <random>
#include <set>

#include "tests/family_test.h"

namespace eddy::testing {
namespace {

class KeyFamilyTest : public FamilyTest {};

TEST_F(KeyFamilyTest, RenameKeepsTheAbsoluteExpiry) {
  Run({"SET", "a", "1", "EX", "100"});
  AdvanceTime(30000);
  EXPECT_THAT(Run({"RENAME", "a", "b"}), IsSimple("OK"));
  EXPECT_THAT(Run({"TTL", "b"}), IsInt(70));
  EXPECT_THAT(Run({"EXISTS", "a"}), IsInt(0));
  EXPECT_THAT(Run({"RENAME", "a", "b"}), IsError("ERR no such key"));
}

TEST_F(KeyFamilyTest, ExpireOptionsAndPastTimesDelete) {
  Run({"SET", "k", "v"});
  EXPECT_THAT(Run({"EXPIRE", "k", "100", "XX"}), IsInt(0));
  EXPECT_THAT(Run({"EXPIRE", "k", "100", "NX"}), IsInt(1));
  EXPECT_THAT(Run({"EXPIRE", "k", "50", "GT"}), IsInt(0));
  EXPECT_THAT(Run({"EXPIRE", "k", "50", "LT"}), IsInt(1));
  EXPECT_THAT(Run({"PERSIST", "k"}), IsInt(1));
  EXPECT_THAT(Run({"TTL", "k"}), IsInt(-1));
  EXPECT_THAT(Run({"EXPIRE", "k", "-1"}), IsInt(1));
  EXPECT_THAT(Run({"EXISTS", "k"}), IsInt(0));
  EXPECT_THAT(Run({"TTL", "k"}), IsInt(-2));
}

TEST_F(KeyFamilyTest, ActiveExpiryReclaimsKeysNobodyReads) {
  for (int i = 0; i < 200; ++i) Run({"SET", "k" + std::to_string(i), "v", "PX", "10"});
  Run({"SET", "stays", "v"});
  AdvanceTime(20);
  for (int i = 0; i < 50 && Run({"DBSIZE"}).integer > 1; ++i) engine_.cron();
  EXPECT_THAT(Run({"DBSIZE"}), IsInt(1));
  auto info = Run({"INFO", "stats"});
  EXPECT_NE(info.str.find("expired_keys:200"), std::string::npos);
}

TEST_F(KeyFamilyTest, KeysAndScanSkipExpiredKeys) {
  Run({"SET", "live", "v"});
  Run({"SET", "dead", "v", "PX", "5"});
  AdvanceTime(10);
  EXPECT_THAT(Run({"KEYS", "*"}), IsArray(std::vector<std::string>{"live"}));
  auto scan = Run({"SCAN", "0", "COUNT", "100"});
  EXPECT_EQ(scan.elements[1].strings(), std::vector<std::string>{"live"});
  EXPECT_THAT(Run({"RANDOMKEY"}), IsBulk("live"));
}

// SCAN's guarantee through the commands: every key present for the whole iteration is
// returned, while other keys come and go and the table grows and shrinks.
TEST_F(KeyFamilyTest, ScanReturnsEveryKeyPresentThroughout) {
  uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::set<std::string> stable;
  for (int i = 0; i < 500; ++i) {
    stable.insert("s" + std::to_string(i));
    Run({"SET", "s" + std::to_string(i), "v"});
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int churn = 0;
  do {
    auto reply = Run({"SCAN", cursor, "COUNT", "7"});
    cursor = reply.elements[0].str;
    for (const auto& k : reply.elements[1].strings()) seen.insert(k);
    for (int i = 0; i < 40; ++i) {
      std::string key = "c" + std::to_string(churn++ % 3000);
      if (rng() % 3 == 0)
        Run({"DEL", key});
      else
        Run({"SET", key, "v"});
    }
  } while (cursor != "0");
  for (const auto& k : stable) EXPECT_TRUE(seen.count(k)) << k;
}

TEST_F(KeyFamilyTest, MoveAndCopyAcrossDatabases) {
  Run({"SET", "k", "v", "EX", "100"});
  EXPECT_THAT(Run({"COPY", "k", "k", "DB", "1"}), IsInt(1));
  EXPECT_THAT(Run({"MOVE", "k", "1"}), IsInt(0));
  EXPECT_THAT(Run({"MOVE", "k", "2"}), IsInt(1));
  Run({"SELECT", "2"});
  EXPECT_THAT(Run({"GET", "k"}), IsBulk("v"));
  EXPECT_THAT(Run({"TTL", "k"}), IsInt(100));
  EXPECT_THAT(Run({"MOVE", "k", "2"}),
              IsError("ERR source and destination objects are the same"));
}

TEST_F(KeyFamilyTest, WatchSeesWritesFromThisAndExpiry) {
  Run({"SET", "w", "1"});
  Run({"WATCH", "w"});
  Run({"SET", "w", "2"});
  Run({"MULTI"});
  Run({"GET", "w"});
  EXPECT_EQ(RunRaw({"EXEC"}), "*-1\r\n");
}

}  // namespace
}  // namespace eddy::testing
