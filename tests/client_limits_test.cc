// client-output-buffer-limit against redis-server's replies, a reader that stops reading closed
// at the hard limit while a flooding client is served, and `save` lines that add up in a file.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

std::string call(int port, const std::vector<std::string>& argv) {
  RawClient c(port);
  return c.command(argv).value_or("<no reply>");
}

// The same CONFIG GET/SET sequence gives the same bytes from eddy and from redis-server.
TEST(ClientLimitsTest, OutputBufferLimitConfigAnswersAsRedis) {
  Process eddy = Process::start_eddy();
  Process redis = Process::start_redis();
  const std::vector<std::vector<std::string>> commands = {
      {"CONFIG", "GET", "client-output-buffer-limit"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 10"},
      {"CONFIG", "GET", "client-output-buffer-limit"},
      {"CONFIG", "SET", "client-output-buffer-limit", "replica 1mb 1mb 1 pubsub 0 0 0"},
      {"CONFIG", "GET", "client-output-buffer-limit"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb"},
      {"CONFIG", "SET", "client-output-buffer-limit", "foo 1 1 1"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal x 1 1"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal -1 1 1"},
      {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 7s"},
      {"CONFIG", "SET", "client-output-buffer-limit", "NORMAL 2mb 0 7"},
      {"CONFIG", "SET", "client-output-buffer-limit", ""},
      {"CONFIG", "GET", "client-output-buffer-limit"},
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(command.back());
    EXPECT_EQ(call(eddy.port(), command), call(redis.port(), command));
  }
  EXPECT_EQ(call(eddy.port(), {"CONFIG", "GET", "client-output-buffer-limit"}),
            "*2\r\n$26\r\nclient-output-buffer-limit\r\n$55\r\nnormal 2097152 0 7 slave "
            "1048576 1048576 1 pubsub 0 0 0\r\n");
}

// A client that sends requests and never reads their replies is closed once they pass the hard
// limit; another client flooding the server with a pipeline is served all along.
TEST(ClientLimitsTest, AReaderThatStopsReadingIsClosedAtTheHardLimit) {
  Process eddy = Process::start_eddy({"--client-output-buffer-limit", "normal", "1mb", "0", "0"});
  const std::string big(100 * 1024, 'v');
  EXPECT_EQ(call(eddy.port(), {"SET", "big", big}), "+OK\r\n");

  RawClient slow(eddy.port());
  std::string requests;
  for (int i = 0; i < 300; ++i) requests += encode_command({"GET", "big"});  // 30 MB of replies
  slow.send(requests);

  RawClient flood(eddy.port());
  std::string pings;
  for (int i = 0; i < 1000; ++i) pings += encode_command({"PING"});
  flood.send(pings);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(flood.read_reply(5000), "+PONG\r\n") << i;

  std::string received;
  EXPECT_TRUE(slow.read_until_closed(received, 10000));
  EXPECT_LT(received.size(), 30u * big.size() / 10) << "the slow reader got most replies";
  EXPECT_NE(eddy.log().find("scheduled to be closed ASAP for overcoming of output buffer limits"),
            std::string::npos);
  EXPECT_NE(call(eddy.port(), {"INFO", "clients"}).find("connected_clients:2\r\n"),
            std::string::npos);
}

// Without a limit (Redis's default for normal clients), the same reader is served in full.
TEST(ClientLimitsTest, WithoutALimitEveryReplyArrives) {
  Process eddy = Process::start_eddy();
  EXPECT_EQ(call(eddy.port(), {"SET", "big", std::string(100 * 1024, 'v')}), "+OK\r\n");
  RawClient client(eddy.port());
  std::string requests;
  for (int i = 0; i < 100; ++i) requests += encode_command({"GET", "big"});
  client.send(requests);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(client.read_reply(10000)) << i;
}

// A file's `save` lines add up, as in Redis; the first replaces the default rules.
TEST(ClientLimitsTest, SaveLinesOfAFileAddUp) {
  TempDir dir;
  const std::string conf = dir.path() + "/test.conf";
  std::ofstream(conf) << "save 900 1\nsave 300 10\nsave 60 10000\n";
  Process eddy = Process::start_eddy({conf});
  EXPECT_EQ(call(eddy.port(), {"CONFIG", "GET", "save"}),
            "*2\r\n$4\r\nsave\r\n$21\r\n900 1 300 10 60 10000\r\n");
}

}  // namespace
}  // namespace eddy::testing
