// The protocol over real sockets: pipelining, binary data, protocol errors compared byte for
// byte with redis-server, connection limits, redis-cli, and a clean shutdown.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

class ServerSocketTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = std::make_unique<Process>(Process::start_redis());
    eddy_ = std::make_unique<Process>(Process::start_eddy());
  }
  static void TearDownTestSuite() {
    redis_.reset();
    eddy_.reset();
  }
  static std::unique_ptr<Process> redis_, eddy_;
};

std::unique_ptr<Process> ServerSocketTest::redis_;
std::unique_ptr<Process> ServerSocketTest::eddy_;

// Each malformed request gets Redis's exact error and the connection is then closed.
TEST_F(ServerSocketTest, ProtocolErrorsMatchRedisAndCloseTheConnection) {
  const std::vector<std::string> inputs = {
      "*abc\r\n",
      "*1\r\n+foo\r\n",
      "*1\r\n$-5\r\n",
      "*1\r\n$abc\r\n",
      "*2\r\n$3\r\nGET\r\n:1\r\n",
      "*1\r\n$600000000\r\n",
      "SET \"unbalanced\r\n",
      "ECHO 'a'b\r\n",
      std::string(70000, 'a'),
      "*" + std::string(70000, '1'),
      "*1\r\n$" + std::string(70000, '1'),
      "PING\r\n*x\r\n",
  };
  for (const std::string& input : inputs) {
    std::string from_redis, from_eddy;
    RawClient r(redis_->port()), e(eddy_->port());
    r.send(input);
    e.send(input);
    EXPECT_TRUE(r.read_until_closed(from_redis));
    EXPECT_TRUE(e.read_until_closed(from_eddy)) << escape(input.substr(0, 40));
    EXPECT_EQ(escape(from_redis), escape(from_eddy)) << escape(input.substr(0, 40));
  }
  RawClient still_there(eddy_->port());
  EXPECT_EQ(still_there.command({"PING"}), "+PONG\r\n");
}

TEST_F(ServerSocketTest, ClientReplyOffAndSkipDropRepliesLikeRedis) {
  const std::string input =
      encode_command({"SET", "a", "1"}) + encode_command({"CLIENT", "REPLY", "SKIP"}) +
      encode_command({"INCR", "a"}) + encode_command({"GET", "a"}) +
      encode_command({"CLIENT", "REPLY", "OFF"}) + encode_command({"INCR", "a"}) +
      encode_command({"CLIENT", "REPLY", "SKIP"}) + encode_command({"GET", "a"}) +
      encode_command({"CLIENT", "REPLY", "ON"}) + encode_command({"GET", "a"}) +
      encode_command({"CLIENT", "REPLY", "MAYBE"}) + encode_command({"QUIT"});
  std::string from_redis, from_eddy;
  RawClient r(redis_->port()), e(eddy_->port());
  r.send(input);
  e.send(input);
  EXPECT_TRUE(r.read_until_closed(from_redis));
  EXPECT_TRUE(e.read_until_closed(from_eddy));
  EXPECT_EQ(escape(from_eddy), escape(from_redis));
  EXPECT_EQ(from_eddy, "+OK\r\n$1\r\n2\r\n+OK\r\n$1\r\n3\r\n-ERR syntax error\r\n+OK\r\n");
}

TEST_F(ServerSocketTest, InlineCommandsAndEmptyLines) {
  RawClient c(eddy_->port());
  c.send("\r\n\r\nPING\r\nECHO \"a b\\x41\"\r\nSET 'k' \"v w\"\r\nGET k\r\n");
  EXPECT_EQ(c.read_reply(), "+PONG\r\n");
  EXPECT_EQ(c.read_reply(), "$4\r\na bA\r\n");
  EXPECT_EQ(c.read_reply(), "+OK\r\n");
  EXPECT_EQ(c.read_reply(), "$3\r\nv w\r\n");
}

TEST_F(ServerSocketTest, PipelinedRepliesArriveInOrder) {
  RawClient c(eddy_->port());
  std::string batch;
  for (int i = 0; i < 10000; ++i) batch += encode_command({"ECHO", std::to_string(i)});
  c.send(batch);
  for (int i = 0; i < 10000; ++i) {
    std::string v = std::to_string(i);
    ASSERT_EQ(c.read_reply(), "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n");
  }
}

TEST_F(ServerSocketTest, BinarySafeAndLargeValues) {
  RawClient c(eddy_->port());
  std::string binary("\0\r\n\xff\x01", 5);
  EXPECT_EQ(c.command({"SET", binary, binary}), "+OK\r\n");
  EXPECT_EQ(c.command({"GET", binary}), "$5\r\n" + binary + "\r\n");
  for (size_t size : {size_t{1} << 20, size_t{64} << 20}) {
    std::string big(size, 'z');
    big[size / 2] = '\0';
    auto reply = c.command({"ECHO", big});
    ASSERT_TRUE(reply);
    EXPECT_EQ(*reply, "$" + std::to_string(size) + "\r\n" + big + "\r\n");
  }
}

