// TLS on the client port: redis-cli --tls against eddy with certificates made by openssl at test
// time, the three tls-auth-clients modes, refusals of untrusted certificates on either side, the
// plain port next to the TLS one, and eddy's own TlsStream as a client (the piece the edge's hub
// link will reuse) moving large pipelined values both ways.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "server/tls.h"
#include "tests/process.h"

namespace eddy::testing {
namespace {

namespace asio = boost::asio;

int sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// A CA, a server certificate for 127.0.0.1, a client certificate from the same CA, and a second
// CA with its own client certificate (trusted by nobody).
class Certificates {
 public:
  Certificates() {
    const std::string d = dir_.path();
    auto ca = [&](const std::string& name) {
      return sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + name +
                " -keyout " + d + "/" + name + ".key -out " + d + "/" + name + ".crt");
    };
    auto leaf = [&](const std::string& name, const std::string& ca_name, const std::string& ext) {
      std::string base = d + "/" + name;
      int rc = sh("openssl req -newkey rsa:2048 -nodes -subj /CN=" + name + " -keyout " + base +
                  ".key -out " + base + ".csr");
      if (!ext.empty()) {
        FILE* f = std::fopen((base + ".ext").c_str(), "w");
        std::fputs(ext.c_str(), f);
        std::fclose(f);
      }
      return rc | sh("openssl x509 -req -days 2 -in " + base + ".csr -CA " + d + "/" + ca_name +
                     ".crt -CAkey " + d + "/" + ca_name + ".key -CAcreateserial -out " + base +
                     ".crt" + (ext.empty() ? "" : " -extfile " + base + ".ext"));
    };
    ok_ = ca("ca") == 0 && ca("otherca") == 0 &&
          leaf("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\n") == 0 &&
          leaf("client", "ca", "") == 0 && leaf("stranger", "otherca", "") == 0;
  }
  bool ok() const { return ok_; }
  std::string path(const std::string& file) const { return dir_.path() + "/" + file; }

 private:
  TempDir dir_;
  bool ok_ = false;
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = std::make_unique<Certificates>(); }
  static void TearDownTestSuite() { certs_.reset(); }

  void Start(const std::string& auth_clients, std::vector<std::string> extra = {}) {
    ASSERT_TRUE(certs_->ok()) << "openssl could not make the test certificates";
    tls_port_ = free_port();
    std::vector<std::string> args = {"--tls-port", std::to_string(tls_port_),
                                     "--tls-cert-file", certs_->path("server.crt"),
                                     "--tls-key-file", certs_->path("server.key"),
                                     "--tls-ca-cert-file", certs_->path("ca.crt"),
                                     "--tls-auth-clients", auth_clients};
    args.insert(args.end(), extra.begin(), extra.end());
    eddy_ = std::make_unique<Process>(Process::start_eddy(args));
  }

  // redis-cli over TLS; `identity` is a certificate/key pair name, or empty for none.
  std::string Cli(const std::string& identity, const std::string& command,
                  const std::string& ca = "ca.crt") {
    std::string cmd = "redis-cli -h 127.0.0.1 -p " + std::to_string(tls_port_) +
                      " --tls --cacert " + certs_->path(ca);
    if (!identity.empty())
      cmd += " --cert " + certs_->path(identity + ".crt") + " --key " + certs_->path(identity + ".key");
    return run(cmd + " " + command);
  }

  static std::unique_ptr<Certificates> certs_;
  std::unique_ptr<Process> eddy_;
  int tls_port_ = 0;
};

std::unique_ptr<Certificates> TlsTest::certs_;

TEST_F(TlsTest, RedisCliWasBuiltWithTls) {
  EXPECT_NE(run("redis-cli --help").find("--tls"), std::string::npos);
}

