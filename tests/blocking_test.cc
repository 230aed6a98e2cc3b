// Blocking list commands over real sockets, run against redis-server and eddy side by side: each
// scenario records what every client received, and the two transcripts must be identical.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

using Argv = std::vector<std::string>;

// Clients of one scenario and what they received, in order.
class Scene {
 public:
  explicit Scene(int port) : port_(port) {}

  RawClient& client(size_t i) {
    while (clients_.size() <= i) clients_.push_back(std::make_unique<RawClient>(port_));
    return *clients_[i];
  }
  void send(size_t i, const Argv& argv) { client(i).send(encode_command(argv)); }
  // Sends and waits for the reply, recording it.
  void call(size_t i, const Argv& argv) {
    send(i, argv);
    expect(i);
  }
  // Sends and waits for the reply without recording it (replies that differ by design: ids).
  void quietly(size_t i, const Argv& argv) { client(i).command(argv); }
  // Records client i's next reply (or "(none)" when nothing arrives within `timeout_ms`).
  void expect(size_t i, int timeout_ms = 3000) {
    auto reply = client(i).read_reply(timeout_ms);
    transcript_ += std::to_string(i) + ": " + (reply ? escape(*reply) : "(none)") + "\n";
  }
  // Records whether client i is still waiting (nothing arrives for a while).
  void expect_waiting(size_t i) { expect(i, 200); }
  void close(size_t i) { clients_[i].reset(); }
  // Waits until the server counts exactly n blocked clients (INFO's blocked_clients), so that the
  // next step never races the server's registration of a blocked client or of a disconnect.
  void wait_blocked(int n) {
    if (!control_) control_ = std::make_unique<RawClient>(port_);
    const std::string want = "blocked_clients:" + std::to_string(n) + "\r\n";
    for (int tries = 0; tries < 500; ++tries) {
      auto info = control_->command({"INFO", "clients"});
      if (info && info->find(want) != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "never saw " << want;
  }
  const std::string& transcript() const { return transcript_; }

 private:
  int port_;
  std::vector<std::unique_ptr<RawClient>> clients_;
  std::unique_ptr<RawClient> control_;
  std::string transcript_;
};

class BlockingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = std::make_unique<Process>(Process::start_redis({"--hz", "100"}));
    eddy_ = std::make_unique<Process>(Process::start_eddy({"--hz", "100"}));
  }
  static void TearDownTestSuite() {
    redis_.reset();
    eddy_.reset();
  }
  void SetUp() override {
    for (Process* p : {redis_.get(), eddy_.get()}) RawClient(p->port()).command({"FLUSHALL"});
  }
  // Runs the scenario on both servers; returns eddy's transcript after comparing it.
  template <class F>
  std::string both(F scenario) {
    Scene on_redis(redis_->port()), on_eddy(eddy_->port());
    scenario(on_redis);
    scenario(on_eddy);
    EXPECT_EQ(on_eddy.transcript(), on_redis.transcript());
    return on_eddy.transcript();
  }
  static std::unique_ptr<Process> redis_, eddy_;
};
std::unique_ptr<Process> BlockingTest::redis_, BlockingTest::eddy_;

TEST_F(BlockingTest, PushesServeBlockedClientsInTheOrderTheyBlocked) {
  std::string t = both([](Scene& s) {
    for (size_t i = 1; i <= 3; ++i) {
      s.send(i, {"BLPOP", "q", "0"});
      s.wait_blocked(static_cast<int>(i));
    }
    s.call(0, {"RPUSH", "q", "a", "b"});
    s.expect(1);
    s.expect(2);
    s.expect_waiting(3);
    s.call(0, {"LPUSH", "q", "c"});
    s.expect(3);
    s.call(0, {"EXISTS", "q"});
  });
  EXPECT_NE(t.find("1: *2\\r\\n$1\\r\\nq\\r\\n$1\\r\\na\\r\\n"), std::string::npos) << t;
  EXPECT_NE(t.find("3: (none)"), std::string::npos) << t;
}

TEST_F(BlockingTest, TimeoutsAnswerNullArrays) {
  both([](Scene& s) {
    s.call(1, {"BLPOP", "none", "0.05"});
    s.call(1, {"BRPOP", "none", "none2", "0.05"});
    s.call(1, {"BLMOVE", "none", "dst", "LEFT", "RIGHT", "0.05"});
    s.call(1, {"BRPOPLPUSH", "none", "dst", "0.05"});
    s.call(1, {"BLMPOP", "0.05", "2", "none", "none2", "LEFT", "COUNT", "3"});
    s.quietly(1, {"HELLO", "3"});
    s.call(1, {"BLPOP", "none", "0.05"});
  });
}