TEST_F(ServerSocketTest, ManyClientsAtOnce) {
  std::vector<RawClient> clients;
  for (int i = 0; i < 1000; ++i) clients.emplace_back(eddy_->port());
  for (auto& c : clients) c.send("PING\r\n");
  int pongs = 0;
  for (auto& c : clients) pongs += c.read_reply() == "+PONG\r\n";
  EXPECT_EQ(pongs, 1000);
  RawClient other(eddy_->port());
  EXPECT_EQ(other.command({"ECHO", "unaffected"}), "$10\r\nunaffected\r\n");
}

TEST_F(ServerSocketTest, RedisCliPipeLoadsOneHundredThousandCommands) {
  Process eddy = Process::start_eddy();
  std::string path = eddy.dir() + "/commands.resp";
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 100000; ++i)
      out << encode_command({"SET", "key:" + std::to_string(i), std::to_string(i)});
  }
  std::string out = run("redis-cli -p " + std::to_string(eddy.port()) + " --pipe < " + path +
                        " 2>&1");
  EXPECT_NE(out.find("errors: 0, replies: 100000"), std::string::npos) << out;
  EXPECT_EQ(run("redis-cli -p " + std::to_string(eddy.port()) + " DBSIZE"), "100000\n");
  EXPECT_EQ(run("redis-cli -p " + std::to_string(eddy.port()) + " GET key:99999"), "99999\n");
}

// redis-cli prints the same thing for both servers, in RESP2 and RESP3.
TEST_F(ServerSocketTest, RedisCliSpeaksToEddy) {
  const std::vector<std::string> invocations = {
      "SET greeting hello", "GET greeting", "-3 GET nothing", "INCR visits", "-3 HELLO 3",
      "MGET greeting nothing", "--no-raw GET greeting", "DEL greeting visits"};
  for (const std::string& args : invocations) {
    std::string from_redis = run("redis-cli -p " + std::to_string(redis_->port()) + " " + args);
    std::string from_eddy = run("redis-cli -p " + std::to_string(eddy_->port()) + " " + args);
    if (args.find("HELLO") != std::string::npos) {
      // The client id differs between the two servers; the rest must not.
      EXPECT_NE(from_eddy.find("version"), std::string::npos);
      continue;
    }
    EXPECT_EQ(from_redis, from_eddy) << args;
  }
  // Interactive mode fetches COMMAND DOCS for its hints; it must still answer normally.
  EXPECT_EQ(run("echo 'PING' | redis-cli -p " + std::to_string(eddy_->port())), "PONG\n");
  EXPECT_NE(run("redis-cli -p " + std::to_string(eddy_->port()) + " COMMAND DOCS set")
                .find("expiration"),
            std::string::npos);
}

TEST(ServerLimitsTest, MaxClientsRefusesTheExtraClient) {
  Process eddy = Process::start_eddy({"--maxclients", "2"});
  RawClient a(eddy.port()), b(eddy.port());
  ASSERT_EQ(a.command({"PING"}), "+PONG\r\n");
  ASSERT_EQ(b.command({"PING"}), "+PONG\r\n");
  RawClient c(eddy.port());
  std::string out;
  EXPECT_TRUE(c.read_until_closed(out));
  EXPECT_EQ(out, "-ERR max number of clients reached\r\n");
}

TEST(ServerLimitsTest, IdleClientsAreClosedAfterTimeout) {
  Process eddy = Process::start_eddy({"--timeout", "1"});
  RawClient idle(eddy.port());
  ASSERT_EQ(idle.command({"PING"}), "+PONG\r\n");
  std::string out;
  EXPECT_TRUE(idle.read_until_closed(out, 4000));
}

TEST(ServerLimitsTest, QueryBufferLimitClosesTheClient) {
  Process eddy = Process::start_eddy({"--client-query-buffer-limit", "1mb"});
  RawClient c(eddy.port());
  c.send("*2\r\n$4\r\nECHO\r\n$3000000\r\n" + std::string(2000000, 'x'));
  std::string out;
  EXPECT_TRUE(c.read_until_closed(out));
  RawClient other(eddy.port());
  EXPECT_EQ(other.command({"PING"}), "+PONG\r\n");
}

TEST(ServerLifecycleTest, SigtermExitsCleanly) {
  Process eddy = Process::start_eddy();
  int status = eddy.stop();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServerLifecycleTest, BadConfigStopsTheStart) {
  std::string out = run(std::string(EDDY_BINARY) + " --nosuchdirective 1 2>&1; echo exit=$?");
  EXPECT_NE(out.find("*** FATAL CONFIG FILE ERROR"), std::string::npos) << out;
  EXPECT_NE(out.find(">>> 'nosuchdirective \"1\"'"), std::string::npos) << out;
  EXPECT_NE(out.find("Bad directive or wrong number of arguments"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
}

}  // namespace
}  // namespace eddy::testing
