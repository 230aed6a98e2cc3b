#pragma once

// Boost 1.74's asio needs <utility> before it with GCC 12 (std::exchange).
#include <utility>

#include <boost/asio.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "commands/config.h"
#include "commands/engine.h"
#include "server/tls.h"

struct redisReader;
struct redisReply;

namespace eddy::server {

// One connection of an edge to its hub, on the server's event loop, with its own EDGE.HELLO.
// Requests are pipelined and their replies matched in order; a lost connection, a refusal or a
// hub silent for too long is retried with exponential backoff and jitter.
//
// A kPush channel pushes the edge's durable units, up to kPushWindow batches in flight, and when
// EDGE.SYNC waits, pulls once without waiting (a probe: "is there anything new right now?"). A
// kPull channel long-polls the hub's log: the hub answers as soon as it holds something this edge
// lacks, or empty after the poll's wait; what a pull brings is acknowledged once fsynced here.
// Pushes and pulls travel on separate connections because a hub holds a long poll's reply, and
// a connection's replies come in order: a push behind a poll would wait for it.
class HubChannel : public std::enable_shared_from_this<HubChannel> {
 public:
  enum class Purpose { kPush, kPull };
  // `tls`: the client TLS context when the hub is reached over TLS (sync-tls), else null.
  HubChannel(boost::asio::io_context& io, commands::Engine& engine, std::string host,
             std::string port, Purpose purpose, TlsContext* tls);
  ~HubChannel();
  HubChannel(const HubChannel&) = delete;
  HubChannel& operator=(const HubChannel&) = delete;

  void start() { connect(); }
  void stop();
  // Units became pushable: push them if connected.
  void wake();
  // EDGE.SYNC and EDGE.RESUME: connect now if waiting to retry; probe if idle.
  void sync_now();
  // EDGE.PAUSE: drop the connection and stay away until sync_now.
  void pause();

 private:
  using OnReply = std::function<void(const redisReply&)>;

  void connect();
  // The connection is open (and, over TLS, the handshake done): read, and say hello.
  void ready();
  // wait_ms: how long the hub may hold the reply on purpose (a long poll).
  void send(std::vector<std::string> argv, OnReply on_reply, uint64_t wait_ms = 0);
  void write();
  void read();
  void arm_watchdog(uint64_t wait_ms);
  void hello();
  void connected(bool up);
  // The push channel's next requests: pushes while units wait and the window allows, then a probe
  // pull when EDGE.SYNC waits for one.
  void pump();
  void pull(uint64_t wait_ms);
  void on_pulled(const redisReply& reply, int64_t sent_ms);
  // Drops the connection (a refusal, an error, a broken socket) and tries again later.
  void fail(const std::string& why);
  void retry_later();

  boost::asio::io_context& io_;
  commands::Engine& engine_;
  std::string host_;
  std::string port_;
  Purpose purpose_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  TlsContext* tls_;
  std::shared_ptr<TlsStream> tls_stream_;  // this connection's TLS, over socket_
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer watchdog_;
  redisReader* reader_ = nullptr;
  std::string out_;  // requests not written yet
  // The write in flight; its handler shares it, so a write that a lost connection abandoned
  // keeps its bytes until Asio is done with them, while the next connection writes anew.
  std::shared_ptr<std::string> writing_;
  char in_[64 * 1024];
  std::deque<OnReply> waiting_;  // one per request sent, in order
  enum class State { kDown, kConnecting, kReady, kPaused, kStopped };
  State state_ = State::kDown;
  int pushes_in_flight_ = 0;
  bool probing_ = false;
  int failures_ = 0;
  uint64_t generation_ = 0;  // bumped per connection: stale callbacks see it changed
  std::string last_error_;
};

// An edge's sync with its hub: a push channel and a pull channel, hooked to the engine's sync
// node so that new durable units, EDGE.SYNC, EDGE.PAUSE and EDGE.RESUME reach them.
class EdgeClient {
 public:
  // `tls`, which must outlive the client: the hub is reached over TLS (null: plain TCP).
  EdgeClient(boost::asio::io_context& io, commands::Engine& engine, std::string host,
             std::string port, TlsContext* tls);
  void start();
  void stop();

 private:
  commands::Engine& engine_;
  std::shared_ptr<HubChannel> push_;
  std::shared_ptr<HubChannel> pull_;
};

// sync-tls: how an edge reaches its hub over TLS, as Redis's tls-replication reaches a master.
// The hub's certificate is verified against tls-ca-cert-file and must name `host` (unless `host`
// is an IP address: Mbed TLS 2.28 cannot match IP addresses, so the CA alone vouches for it);
// tls-cert-file and tls-key-file, when set, are presented as the edge's client certificate.
TlsOptions hub_tls_options(const commands::Config& config, const std::string& host);

}  // namespace eddy::server
