// AUTH, HELLO AUTH, ACL users and the pre-AUTH protocol limits, compared byte for byte with
// redis-server 7.0 started with the same --requirepass / --user arguments. Replies that carry
// per-server facts (client ids, ages, client-info lines) are compared on their stable fields.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

using Command = std::vector<std::string>;

// Both servers, one fresh connection to each per sequence.
class AuthTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& args) {
    redis_ = std::make_unique<Process>(Process::start_redis(args));
    eddy_ = std::make_unique<Process>(Process::start_eddy(args));
  }

  struct Pair {
    RawClient redis, eddy;
  };
  std::unique_ptr<Pair> Connect() {
    return std::make_unique<Pair>(Pair{RawClient(redis_->port()), RawClient(eddy_->port())});
  }

  // HELLO's map carries the connection's id, which differs between the two servers.
  static std::string without_id(std::string s) {
    size_t at = s.find("$2\r\nid\r\n:");
    if (at != std::string::npos) s.erase(at + 9, s.find("\r\n", at + 9) - at - 9);
    return s;
  }

  // Runs the commands on one connection to each server; every reply must be identical.
  void Compare(Pair& c, const std::vector<Command>& sequence) {
    for (const Command& cmd : sequence) {
      auto r = c.redis.command(cmd), e = c.eddy.command(cmd);
      std::string text;
      for (const std::string& a : cmd) text += "'" + escape(a) + "' ";
      ASSERT_TRUE(r && e) << text << " (no reply)";
      EXPECT_EQ(escape(without_id(*r)), escape(without_id(*e))) << text;
    }
  }
  void Compare(const std::vector<Command>& sequence) {
    auto c = Connect();
    Compare(*c, sequence);
  }

  // Raw bytes to both; everything until each server closes must be identical.
  void CompareUntilClosed(const std::string& bytes) {
    auto c = Connect();
    c->redis.send(bytes);
    c->eddy.send(bytes);
    std::string r, e;
    EXPECT_TRUE(c->redis.read_until_closed(r));
    EXPECT_TRUE(c->eddy.read_until_closed(e));
    EXPECT_EQ(escape(r), escape(e));
  }

  std::unique_ptr<Process> redis_, eddy_;
};

TEST_F(AuthTest, NoPasswordConfigured) {
  Start({});
  Compare({{"AUTH", "x"},
           {"AUTH", "default", "x"},
           {"AUTH", "default", "anything"},
           {"AUTH", "nobody", "x"},
           {"AUTH", "a", "b", "c"},
           {"AUTH"},
           {"ACL", "WHOAMI"},
           {"HELLO", "2", "AUTH", "default", "whatever"},
           {"HELLO", "2", "AUTH", "nobody", "x"},
           {"HELLO", "2", "AUTH", "default"},
           {"HELLO", "4", "AUTH", "default", "x"},
           {"PING"}});
}

TEST_F(AuthTest, RequirepassGatesCommands) {
  Start({"--requirepass", "s3cret"});
  Compare({{"PING"},
           {"GET", "k"},
           {"SET", "k", "v"},
           {"CONFIG", "GET", "requirepass"},
           {"ACL", "WHOAMI"},
           {"NOSUCHCOMMAND"},
           {"GET"},
           {"HELLO"},
           {"HELLO", "3"},
           {"HELLO", "2", "SETNAME", "x"},
           {"HELLO", "2", "AUTH", "default", "wrong"},
           {"AUTH", "wrong"},
           {"AUTH", "default", "wrong"},
           {"AUTH", "nobody", "s3cret"},
           {"GET", "k"},
           {"AUTH", "s3cret"},
           {"SET", "k", "v"},
           {"GET", "k"},
           {"AUTH", "wrong"},
           {"GET", "k"},
           {"ACL", "WHOAMI"},
           {"CONFIG", "GET", "requirepass"},
           {"RESET"},
           {"GET", "k"},
           {"AUTH", "default", "s3cret"},
           {"GET", "k"},
           {"QUIT"}});
  // MULTI before AUTH is refused like any other command.
  Compare({{"MULTI"}, {"EXEC"}, {"AUTH", "s3cret"}, {"MULTI"}, {"GET", "k"}, {"EXEC"}});
}