TEST_F(BlockingTest, ClientThatDisconnectsWhileBlockedIsForgotten) {
  both([](Scene& s) {
    s.send(1, {"BLPOP", "q", "0"});
    s.wait_blocked(1);
    s.close(1);
    s.wait_blocked(0);
    s.send(2, {"BRPOP", "q", "0"});
    s.wait_blocked(1);
    s.call(0, {"RPUSH", "q", "x", "y"});
    s.expect(2);
    s.call(0, {"LRANGE", "q", "0", "-1"});
  });
}

TEST_F(BlockingTest, CommandsPipelinedBehindABlockedOneWaitForIt) {
  both([](Scene& s) {
    s.client(1).send(encode_command({"BLPOP", "q", "0"}) + encode_command({"PING"}) +
                     encode_command({"LLEN", "q"}));
    s.wait_blocked(1);
    s.expect_waiting(1);
    s.call(0, {"RPUSH", "q", "v1", "v2"});
    s.expect(1);
    s.expect(1);
    s.expect(1);
  });
}

TEST_F(BlockingTest, MovesChainIntoClientsBlockedOnTheDestination) {
  both([](Scene& s) {
    s.send(1, {"BRPOPLPUSH", "src", "mid", "0"});
    s.wait_blocked(1);
    s.send(2, {"BLMOVE", "mid", "dst", "LEFT", "LEFT", "0"});
    s.wait_blocked(2);
    s.send(3, {"BLPOP", "dst", "0"});
    s.wait_blocked(3);
    s.call(0, {"LPUSH", "src", "z"});
    s.expect(1);
    s.expect(2);
    s.expect(3);
    s.call(0, {"EXISTS", "src", "mid", "dst"});
  });
}

TEST_F(BlockingTest, BlmpopTakesUpToCountFromTheFirstReadyKey) {
  both([](Scene& s) {
    s.send(1, {"BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "2"});
    s.wait_blocked(1);
    s.call(0, {"RPUSH", "k2", "a", "b", "c"});
    s.expect(1);
    s.call(0, {"LRANGE", "k2", "0", "-1"});
  });
}

TEST_F(BlockingTest, TransactionPushesServeAfterExec) {
  both([](Scene& s) {
    s.send(1, {"BLPOP", "q", "0"});
    s.wait_blocked(1);
    s.call(0, {"MULTI"});
    s.call(0, {"RPUSH", "q", "a"});
    s.call(0, {"RPUSH", "q", "b"});
    s.call(0, {"EXEC"});
    s.expect(1);
    s.call(0, {"LRANGE", "q", "0", "-1"});
  });
}

TEST_F(BlockingTest, WrongTypeAndEmptyKeysKeepWaiting) {
  both([](Scene& s) {
    s.send(1, {"BLPOP", "q", "1"});
    s.wait_blocked(1);
    s.call(0, {"SET", "q", "string"});
    s.expect_waiting(1);
    s.call(0, {"DEL", "q"});
    s.expect(1);
  });
}

TEST_F(BlockingTest, ClientUnblockEndsTheWait) {
  both([](Scene& s) {
    s.send(0, {"CLIENT", "UNBLOCK", "999999", "TIMEOUT"});
    s.expect(0);
    s.call(0, {"CLIENT", "UNBLOCK", "x"});
    s.call(0, {"CLIENT", "UNBLOCK", "1", "LATER"});
  });
  // Ids differ between servers, so the unblocking itself is checked on eddy alone.
  Scene s(eddy_->port());
  auto id = s.client(1).command({"CLIENT", "ID"});
  ASSERT_TRUE(id);
  std::string number = id->substr(1, id->size() - 3);
  s.send(1, {"BLPOP", "q", "0"});
  s.send(2, {"BLPOP", "q2", "5"});
  s.wait_blocked(2);
  auto info = s.client(0).command({"INFO", "clients"});
  ASSERT_TRUE(info);
  EXPECT_NE(info->find("blocked_clients:2\r\n"), std::string::npos) << *info;
  EXPECT_NE(info->find("clients_in_timeout_table:1\r\n"), std::string::npos) << *info;
  auto list = s.client(0).command({"CLIENT", "LIST"});
  ASSERT_TRUE(list);
  EXPECT_NE(list->find("flags=b "), std::string::npos) << *list;
  EXPECT_EQ(s.client(0).command({"CLIENT", "UNBLOCK", number, "ERROR"}), ":1\r\n");
  EXPECT_EQ(s.client(1).read_reply(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  s.send(1, {"BLPOP", "q", "0"});
  s.wait_blocked(2);
  EXPECT_EQ(s.client(0).command({"CLIENT", "UNBLOCK", number}), ":1\r\n");
  EXPECT_EQ(s.client(1).read_reply(), "*-1\r\n");
  EXPECT_EQ(s.client(0).command({"CLIENT", "UNBLOCK", number}), ":0\r\n");
}

}  // namespace
}  // namespace eddy::testing