TEST_F(TlsTest, ClientCertificateRequiredByDefault) {
  Start("yes");
  EXPECT_EQ(Cli("client", "PING"), "PONG\n");
  EXPECT_EQ(Cli("client", "SET k fromtls"), "OK\n");
  EXPECT_EQ(Cli("client", "GET k"), "fromtls\n");
  // The plain port serves the same keyspace.
  RawClient plain(eddy_->port());
  EXPECT_EQ(plain.command({"GET", "k"}).value_or(""), "$7\r\nfromtls\r\n");
  // No certificate, a certificate from an unknown CA, or a server the client does not trust.
  EXPECT_EQ(Cli("", "PING").find("PONG"), std::string::npos);
  EXPECT_EQ(Cli("stranger", "PING").find("PONG"), std::string::npos);
  EXPECT_EQ(Cli("client", "PING", "otherca.crt").find("PONG"), std::string::npos);
  // Failed handshakes leave the server serving.
  EXPECT_EQ(Cli("client", "PING"), "PONG\n");
}

TEST_F(TlsTest, AuthClientsNo) {
  Start("no");
  EXPECT_EQ(Cli("", "PING"), "PONG\n");
  EXPECT_EQ(Cli("stranger", "PING"), "PONG\n");
}

TEST_F(TlsTest, AuthClientsOptional) {
  Start("optional");
  EXPECT_EQ(Cli("", "PING"), "PONG\n");
  EXPECT_EQ(Cli("client", "PING"), "PONG\n");
  // A certificate that is sent must be valid.
  EXPECT_EQ(Cli("stranger", "PING").find("PONG"), std::string::npos);
}

TEST_F(TlsTest, PasswordOverTls) {
  Start("no", {"--requirepass", "pw"});
  EXPECT_EQ(Cli("", "GET k"), "NOAUTH Authentication required.\n\n");
  EXPECT_EQ(Cli("", "--no-auth-warning -a pw SET k v"), "OK\n");
  EXPECT_EQ(Cli("", "--user default --pass pw --no-auth-warning GET k"), "v\n");
}

TEST_F(TlsTest, BadFilesStopTheStart) {
  TempDir dir;
  auto exit = Process::run_eddy_in(dir.path(), {"--tls-port", std::to_string(free_port()),
                                                "--tls-cert-file", "/nonexistent.crt",
                                                "--tls-key-file", "/nonexistent.key",
                                                "--tls-auth-clients", "no"});
  EXPECT_NE(exit.status, 0);
  EXPECT_NE(exit.log.find("Failed to load certificate"), std::string::npos) << exit.log;
}

// eddy's TlsStream in the client role, as the edge's link to the hub will use it: a pipelined
// write of several megabytes and the replies read back through the same stream.
TEST_F(TlsTest, TlsStreamClientMovesLargeValues) {
  Start("yes");
  server::TlsOptions options;
  options.cert_file = certs_->path("client.crt");
  options.key_file = certs_->path("client.key");
  options.ca_file = certs_->path("ca.crt");
  options.server_name = "localhost";
  std::string error;
  auto context = server::TlsContext::create(server::TlsContext::Role::kClient, options, error);
  ASSERT_TRUE(context) << error;

  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(tls_port_)});
  auto stream = std::make_shared<server::TlsStream>(socket, *context);

  std::string value(3 * 1024 * 1024, 'x');
  for (size_t i = 0; i < value.size(); i += 4096) value[i] = static_cast<char>('a' + i % 26);
  std::string request;
  for (int i = 0; i < 3; ++i)
    request += encode_command({"SET", "big" + std::to_string(i), value});
  for (int i = 0; i < 3; ++i) request += encode_command({"GET", "big" + std::to_string(i)});
  std::string expected = "+OK\r\n+OK\r\n+OK\r\n";
  for (int i = 0; i < 3; ++i)
    expected += "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";

  std::string received;
  char buf[64 * 1024];
  boost::system::error_code failure;
  std::function<void()> read_more = [&] {
    stream->async_read_some(buf, sizeof buf, [&](const boost::system::error_code& ec, size_t n) {
      if (ec) {
        failure = ec;
        return;
      }
      received.append(buf, n);
      if (received.size() < expected.size()) read_more();
    });
  };
  stream->async_handshake([&](const boost::system::error_code& ec) {
    if (ec) {
      failure = ec;
      return;
    }
    stream->async_write(request.data(), request.size(),
                        [&](const boost::system::error_code& wec, size_t n) {
                          if (wec) failure = wec;
                          EXPECT_EQ(n, request.size());
                        });
    read_more();
  });
  io.run_for(std::chrono::seconds(30));
  ASSERT_FALSE(failure) << failure.message();
  ASSERT_EQ(received.size(), expected.size());
  EXPECT_TRUE(received == expected);
}