TEST_F(AuthTest, HelloAuthSwitchesProtocolAndName) {
  Start({"--requirepass", "pw"});
  for (const Command& hello :
       {Command{"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "conn1"},
        Command{"HELLO", "2", "AUTH", "default", "pw"}}) {
    auto c = Connect();
    Compare(*c, {hello, {"CLIENT", "GETNAME"}, {"GET", "missing"}, {"ACL", "WHOAMI"}});
  }
  Compare({{"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "bad name"},
           {"GET", "k"},
           {"HELLO", "3", "AUTH", "default", "pw", "FOO"},
           {"HELLO", "x", "AUTH", "default", "pw"}});
}

TEST_F(AuthTest, RequirepassSetAndClearedAtRuntime) {
  Start({});
  auto admin = Connect();
  Compare(*admin, {{"CONFIG", "SET", "requirepass", "newpw"}, {"CONFIG", "GET", "requirepass"}});
  // The admin connection stays authenticated; a new one must authenticate.
  auto fresh = Connect();
  Compare(*fresh, {{"GET", "k"}, {"AUTH", "x"}, {"ACL", "LIST"}, {"AUTH", "newpw"}, {"GET", "k"}});
  auto waiting = Connect();
  Compare(*waiting, {{"GET", "k"}});
  Compare(*admin, {{"CONFIG", "SET", "requirepass", ""}, {"ACL", "LIST"}});
  // Without a password the connection that never authenticated may run commands, but HELLO
  // still sees it as unauthenticated, as in Redis.
  Compare(*waiting, {{"GET", "k"}, {"HELLO", "2"}, {"AUTH", "x"}});
}

TEST_F(AuthTest, PreAuthLimitsCloseTheConnection) {
  Start({"--requirepass", "pw"});
  std::string many = "*11\r\n";
  for (int i = 0; i < 11; ++i) many += "$1\r\nx\r\n";
  CompareUntilClosed(many);
  CompareUntilClosed("*2\r\n$3\r\nGET\r\n$16385\r\n");
  // At the limits exactly: refused as unauthenticated commands, not as protocol errors.
  std::string ten = "*10\r\n";
  for (int i = 0; i < 10; ++i) ten += "$1\r\nx\r\n";
  std::string big = encode_command({"SET", "k", std::string(16384, 'v')});
  Compare({{"AUTH", "pw"}});
  auto c = Connect();
  for (const std::string& bytes : {ten, big}) {
    c->redis.send(bytes);
    c->eddy.send(bytes);
    auto r = c->redis.read_reply(), e = c->eddy.read_reply();
    ASSERT_TRUE(r && e);
    EXPECT_EQ(escape(*r), escape(*e));
  }
  // AUTH lifts the limits for the next command of the same read.
  std::string batch = encode_command({"AUTH", "pw"}) +
                      encode_command({"SET", "k", std::string(100000, 'v')}) +
                      encode_command({"STRLEN", "k"});
  c->redis.send(batch);
  c->eddy.send(batch);
  for (int i = 0; i < 3; ++i) {
    auto r = c->redis.read_reply(), e = c->eddy.read_reply();
    ASSERT_TRUE(r && e);
    EXPECT_EQ(escape(*r), escape(*e));
  }
}

TEST_F(AuthTest, UsersFromTheCommandLine) {
  Start({"--requirepass", "adminpw", "--user", "alice", "on", ">alicepw", "~k:*", "+@read",
         "+set", "-get", "--user", "bob", "off", ">bobpw", "+@all", "~*", "--user", "carol", "on",
         "nopass", "+@all", "-@dangerous", "allkeys"});
  Compare({{"AUTH", "alice", "wrong"},
           {"AUTH", "bob", "bobpw"},
           {"AUTH", "carol", "anything"},
           {"ACL", "WHOAMI"},
           {"SET", "x", "1"},
           {"FLUSHALL"},
           {"CONFIG", "GET", "port"},
           {"INFO", "foo"},
           {"AUTH", "alice", "alicepw"},
           {"ACL", "WHOAMI"},
           {"GET", "k:1"},
           {"SET", "k:1", "v"},
           {"SET", "other", "v"},
           {"MGET", "k:1", "k:2"},
           {"MGET", "k:1", "other"},
           {"STRLEN", "k:1"},
           {"EXISTS", "k:1", "k:2", "nope"},
           {"MSET", "k:1", "a", "other", "b"},
           {"DEL", "k:1"},
           {"CONFIG", "GET", "maxmemory"},
           {"ACL", "LIST"},
           {"CLIENT", "ID"},
           {"PING"},
           {"MULTI"},
           {"STRLEN", "other"},
           {"STRLEN", "k:1"},
           {"EXEC"},
           {"AUTH", "adminpw"},
           {"ACL", "WHOAMI"},
           {"ACL", "USERS"},
           {"ACL", "GETUSER", "bob"},
           {"ACL", "GETUSER", "carol"},
           {"ACL", "GETUSER", "nobody"},
           {"ACL", "DRYRUN", "alice", "get", "k:1"},
           {"ACL", "DRYRUN", "alice", "set", "other", "v"},
           {"ACL", "DRYRUN", "alice", "strlen", "k:1"},
           {"ACL", "DRYRUN", "alice", "set", "k:1"},
           {"ACL", "DRYRUN", "alice", "nosuch"},
           {"ACL", "DRYRUN", "nobody", "get", "x"},
           {"ACL", "DRYRUN", "carol", "config", "get", "port"}});
  // Redis 7.0 prints "-@all +@read -get +set" here, from a best-fit search over its own command
  // table; eddy prints the rules as given (Redis 7.2's form), which grant the same commands.
  RawClient c(eddy_->port());
  c.command({"AUTH", "adminpw"});
  auto list = c.command({"ACL", "LIST"});
  ASSERT_TRUE(list);
  EXPECT_NE(list->find("user alice on #6624974ea2baffac164422e4490376c1c31313cd97724ae8ce62fb3f0a0370f2 "
                       "~k:* resetchannels -@all +@read +set -get\r\n"),
            std::string::npos)
      << escape(*list);
}

TEST_F(AuthTest, AclSetuserRulesAndErrors) {
  Start({});
  Compare({{"ACL", "SETUSER", "u1"},
           {"ACL", "GETUSER", "u1"},
           {"ACL", "SETUSER", "u1", "on", ">p1", ">p2", "<p1", "~a:*", "~b:*", "&chan", "+@read"},
           {"ACL", "GETUSER", "u1"},
           {"ACL", "SETUSER", "u1", "#" + std::string(64, 'a'), "!" + std::string(64, 'a')},
           {"ACL", "SETUSER", "u1", "resetpass", "nopass", "resetkeys", "allkeys", "allchannels"},
           {"ACL", "GETUSER", "u1"},
           {"ACL", "SETUSER", "u1", "reset"},
           {"ACL", "GETUSER", "u1"},
           {"ACL", "SETUSER", "u2", "on", "nopass", "+@all", "-@dangerous", "%R~r:*", "%W~w:*",
            "%RW~rw:*"},
           {"ACL", "GETUSER", "u2"},
           {"ACL", "SETUSER", "u3", "on", "allcommands", "-config", "+config|get", "nocommands",
            "+config|get"},
           {"ACL", "SETUSER", "u5", "skip-sanitize-payload", "+@all"},
           {"ACL", "LIST"},
           {"ACL", "USERS"},
           {"ACL", "SETUSER", "bad", "+nosuch"},
           {"ACL", "SETUSER", "bad", "+@nosuch"},
           {"ACL", "SETUSER", "bad", "foo"},
           {"ACL", "SETUSER", "bad", "~*", "~x"},
           {"ACL", "SETUSER", "bad", "&*", "&x"},
           {"ACL", "SETUSER", "bad", "<nope"},
           {"ACL", "SETUSER", "bad", "!nope"},
           {"ACL", "SETUSER", "bad", "#abc"},
           {"ACL", "SETUSER", "bad", "+config|get|x"},
           {"ACL", "SETUSER", "bad", "+get|"},
           {"ACL", "SETUSER", "bad", "-get|x"},
           {"ACL", "SETUSER", "bad", "~with space"},
           {"ACL", "SETUSER", "bad", "%X~k"},
           {"ACL", "SETUSER", "has space"},
           {"ACL", "SETUSER", "u1", "on", "+nosuch"},
           {"ACL", "GETUSER", "u1"},
           {"ACL", "USERS"},
           {"ACL", "DELUSER", "default"},
           {"ACL", "DELUSER", "u1", "u2", "nobody"},
           {"ACL", "USERS"},
           {"ACL", "CAT"},
           {"ACL", "CAT", "nosuchcategory"},
           {"ACL", "GENPASS", "0"},
           {"ACL", "GENPASS", "4097"},
           {"ACL", "GENPASS", "x"},
           {"ACL", "LOG", "x"},
           {"ACL", "LOAD"},
           {"ACL", "SAVE"},
           {"ACL", "HELP"},
           {"ACL", "NOSUCH"},
           {"ACL"},
           {"ACL", "GETUSER"},
           {"ACL", "WHOAMI", "x"}});
}

TEST_F(AuthTest, GenpassLengths) {
  Start({});
  auto c = Connect();
  for (const char* bits : {"1", "4", "5", "256", "4096"}) {
    auto r = c->redis.command({"ACL", "GENPASS", bits}), e = c->eddy.command({"ACL", "GENPASS", bits});
    ASSERT_TRUE(r && e);
    EXPECT_EQ(r->size(), e->size()) << bits;
  }
}

TEST_F(AuthTest, AclLogRecordsRefusals) {
  Start({"--user", "dora", "on", ">dpw", "~d:*", "+get"});
  auto c = Connect();
  Compare(*c, {{"AUTH", "dora", "bad"},
               {"AUTH", "dora", "bad"},
               {"AUTH", "dora", "dpw"},
               {"SET", "d:1", "x"},
               {"GET", "other"},
               {"GET", "d:1"}});
  auto admin = Connect();
  auto r = admin->redis.command({"ACL", "LOG"}), e = admin->eddy.command({"ACL", "LOG"});
  ASSERT_TRUE(r && e);
  // Entries newest first: key, command, auth (counted twice). Ages and client lines differ.
  for (std::string needle :
       {"*3\r\n", "$6\r\nreason\r\n$3\r\nkey\r\n", "$6\r\nobject\r\n$5\r\nother\r\n",
        "$6\r\nobject\r\n$3\r\nset\r\n", "$5\r\ncount\r\n:2\r\n$6\r\nreason\r\n$4\r\nauth\r\n",
        "$8\r\nusername\r\n$4\r\ndora\r\n", "$7\r\ncontext\r\n$8\r\ntoplevel\r\n"}) {
    EXPECT_NE(r->find(needle), std::string::npos) << needle;
    EXPECT_NE(e->find(needle), std::string::npos) << needle << "\n" << escape(*e);
  }
  EXPECT_NE(e->find("user=dora"), std::string::npos);
  Compare(*admin, {{"ACL", "LOG", "RESET"}, {"ACL", "LOG"}, {"ACL", "LOG", "-1"}});
}

TEST_F(AuthTest, DeletedUserConnectionsAreClosed) {
  Start({"--user", "eve", "on", ">epw", "+@all", "~*"});
  auto eve = Connect();
  Compare(*eve, {{"AUTH", "eve", "epw"}, {"ACL", "WHOAMI"}});
  auto admin = Connect();
  Compare(*admin, {{"ACL", "DELUSER", "eve"}, {"CLIENT", "KILL", "USER", "eve"}});
  std::string r, e;
  EXPECT_TRUE(eve->redis.read_until_closed(r, 2000));
  EXPECT_TRUE(eve->eddy.read_until_closed(e, 2000));
  // Deleting oneself: the reply arrives, then the connection closes.
  Compare(*admin, {{"ACL", "SETUSER", "self", "on", ">s", "+@all", "~*"}, {"AUTH", "self", "s"},
                   {"ACL", "DELUSER", "self"}});
  EXPECT_TRUE(admin->redis.read_until_closed(r, 2000));
  EXPECT_TRUE(admin->eddy.read_until_closed(e, 2000));
}

TEST_F(AuthTest, ClientListShowsTheUser) {
  Start({"--user", "fay", "on", "nopass", "+@all", "~*"});
  RawClient c(eddy_->port());
  c.command({"AUTH", "fay", "x"});
  auto info = c.command({"CLIENT", "INFO"});
  ASSERT_TRUE(info);
  EXPECT_NE(info->find(" user=fay "), std::string::npos) << escape(*info);
  RawClient other(eddy_->port());
  auto killed = other.command({"CLIENT", "KILL", "USER", "fay"});
  ASSERT_TRUE(killed);
  EXPECT_EQ(*killed, ":1\r\n");
  Compare({{"CLIENT", "KILL", "USER", "nobody"}});
}

TEST_F(AuthTest, BadUserLineStopsTheStart) {
  TempDir dir;
  auto exit = Process::run_eddy_in(dir.path(), {"--user", "x", "on", "+nosuchcommand"});
  EXPECT_NE(exit.status, 0);
  EXPECT_NE(exit.log.find("Error in user declaration '+nosuchcommand': Unknown command or "
                          "category name in ACL"),
            std::string::npos)
      << exit.log;
  exit = Process::run_eddy_in(dir.path(), {"--user", "x", "on", "--user", "x", "off"});
  EXPECT_NE(exit.status, 0);
  EXPECT_NE(exit.log.find("Duplicate user"), std::string::npos) << exit.log;
}

TEST_F(AuthTest, DefaultUserLineOverridesRequirepass) {
  Start({"--requirepass", "pw", "--user", "default", "on", ">other", "~*", "+@all"});
  Compare({{"AUTH", "pw"}, {"AUTH", "other"}, {"ACL", "LIST"}, {"CONFIG", "GET", "requirepass"}});
}

}  // namespace
}  // namespace eddy::testing
