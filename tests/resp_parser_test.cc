#include "server/resp_parser.h"

#include <gtest/gtest.h>

#include <random>

namespace eddy::server {
namespace {

using Argv = std::vector<std::string>;

std::vector<Argv> parse_all(RespParser& p) {
  std::vector<Argv> out;
  std::vector<std::string_view> argv;
  while (p.next(argv) == RespParser::Status::kCommand)
    out.emplace_back(argv.begin(), argv.end());
  return out;
}

TEST(RespParserTest, ParsesMultibulkAndInlineCommands) {
  RespParser p;
  p.append("*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n\r\n*0\r\nSET a \"b c\"\r\n");
  EXPECT_EQ(parse_all(p), (std::vector<Argv>{{"GET", "k"}, {"PING"}, {"SET", "a", "b c"}}));
  EXPECT_EQ(p.pending(), 0u);
}

TEST(RespParserTest, EveryByteBoundaryGivesTheSameCommands) {
  using namespace std::string_literals;
  const std::string bytes =
      "*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$6\r\nw\0rld\r\r\nECHO 'its'\r\n*1\r\n$4\r\nPING\r\n"s;
  RespParser whole;
  whole.append(bytes);
  auto expected = parse_all(whole);
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(expected[0][2], std::string("w\0rld\r", 6));
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    RespParser p;
    std::vector<Argv> got;
    size_t pos = 0;
    while (pos < bytes.size()) {
      size_t n = std::min<size_t>(bytes.size() - pos, 1 + rng() % 5);
      p.append(std::string_view(bytes).substr(pos, n));
      pos += n;
      auto more = parse_all(p);
      got.insert(got.end(), more.begin(), more.end());
    }
    ASSERT_EQ(got, expected) << "round " << round;
  }
}

TEST(RespParserTest, ReportsRedisProtocolErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"*abc\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n+x\r\n", "Protocol error: expected '$', got '+'"},
      {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$600000000\r\n", "Protocol error: invalid bulk length"},
      {"GET \"a\r\n", "Protocol error: unbalanced quotes in request"},
      {std::string(70000, 'x'), "Protocol error: too big inline request"},
      {"*" + std::string(70000, '9'), "Protocol error: too big mbulk count string"},
      {"*1\r\n$" + std::string(70000, '9'), "Protocol error: too big bulk count string"},
  };
  for (const auto& [input, error] : cases) {
    RespParser p;
    p.append(input);
    std::vector<std::string_view> argv;
    EXPECT_EQ(p.next(argv), RespParser::Status::kError) << input.substr(0, 20);
    EXPECT_EQ(p.error(), error);
  }
}

TEST(RespParserTest, WaitsForTheRestOfABigArgument) {
  RespParser p;
  std::string value(1 << 20, 'v');
  std::string request = "*2\r\n$4\r\nECHO\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  std::vector<std::string_view> argv;
  size_t pos = 0;
  while (pos + 16384 < request.size()) {
    p.append(std::string_view(request).substr(pos, 16384));
    pos += 16384;
    ASSERT_EQ(p.next(argv), RespParser::Status::kNeedMore);
  }
  p.append(std::string_view(request).substr(pos));
  ASSERT_EQ(p.next(argv), RespParser::Status::kCommand);
  EXPECT_EQ(argv[1], value);
}

TEST(SplitArgsTest, FollowsSdssplitargs) {
  std::vector<std::string> out;
  ASSERT_TRUE(split_args("set k \"a\\x41\\n\" 'it\\'s'", out));
  EXPECT_EQ(out, (std::vector<std::string>{"set", "k", "aA\n", "it's"}));
  EXPECT_FALSE(split_args("\"open", out));
  EXPECT_FALSE(split_args("\"a\"b", out));
  ASSERT_TRUE(split_args("   ", out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace eddy::server