// The client role checks the server's name against its certificate.
TEST_F(TlsTest, TlsStreamClientRefusesAWrongServerName) {
  Start("no");
  server::TlsOptions options;
  options.ca_file = certs_->path("ca.crt");
  options.server_name = "not-this-server.example";
  std::string error;
  auto context = server::TlsContext::create(server::TlsContext::Role::kClient, options, error);
  ASSERT_TRUE(context) << error;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(tls_port_)});
  auto stream = std::make_shared<server::TlsStream>(socket, *context);
  bool done = false;
  boost::system::error_code result;
  stream->async_handshake([&](const boost::system::error_code& ec) {
    done = true;
    result = ec;
  });
  io.run_for(std::chrono::seconds(10));
  EXPECT_TRUE(done);
  EXPECT_TRUE(result);
}

// sync-tls: an edge reaches its hub's tls-port, verifies the hub's certificate against its CA and
// presents its own; an edge that trusts another CA never gets past the handshake, and nothing it
// wrote reaches the hub.
TEST_F(TlsTest, EdgeSyncsWithItsHubOverTls) {
  Start("yes", {"--role", "hub"});
  auto edge = [&](const std::string& name, const std::string& ca) {
    return Process::start_eddy({"--hub", "localhost:" + std::to_string(tls_port_), "--node-name",
                                name, "--sync-tls", "yes", "--tls-ca-cert-file",
                                certs_->path(ca), "--tls-cert-file", certs_->path("client.crt"),
                                "--tls-key-file", certs_->path("client.key")});
  };
  auto call = [](int port, const std::vector<std::string>& argv) {
    RawClient c(port);
    return c.command(argv).value_or("<no reply>");
  };
  Process trusting = edge("e1", "ca.crt");
  EXPECT_EQ(call(trusting.port(), {"SET", "k", "over-tls"}), "+OK\r\n");
  EXPECT_EQ(call(trusting.port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(eddy_->port(), {"GET", "k"}), "$8\r\nover-tls\r\n");
  EXPECT_EQ(call(eddy_->port(), {"SET", "from-hub", "1"}), "+OK\r\n");
  EXPECT_EQ(call(trusting.port(), {"EDGE.SYNC", "WAIT", "10000"}), "+OK\r\n");
  EXPECT_EQ(call(trusting.port(), {"GET", "from-hub"}), "$1\r\n1\r\n");

  Process wary = edge("e2", "otherca.crt");
  EXPECT_EQ(call(wary.port(), {"SET", "x", "1"}), "+OK\r\n");
  EXPECT_EQ(call(wary.port(), {"EDGE.SYNC", "WAIT", "500"}),
            "-TIMEOUT the edge has not caught up with its hub in time\r\n");
  EXPECT_NE(call(wary.port(), {"EDGE.STATUS"}).find("TLS handshake with the hub failed"),
            std::string::npos);
  EXPECT_EQ(call(eddy_->port(), {"EXISTS", "x"}), ":0\r\n");
}

// An edge asked to use TLS without a CA to verify the hub with does not start.
TEST_F(TlsTest, EdgeWithoutACaForItsHubDoesNotStart) {
  TempDir dir;
  const std::string out = run(std::string(EDDY_BINARY) + " --port " +
                              std::to_string(free_port()) + " --hub localhost:1 --node-name e " +
                              "--sync-tls yes --dir " + dir.path());
  EXPECT_NE(out.find("sync-tls: Failed to configure TLS: a CA file is required to verify the "
                     "server"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace eddy::testing
